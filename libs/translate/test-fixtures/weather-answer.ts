/**
 * One answer (text, then a call of get_weather) as each provider returns it, and as each client protocol must get
 * it back. The usage is the same in every provider's own accounting: 1000 input tokens of which 200 cached, 150
 * output tokens of which 50 reasoning.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { FinishReason, GenerateContentResponse } from '@google/genai' with { 'resolution-mode': 'import' };
import type OpenAI from 'openai';
import type { ClientProtocol, ProviderProtocol, Usage } from '../src';

export const ANSWER_TEXT = 'Checking the forecast.';
export const ANSWER_ARGUMENTS = '{"city":"Paris","day":"tomorrow"}';
export const ANSWER_USAGE: Usage = { inputTokens: 1000, cachedInputTokens: 200, cacheWriteTokens: 0, outputTokens: 150, reasoningTokens: 50 };
export const CREATED = 1_700_000_000;
export const CLIENT_MODEL = 'client-model';

/** The answer's usage in each protocol's own fields (OpenAI chat, Responses, Anthropic, Gemini). */
export const OPENAI_USAGE: OpenAI.CompletionUsage = {
  prompt_tokens: 1000,
  completion_tokens: 150,
  total_tokens: 1150,
  prompt_tokens_details: { cached_tokens: 200 },
  completion_tokens_details: { reasoning_tokens: 50 },
};
export const RESPONSES_USAGE: OpenAI.Responses.ResponseUsage = {
  input_tokens: 1000,
  input_tokens_details: { cached_tokens: 200, cache_write_tokens: 0 },
  output_tokens: 150,
  output_tokens_details: { reasoning_tokens: 50 },
  total_tokens: 1150,
};
export const ANTHROPIC_USAGE: Anthropic.Usage = {
  input_tokens: 800,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 200,
  output_tokens: 150,
  output_tokens_details: { thinking_tokens: 50 },
  cache_creation: null,
  inference_geo: null,
  server_tool_use: null,
  service_tier: 'standard',
  speed: null,
};
export const GEMINI_USAGE = { promptTokenCount: 1000, cachedContentTokenCount: 200, candidatesTokenCount: 100, thoughtsTokenCount: 50, totalTokenCount: 1150 };

/**
 * A response object as OpenAI sends it: beside the SDK's type, `store` and `max_tool_calls`, and `user` null when the
 * request set none (the SDK types it as an optional string).
 */
export type ResponsesAnswer = Omit<OpenAI.Responses.Response, 'user'> & { store: boolean; max_tool_calls: number | null; user: string | null };

/**
 * A response object's fields that echo the request, for a request that set none of them (OpenAI's defaults, as an
 * OpenAI model's own answer has them), and those of features translation refuses.
 */
export const RESPONSES_ECHO = {
  background: false,
  instructions: null,
  max_output_tokens: null,
  max_tool_calls: null,
  metadata: {},
  parallel_tool_calls: true,
  previous_response_id: null,
  prompt_cache_key: null,
  reasoning: { effort: null, summary: null },
  safety_identifier: null,
  service_tier: 'default',
  store: false,
  temperature: 1,
  text: { format: { type: 'text' }, verbosity: 'medium' },
  tool_choice: 'auto',
  tools: [],
  top_logprobs: 0,
  top_p: 1,
  truncation: 'disabled',
  user: null,
} satisfies Partial<ResponsesAnswer>;

export type GeminiAnswer = Pick<GenerateContentResponse, 'candidates' | 'usageMetadata' | 'modelVersion' | 'responseId'>;

