import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { getGlobalDispatcher } from 'undici';

// The Gemini SDK asks for fetch's dispatcher on the real global object, which Jest's sandbox does not share.
getGlobalDispatcher();

export type Protocol = 'openai' | 'anthropic' | 'gemini';
export const PROTOCOLS: readonly Protocol[] = ['openai', 'anthropic', 'gemini'];

/** What one SDK call came to: the answer's output tokens, or the error status and message the SDK reported. */
export type SdkOutcome = { ok: true; outputTokens: number } | { ok: false; status: number; message: string };

export interface SdkCall {
  baseUrl: string;
  key: string;
  model: string;
  content: string;
  maxTokens: number;
  headers?: Record<string, string>;
}

/**
 * One non-streamed generation through the protocol's official SDK (openai, @anthropic-ai/sdk, @google/genai),
 * unmodified but for the base URL, without retries.
 */
export async function sdkGenerate(protocol: Protocol, call: SdkCall): Promise<SdkOutcome> {
  const { baseUrl, key, model, content, maxTokens, headers = {} } = call;
  try {
    if (protocol === 'openai') {
      const client = new OpenAI({ apiKey: key, baseURL: `${baseUrl}/v1`, maxRetries: 0, defaultHeaders: headers });
      const answer = await client.chat.completions.create({ model, max_tokens: maxTokens, messages: [{ role: 'user', content }] });
      return { ok: true, outputTokens: answer.usage!.completion_tokens };
    }
    if (protocol === 'anthropic') {
      const client = new Anthropic({ apiKey: key, baseURL: `${baseUrl}/anthropic`, maxRetries: 0, defaultHeaders: headers });
      const answer = await client.messages.create({ model, max_tokens: maxTokens, messages: [{ role: 'user', content }] });
      return { ok: true, outputTokens: answer.usage.output_tokens };
    }
    const genai = await import('@google/genai');
    const client = new genai.GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: `${baseUrl}/gemini`, headers } });
    const answer = await client.models.generateContent({ model, contents: content, config: { maxOutputTokens: maxTokens } });
    return { ok: true, outputTokens: answer.usageMetadata!.candidatesTokenCount! };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (typeof status !== 'number') throw error;
    return { ok: false, status, message: (error as Error).message };
  }
}

/** The exact error body each protocol answers with (errors.md, protocols.md). */
export function errorBody(protocol: Protocol, status: number, message: string): unknown {
  if (protocol === 'openai') return { error: { message, type: ERROR_TYPE[status], code: String(status) } };
  if (protocol === 'anthropic') return { type: 'error', error: { type: ERROR_TYPE[status], message } };
  return { error: { code: status, message, status: GOOGLE_STATUS[status] } };
}

const ERROR_TYPE: Record<number, string> = { 401: 'authentication_error', 402: 'insufficient_quota', 403: 'permission_error' };
const GOOGLE_STATUS: Record<number, string> = { 401: 'UNAUTHENTICATED', 402: 'FAILED_PRECONDITION', 403: 'PERMISSION_DENIED' };

/** The protocol's generation path for raw HTTP calls of a model, and its body. */
export function generationRequest(protocol: Protocol, model: string, content: string, maxTokens: number) {
  if (protocol === 'openai') {
    return { path: '/v1/chat/completions', body: { model, max_tokens: maxTokens, messages: [{ role: 'user', content }] } };
  }
  if (protocol === 'anthropic') {
    return { path: '/anthropic/v1/messages', body: { model, max_tokens: maxTokens, messages: [{ role: 'user', content }] } };
  }
  return {
    path: `/gemini/v1beta/models/${model}:generateContent`,
    body: { contents: [{ role: 'user', parts: [{ text: content }] }], generationConfig: { maxOutputTokens: maxTokens } },
  };
}

/** The headers each protocol's clients authenticate with. */
export function authHeaders(protocol: Protocol, key: string): Record<string, string> {
  if (protocol === 'openai') return { authorization: `Bearer ${key}` };
  if (protocol === 'anthropic') return { 'x-api-key': key, 'anthropic-version': '2023-06-01' };
  return { 'x-goog-api-key': key };
}

/** The key-info path of each protocol. */
export const KEY_INFO_PATH: Record<Protocol, string> = {
  openai: '/v1/key/info',
  anthropic: '/anthropic/v1/key/info',
  gemini: '/gemini/v1beta/key/info',
};
