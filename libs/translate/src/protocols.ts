/** The protocols a client may speak to the gateway. */
export type ClientProtocol = 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini';

/** The protocols the gateway speaks to a channel (OpenAI channels are reached through chat completions). */
export type ProviderProtocol = 'openai-chat' | 'anthropic' | 'gemini';

export const PROTOCOL_LABEL: Record<ClientProtocol, string> = {
  'openai-chat': 'OpenAI Chat Completions',
  'openai-responses': 'OpenAI Responses',
  anthropic: 'Anthropic Messages',
  gemini: 'Gemini generateContent',
};