export const PROVIDER_ANSWERS: Record<ProviderProtocol, object> = {
  'openai-chat': {
    id: 'chatcmpl-abc',
    object: 'chat.completion',
    created: CREATED,
    model: 'gpt-4.1-mini-2025-04-14',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: ANSWER_TEXT,
          refusal: null,
          tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: ANSWER_ARGUMENTS } }],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    usage: OPENAI_USAGE,
  } satisfies OpenAI.ChatCompletion,
  anthropic: {
    id: 'msg_abc',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-6',
    content: [
      { type: 'text', text: ANSWER_TEXT, citations: null },
      { type: 'tool_use', id: 'toolu_abc', name: 'get_weather', input: { city: 'Paris', day: 'tomorrow' }, caller: { type: 'direct' } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: ANTHROPIC_USAGE,
  } satisfies Anthropic.Message,
  gemini: {
    candidates: [
      {
        content: { role: 'model', parts: [{ text: ANSWER_TEXT }, { functionCall: { name: 'get_weather', args: { city: 'Paris', day: 'tomorrow' } } }] },
        finishReason: 'STOP' as FinishReason,
        index: 0,
      },
    ],
    usageMetadata: GEMINI_USAGE,
    modelVersion: 'gemini-2.5-flash',
    responseId: 'abc',
  } satisfies GeminiAnswer,
};

/** The call's id as each provider gave it (Gemini's is the gateway's, from its responseId). */
export const ANSWER_TOOL_CALL_ID: Record<ProviderProtocol, string> = {
  'openai-chat': 'call_abc',
  anthropic: 'toolu_abc',
  gemini: 'call_abc_0',
};

/** The id each client sees for the answer (the gateway passes it in: its generation id). */
export const CLIENT_ANSWER_ID: Record<ClientProtocol, string> = {
  'openai-chat': 'chatcmpl-gen1',
  'openai-responses': 'resp_gen1',
  anthropic: 'msg_gen1',
  gemini: 'gen1',
};

export function clientAnswer(to: ClientProtocol, toolCallId: string): object {
  switch (to) {
    case 'openai-chat':
      return {
        id: CLIENT_ANSWER_ID[to],
        object: 'chat.completion',
        created: CREATED,
        model: CLIENT_MODEL,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: ANSWER_TEXT,
              refusal: null,
              tool_calls: [{ id: toolCallId, type: 'function', function: { name: 'get_weather', arguments: ANSWER_ARGUMENTS } }],
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
        usage: OPENAI_USAGE,
      } satisfies OpenAI.ChatCompletion;
    case 'openai-responses':
      return {
        id: CLIENT_ANSWER_ID[to],
        object: 'response',
        created_at: CREATED,
        status: 'completed',
        error: null,
        incomplete_details: null,
        ...RESPONSES_ECHO,
        model: CLIENT_MODEL,
        output: [
          {
            id: 'msg_gen1_0',
            type: 'message',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text: ANSWER_TEXT, annotations: [], logprobs: [] }],
          },
          { id: 'fc_gen1_1', type: 'function_call', status: 'completed', call_id: toolCallId, name: 'get_weather', arguments: ANSWER_ARGUMENTS },
        ],
        usage: RESPONSES_USAGE,
      } satisfies Omit<ResponsesAnswer, 'output_text'>;
    case 'anthropic':
      return {
        id: CLIENT_ANSWER_ID[to],
        type: 'message',
        role: 'assistant',
        model: CLIENT_MODEL,
        content: [
          { type: 'text', text: ANSWER_TEXT, citations: null },
          { type: 'tool_use', id: toolCallId, name: 'get_weather', input: { city: 'Paris', day: 'tomorrow' }, caller: { type: 'direct' } },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        stop_details: null,
        container: null,
        diagnostics: null,
        usage: ANTHROPIC_USAGE,
      } satisfies Anthropic.Message;
    case 'gemini':
      return {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [{ text: ANSWER_TEXT }, { functionCall: { id: toolCallId, name: 'get_weather', args: { city: 'Paris', day: 'tomorrow' } } }],
            },
            finishReason: 'STOP' as FinishReason,
            index: 0,
          },
        ],
        usageMetadata: GEMINI_USAGE,
        modelVersion: CLIENT_MODEL,
        responseId: CLIENT_ANSWER_ID[to],
      } satisfies GeminiAnswer;
  }
}
