/**
 * The weather answer streamed by each provider (the events as its SDK parses them), and the frames each client
 * protocol must get: text in two deltas, a tool call whose arguments arrive in deltas (Gemini sends a call whole),
 * usage, and the stop reason.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { FinishReason } from '@google/genai' with { 'resolution-mode': 'import' };
import type OpenAI from 'openai';
import type { ClientProtocol, ProviderProtocol, SseEvent } from '../src';
import {
  ANSWER_ARGUMENTS,
  CLIENT_ANSWER_ID,
  CLIENT_MODEL,
  CREATED,
  GEMINI_USAGE,
  GeminiAnswer,
  OPENAI_USAGE,
  RESPONSES_ECHO,
  RESPONSES_USAGE,
} from './weather-answer';

export const TEXT_DELTAS = ['Checking ', 'the forecast.'];

/** A parsed SSE frame: the event name (if any) and the data, parsed unless it is `[DONE]`. */
export interface Frame {
  event?: string;
  data: unknown;
}

export function parseSse(text: string): Frame[] {
  return text
    .split('\n\n')
    .filter((block) => block.length > 0)
    .map((block) => {
      const frame: Frame = { data: undefined };
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) frame.event = line.slice(7);
        else if (line.startsWith('data: ')) frame.data = line.slice(6) === '[DONE]' ? '[DONE]' : JSON.parse(line.slice(6));
      }
      return frame;
    });
}

const sse = (data: object | string, event?: string): SseEvent =>
  event === undefined ? { data: typeof data === 'string' ? data : JSON.stringify(data) } : { event, data: JSON.stringify(data) };

