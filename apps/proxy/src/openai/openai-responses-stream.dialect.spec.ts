import { GatewayError } from '@gw/common';
import { OpenAiResponsesStreamDialect } from './openai-responses-stream.dialect';

const response = (status: string, usage: string, model = 'gpt-4.1-mini-2025-04-14') =>
  `{"id":"resp_1","object":"response","created_at":1,"status":"${status}","model":"${model}","output":[],` +
  `"tools":[{"type":"function","name":"f","parameters":{"properties":{"model":{"type":"string"}}}}],"usage":${usage}}`;
const lifecycle = (type: string, seq: number, status: string, usage = 'null') =>
  ({ event: type, data: `{"type":"${type}","sequence_number":${seq},"response":${response(status, usage)}}`, id: undefined });
const typed = (type: string, fields: string, seq: number) => ({ event: type, data: `{"type":"${type}","sequence_number":${seq},${fields}}`, id: undefined });
const textDelta = (delta: string, seq: number) =>
  typed('response.output_text.delta', `"item_id":"msg_1","output_index":0,"content_index":0,"delta":${JSON.stringify(delta)}`, seq);
const MESSAGE = '{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"mock reply"}]}';
const USAGE =
  '{"input_tokens":9,"input_tokens_details":{"cached_tokens":4},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":5},"total_tokens":16}';

const frameData = (frame: string) => JSON.parse(frame.split('\ndata: ')[1]);

describe(OpenAiResponsesStreamDialect.name, () => {
  it('passes the typed events on, with the model the client sent in the response object, and settles on response.completed', () => {
    const dialect = new OpenAiResponsesStreamDialect('openai/gpt-4.1-mini');
    const created = dialect.onEvent(lifecycle('response.created', 0, 'in_progress'));
    expect(created.startsWith('event: response.created\ndata: ')).toBe(true);
    expect(frameData(created).response).toMatchObject({ model: 'openai/gpt-4.1-mini', tools: [{ parameters: { properties: { model: { type: 'string' } } } }] });
    const delta = textDelta('mock', 1);
    expect(dialect.onEvent(delta)).toBe(`event: response.output_text.delta\ndata: ${delta.data}\n\n`);
    expect(dialect.finished).toBe(false);
    const completed = dialect.onEvent(lifecycle('response.completed', 2, 'completed', USAGE));
    expect(frameData(completed)).toMatchObject({ type: 'response.completed', response: { model: 'openai/gpt-4.1-mini', usage: JSON.parse(USAGE) } });
    expect(dialect.finished).toBe(true);
    // Reasoning tokens are inside output_tokens: billed once, at the output price.
    expect(dialect.reportedUsage()).toEqual({ inputTokens: 9, outputTokens: 7, cachedInputTokens: 4, cacheWriteTokens: 0, reasoningTokens: 5 });
    expect(dialect.deliveredUsage()).toMatchObject({ usage: { inputTokens: 9, outputTokens: 7 }, inputReported: true });
  });

  it('ends on response.incomplete too (stopped at max_output_tokens), with its usage', () => {
    const dialect = new OpenAiResponsesStreamDialect('m');
    dialect.onEvent(lifecycle('response.created', 0, 'in_progress'));
    dialect.onEvent(lifecycle('response.incomplete', 1, 'incomplete', USAGE));
    expect(dialect.finished).toBe(true);
    expect(dialect.reportedUsage()).toMatchObject({ inputTokens: 9, outputTokens: 7 });
  });

  it('counts every streamed delta (text, arguments, reasoning summaries) for a stream cut short', () => {
    const dialect = new OpenAiResponsesStreamDialect('m');
    dialect.onEvent(lifecycle('response.created', 0, 'in_progress'));
    dialect.onEvent(textDelta('mock', 1));
    dialect.onEvent(textDelta(' reply', 2));
    dialect.onEvent(typed('response.function_call_arguments.delta', '"item_id":"fc_1","output_index":1,"delta":"{\\"a\\":1}"', 3));
    dialect.onEvent(typed('response.reasoning_summary_text.delta', '"item_id":"rs_1","output_index":2,"summary_index":0,"delta":"hmm"', 4));
    dialect.onEvent(typed('response.output_text.done', '"item_id":"msg_1","output_index":0,"content_index":0,"text":"mock reply"', 5));
    expect(dialect.reportedUsage()).toBeNull();
    const { usage, inputReported } = dialect.deliveredUsage();
    expect(inputReported).toBe(false);
    expect(usage.inputTokens).toBe(0);
    expect(usage.outputTokens).toBeGreaterThanOrEqual(4);
  });

  it("fails on the provider's own error or failed response, and on invalid events", () => {
    const dialect = new OpenAiResponsesStreamDialect('m');
    expect(() => dialect.onEvent(typed('error', '"code":"server_error","message":"boom","param":null', 0))).toThrow(
      expect.objectContaining({ status: 502 }),
    );
    expect(() => dialect.onEvent(lifecycle('response.failed', 1, 'failed'))).toThrow(GatewayError);
    expect(() => dialect.onEvent({ event: 'response.output_text.delta', data: '{"type":', id: undefined })).toThrow(GatewayError);
    expect(() => dialect.onEvent({ event: 'response.created', data: '{"type":"response.created"}', id: undefined })).toThrow(GatewayError);
  });

  it("ends a failed stream with the Responses API's error event, then response.failed with the items finished so far", () => {
    const dialect = new OpenAiResponsesStreamDialect('openai/gpt-4.1-mini');
    dialect.onEvent(lifecycle('response.created', 0, 'in_progress'));
    dialect.onEvent(lifecycle('response.in_progress', 1, 'in_progress'));
    dialect.onEvent(typed('response.output_item.done', `"output_index":0,"item":${MESSAGE}`, 7));
    dialect.onEvent(textDelta('cut', 8));
    const frames = dialect.errorEvent(GatewayError.upstream('The upstream provider closed the stream before it was complete'));
    const [error, failed] = frames.split('\n\n').filter(Boolean);
    expect(error).toBe(
      'event: error\ndata: {"type":"error","code":"upstream_error",' +
        '"message":"The upstream provider closed the stream before it was complete","param":null,"sequence_number":9}',
    );
    expect(frameData(failed)).toEqual({
      type: 'response.failed',
      sequence_number: 10,
      response: {
        id: 'resp_1',
        object: 'response',
        created_at: 1,
        status: 'failed',
        model: 'openai/gpt-4.1-mini',
        output: [JSON.parse(MESSAGE)],
        tools: [{ type: 'function', name: 'f', parameters: { properties: { model: { type: 'string' } } } }],
        usage: null,
        error: { code: 'upstream_error', message: 'The upstream provider closed the stream before it was complete' },
      },
    });
  });

  it('sends the error event alone when no response object came before the failure', () => {
    const dialect = new OpenAiResponsesStreamDialect('m');
    expect(dialect.errorEvent(GatewayError.timeout(5))).toBe(
      'event: error\ndata: {"type":"error","code":"timeout","message":"Request timed out after 5 seconds","param":null,"sequence_number":0}\n\n',
    );
  });
});
