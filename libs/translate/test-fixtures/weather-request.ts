/**
 * One conversation written in every protocol, as each SDK sends it (typed with the SDKs' own types): a system prompt,
 * a user turn with text and a base64 image, an assistant turn with text and a tool call, the tool's result, and a
 * follow-up question; one function tool, tool choice auto, max tokens, temperature and top-p. Every client version
 * decodes to the same request, so every provider version is the translation of every client version.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { Content, FunctionCallingConfigMode, GenerationConfig, Tool, ToolConfig } from '@google/genai' with { 'resolution-mode': 'import' };
import type OpenAI from 'openai';
import type { ChatRequest, ClientProtocol, ProviderProtocol } from '../src';

export const SYSTEM = 'You are a weather assistant.';
export const QUESTION = 'What is the weather in Paris?';
export const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
export const ASSISTANT_TEXT = 'Let me check.';
export const ARGUMENTS = '{"city":"Paris"}';
export const RESULT = '18°C and sunny';
export const FOLLOW_UP = 'Thanks. And tomorrow?';
export const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
} as const;
const parameters = WEATHER_TOOL.parameters as unknown as Record<string, unknown>;

export interface GeminiRequestBody {
  contents: Content[];
  systemInstruction?: Content;
  tools?: Tool[];
  toolConfig?: ToolConfig;
  generationConfig?: GenerationConfig;
}

export type AnthropicRequestBody = Anthropic.MessageCreateParams & { temperature?: number; top_p?: number; top_k?: number };

const openAiChat = (model: string, toolCallId: string): OpenAI.ChatCompletionCreateParams => ({
  model,
  messages: [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content: [
        { type: 'text', text: QUESTION },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
      ],
    },
    {
      role: 'assistant',
      content: ASSISTANT_TEXT,
      tool_calls: [{ id: toolCallId, type: 'function', function: { name: 'get_weather', arguments: ARGUMENTS } }],
    },
    { role: 'tool', tool_call_id: toolCallId, content: RESULT },
    { role: 'user', content: FOLLOW_UP },
  ],
  tools: [{ type: 'function', function: { name: WEATHER_TOOL.name, description: WEATHER_TOOL.description, parameters } }],
  tool_choice: 'auto',
  max_completion_tokens: 512,
  temperature: 0.5,
  top_p: 0.9,
});

const responses: OpenAI.Responses.ResponseCreateParams = {
  model: 'anthropic/claude-sonnet-4-6',
  instructions: SYSTEM,
  input: [
    {
      role: 'user',
      content: [
        { type: 'input_text', text: QUESTION },
        { type: 'input_image', image_url: `data:image/png;base64,${PNG}`, detail: 'auto' },
      ],
    },
    {
      type: 'message',
      id: 'msg_earlier',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: ASSISTANT_TEXT, annotations: [] }],
    },
    { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: ARGUMENTS },
    { type: 'function_call_output', call_id: 'call_1', output: RESULT },
    { role: 'user', content: FOLLOW_UP },
  ],
  tools: [{ type: 'function', name: WEATHER_TOOL.name, description: WEATHER_TOOL.description, parameters, strict: null }],
  tool_choice: 'auto',
  max_output_tokens: 512,
  temperature: 0.5,
  top_p: 0.9,
};

const anthropic = (model: string, toolCallId: string): AnthropicRequestBody => ({
  model,
  system: SYSTEM,
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: QUESTION },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: ASSISTANT_TEXT },
        { type: 'tool_use', id: toolCallId, name: 'get_weather', input: { city: 'Paris' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: toolCallId, content: RESULT },
        { type: 'text', text: FOLLOW_UP },
      ],
    },
  ],
  tools: [{ name: WEATHER_TOOL.name, description: WEATHER_TOOL.description, input_schema: { ...parameters, type: 'object' } }],
  tool_choice: { type: 'auto' },
  max_tokens: 512,
  temperature: 0.5,
  top_p: 0.9,
});

const gemini = (): GeminiRequestBody => ({
  systemInstruction: { parts: [{ text: SYSTEM }] },
  contents: [
    { role: 'user', parts: [{ text: QUESTION }, { inlineData: { mimeType: 'image/png', data: PNG } }] },
    { role: 'model', parts: [{ text: ASSISTANT_TEXT }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
    { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: RESULT } } }, { text: FOLLOW_UP }] },
  ],
  tools: [{ functionDeclarations: [{ name: WEATHER_TOOL.name, description: WEATHER_TOOL.description, parametersJsonSchema: parameters }] }],
  toolConfig: { functionCallingConfig: { mode: 'AUTO' as FunctionCallingConfigMode } },
  generationConfig: { maxOutputTokens: 512, temperature: 0.5, topP: 0.9 },
});

export const CLIENT_REQUESTS: Record<ClientProtocol, object> = {
  'openai-chat': openAiChat('anthropic/claude-sonnet-4-6', 'call_1'),
  'openai-responses': responses,
  anthropic: anthropic('openai/gpt-4.1-mini', 'call_1'),
  gemini: gemini(),
};

/** Gemini calls carry no id: the one the gateway gives the call of contents[1].parts[1]. */
export const TOOL_CALL_ID: Record<ClientProtocol, string> = {
  'openai-chat': 'call_1',
  'openai-responses': 'call_1',
  anthropic: 'call_1',
  gemini: 'call_g1_1',
};

/**
 * The request every client version decodes to (the tool call id as the client protocol gives it; a Gemini client
 * names the function in its result too).
 */
export function weatherChatRequest(toolCallId: string, resultName?: string): ChatRequest {
  return {
    system: [{ type: 'text', text: SYSTEM }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: QUESTION },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: ASSISTANT_TEXT },
          { type: 'tool_call', id: toolCallId, name: 'get_weather', arguments: ARGUMENTS },
        ],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool_result', toolCallId, content: [{ type: 'text', text: RESULT }], isError: false, ...(resultName === undefined ? {} : { name: resultName }) },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: FOLLOW_UP }] },
    ],
    tools: [{ name: WEATHER_TOOL.name, description: WEATHER_TOOL.description, parameters }],
    toolChoice: { type: 'auto' },
    maxOutputTokens: 512,
    temperature: 0.5,
    topP: 0.9,
    stream: false,
  };
}

export const PROVIDER_MODEL: Record<ProviderProtocol, string> = {
  'openai-chat': 'gpt-4.1-mini',
  anthropic: 'claude-sonnet-4-6',
  gemini: 'gemini-2.5-flash',
};

/**
 * The provider body every client version translates to (the tool call id as the client gave it): the same
 * conversation as the client body of the provider's protocol, naming the provider's model.
 */
export function providerRequest(to: ProviderProtocol, toolCallId: string): object {
  switch (to) {
    case 'openai-chat':
      return openAiChat(PROVIDER_MODEL['openai-chat'], toolCallId);
    case 'anthropic':
      return anthropic(PROVIDER_MODEL.anthropic, toolCallId);
    case 'gemini':
      return gemini();
  }
}