function openAiChunk(delta: OpenAI.ChatCompletionChunk.Choice.Delta, finish: OpenAI.ChatCompletionChunk.Choice['finish_reason'] = null): SseEvent {
  const chunk: OpenAI.ChatCompletionChunk = {
    id: 'chatcmpl-abc',
    object: 'chat.completion.chunk',
    created: CREATED,
    model: 'gpt-4.1-mini-2025-04-14',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
  return sse(chunk);
}

function anthropicEvent(event: Anthropic.RawMessageStreamEvent): SseEvent {
  return sse(event, event.type);
}

function geminiChunk(chunk: GeminiAnswer): SseEvent {
  return sse(chunk);
}

export const PROVIDER_STREAMS: Record<ProviderProtocol, SseEvent[]> = {
  'openai-chat': [
    openAiChunk({ role: 'assistant', content: '' }),
    openAiChunk({ content: TEXT_DELTAS[0] }),
    openAiChunk({ content: TEXT_DELTAS[1] }),
    openAiChunk({ tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
    openAiChunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris",' } }] }),
    openAiChunk({ tool_calls: [{ index: 0, function: { arguments: '"day":"tomorrow"}' } }] }),
    openAiChunk({}, 'tool_calls'),
    sse({
      id: 'chatcmpl-abc',
      object: 'chat.completion.chunk',
      created: CREATED,
      model: 'gpt-4.1-mini-2025-04-14',
      choices: [],
      usage: OPENAI_USAGE,
    } satisfies OpenAI.ChatCompletionChunk),
    sse('[DONE]'),
  ],
  anthropic: [
    anthropicEvent({
      type: 'message_start',
      message: {
        id: 'msg_abc',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-6',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        stop_details: null,
        container: null,
        diagnostics: null,
        usage: {
          input_tokens: 800,
          cache_read_input_tokens: 200,
          cache_creation_input_tokens: 0,
          output_tokens: 1,
          output_tokens_details: null,
          cache_creation: null,
          inference_geo: null,
          server_tool_use: null,
          service_tier: 'standard',
          speed: null,
        },
      },
    }),
    anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } }),
    { event: 'ping', data: '{"type": "ping"}' },
    anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: TEXT_DELTAS[0] } }),
    anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: TEXT_DELTAS[1] } }),
    anthropicEvent({ type: 'content_block_stop', index: 0 }),
    anthropicEvent({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'toolu_abc', name: 'get_weather', input: {}, caller: { type: 'direct' } },
    }),
    anthropicEvent({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":"Paris",' } }),
    anthropicEvent({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"day":"tomorrow"}' } }),
    anthropicEvent({ type: 'content_block_stop', index: 1 }),
    anthropicEvent({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null, stop_details: null, container: null },
      usage: {
        input_tokens: 800,
        cache_read_input_tokens: 200,
        cache_creation_input_tokens: 0,
        output_tokens: 150,
        output_tokens_details: { thinking_tokens: 50 },
        server_tool_use: null,
      },
    }),
    anthropicEvent({ type: 'message_stop' }),
  ],
  gemini: [
    geminiChunk({
      candidates: [{ content: { role: 'model', parts: [{ text: TEXT_DELTAS[0] }] }, index: 0 }],
      usageMetadata: { promptTokenCount: 1000, cachedContentTokenCount: 200, totalTokenCount: 1000 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'abc',
    }),
    geminiChunk({
      candidates: [{ content: { role: 'model', parts: [{ text: TEXT_DELTAS[1] }] }, index: 0 }],
      usageMetadata: { promptTokenCount: 1000, cachedContentTokenCount: 200, totalTokenCount: 1000 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'abc',
    }),
    geminiChunk({
      candidates: [
        {
          content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris', day: 'tomorrow' } } }] },
          finishReason: 'STOP' as FinishReason,
          index: 0,
        },
      ],
      usageMetadata: GEMINI_USAGE,
      modelVersion: 'gemini-2.5-flash',
      responseId: 'abc',
    }),
  ],
};

/** How the call's arguments arrive from each provider. */
export const ARGUMENT_DELTAS: Record<ProviderProtocol, string[]> = {
  'openai-chat': ['{"city":"Paris",', '"day":"tomorrow"}'],
  anthropic: ['{"city":"Paris",', '"day":"tomorrow"}'],
  gemini: [ANSWER_ARGUMENTS],
};

/**
 * What message_start says of the usage for an Anthropic client: Anthropic reports the input at the start, Gemini in
 * its first chunk's running usageMetadata, OpenAI only at the end (message_delta then carries all of it).
 */
export const START_USAGE: Record<ProviderProtocol, { input: number; cached: number; output: number }> = {
  'openai-chat': { input: 0, cached: 0, output: 0 },
  anthropic: { input: 800, cached: 200, output: 1 },
  gemini: { input: 800, cached: 200, output: 0 },
};

export interface StreamExpectation {
  toolCallId: string;
  argumentDeltas: string[];
  startUsage: { input: number; cached: number; output: number };
}

const FINAL_USAGE_ANTHROPIC = {
  input_tokens: 800,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 200,
  output_tokens: 150,
  output_tokens_details: { thinking_tokens: 50 },
};

export function clientStream(to: ClientProtocol, x: StreamExpectation): Frame[] {
  switch (to) {
    case 'openai-chat': {
      const chunk = (delta: object, finish: string | null = null): Frame => ({
        data: {
          id: CLIENT_ANSWER_ID[to],
          object: 'chat.completion.chunk',
          created: CREATED,
          model: CLIENT_MODEL,
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        },
      });
      return [
        chunk({ role: 'assistant', content: '' }),
        ...TEXT_DELTAS.map((text) => chunk({ content: text })),
        chunk({ tool_calls: [{ index: 0, id: x.toolCallId, type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        ...x.argumentDeltas.map((d) => chunk({ tool_calls: [{ index: 0, function: { arguments: d } }] })),
        chunk({}, 'tool_calls'),
        {
          data: {
            id: CLIENT_ANSWER_ID[to],
            object: 'chat.completion.chunk',
            created: CREATED,
            model: CLIENT_MODEL,
            choices: [],
            usage: OPENAI_USAGE,
          },
        },
        { data: '[DONE]' },
      ];
    }
    case 'anthropic': {
      const event = (data: Anthropic.RawMessageStreamEvent): Frame => ({ event: data.type, data });
      return [
        event({
          type: 'message_start',
          message: {
            id: CLIENT_ANSWER_ID[to],
            type: 'message',
            role: 'assistant',
            model: CLIENT_MODEL,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            stop_details: null,
            container: null,
            diagnostics: null,
            usage: {
              input_tokens: x.startUsage.input,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: x.startUsage.cached,
              output_tokens: x.startUsage.output,
              output_tokens_details: null,
              cache_creation: null,
              inference_geo: null,
              server_tool_use: null,
              service_tier: 'standard',
              speed: null,
            },
          },
        }),
        event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } }),
        ...TEXT_DELTAS.map((text) => event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
        event({ type: 'content_block_stop', index: 0 }),
        event({
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: x.toolCallId, name: 'get_weather', input: {}, caller: { type: 'direct' } },
        }),
        ...x.argumentDeltas.map((partial_json) => event({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json } })),
        event({ type: 'content_block_stop', index: 1 }),
        event({
          type: 'message_delta',
          delta: { stop_reason: 'tool_use', stop_sequence: null, stop_details: null, container: null },
          usage: { ...FINAL_USAGE_ANTHROPIC, server_tool_use: null },
        }),
        event({ type: 'message_stop' }),
      ];
    }
    case 'openai-responses':
      return responsesStream(x);
    case 'gemini': {
      const chunk = (parts: object[], extra: object = {}): Frame => ({
        data: { candidates: [{ content: { role: 'model', parts }, index: 0, ...extra }], modelVersion: CLIENT_MODEL, responseId: CLIENT_ANSWER_ID[to] },
      });
      const final = chunk([{ text: '' }], { finishReason: 'STOP' }) as { data: Record<string, unknown> };
      final.data.usageMetadata = GEMINI_USAGE;
      return [
        ...TEXT_DELTAS.map((text) => chunk([{ text }])),
        chunk([{ functionCall: { id: x.toolCallId, name: 'get_weather', args: { city: 'Paris', day: 'tomorrow' } } }]),
        final,
      ];
    }
  }
}

function responsesStream(x: StreamExpectation): Frame[] {
  const id = CLIENT_ANSWER_ID['openai-responses'];
  const envelope = {
    id,
    object: 'response',
    created_at: CREATED,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    ...RESPONSES_ECHO,
    model: CLIENT_MODEL,
    output: [] as object[],
    usage: null as object | null,
  };
  const text = TEXT_DELTAS.join('');
  const message = { id: 'msg_gen1_0', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] };
  const call = { id: 'fc_gen1_1', type: 'function_call', status: 'completed', call_id: x.toolCallId, name: 'get_weather', arguments: ANSWER_ARGUMENTS };
  const events: Array<Record<string, unknown>> = [
    { type: 'response.created', response: envelope },
    { type: 'response.in_progress', response: envelope },
    { type: 'response.output_item.added', output_index: 0, item: { id: 'msg_gen1_0', type: 'message', status: 'in_progress', role: 'assistant', content: [] } },
    { type: 'response.content_part.added', item_id: 'msg_gen1_0', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } },
    ...TEXT_DELTAS.map((delta) => ({ type: 'response.output_text.delta', item_id: 'msg_gen1_0', output_index: 0, content_index: 0, delta, logprobs: [] })),
    { type: 'response.output_text.done', item_id: 'msg_gen1_0', output_index: 0, content_index: 0, text, logprobs: [] },
    { type: 'response.content_part.done', item_id: 'msg_gen1_0', output_index: 0, content_index: 0, part: message.content[0] },
    { type: 'response.output_item.done', output_index: 0, item: message },
    {
      type: 'response.output_item.added',
      output_index: 1,
      item: { id: 'fc_gen1_1', type: 'function_call', status: 'in_progress', call_id: x.toolCallId, name: 'get_weather', arguments: '' },
    },
    ...x.argumentDeltas.map((delta) => ({ type: 'response.function_call_arguments.delta', item_id: 'fc_gen1_1', output_index: 1, delta })),
    { type: 'response.function_call_arguments.done', item_id: 'fc_gen1_1', output_index: 1, name: 'get_weather', arguments: ANSWER_ARGUMENTS },
    { type: 'response.output_item.done', output_index: 1, item: call },
    {
      type: 'response.completed',
      response: {
        ...envelope,
        status: 'completed',
        output: [message, call],
        usage: RESPONSES_USAGE,
      },
    },
  ];
  return events.map((data, sequence) => ({ event: data.type as string, data: { ...data, sequence_number: sequence } }));
}
