import { ProviderResponseError } from '../../errors';
import { ChatResponse, EMPTY_USAGE, OutputPart } from '../../model';
import { carriedReasoning } from '../../shared/reasoning-carrier';
import { ResponseEncodeOptions } from '../../shared/response-options';
import { argumentsObject } from '../../shared/tool-arguments';
import { newToolCallId } from '../../shared/tool-call-ids';
import { isObject, Json } from '../../shared/values';
import { decodeGeminiFinishReason, encodeGeminiFinishReason } from './stop-reason';
import { decodeGeminiUsage, encodeGeminiUsage } from './usage';
import type { GeminiPart, GeminiResponse } from './wire';

/**
 * Gemini's call ids, when it gives none: stable for the answer (its responseId and the call's position), so the
 * same answer always yields the same ids.
 */
export function geminiCallId(responseId: string, index: number): string {
  const base = responseId.replace(/[^A-Za-z0-9_-]/g, '');
  return base.length > 0 ? `call_${base}_${index}` : newToolCallId();
}

/** One candidate part -> an output part (or null for parts the gateway never asks for, such as executable code). */
export function decodeGeminiPart(part: Json, responseId: string, callIndex: number): OutputPart | null {
  if (isObject(part.functionCall)) {
    const call = part.functionCall;
    const decoded: OutputPart = {
      type: 'tool_call',
      id: typeof call.id === 'string' && call.id.length > 0 ? call.id : geminiCallId(responseId, callIndex),
      name: String(call.name ?? ''),
      arguments: JSON.stringify(call.args ?? {}),
    };
    if (typeof part.thoughtSignature === 'string') decoded.thoughtSignature = part.thoughtSignature;
    return decoded;
  }
  if (typeof part.text === 'string') {
    // A signature on a text part is optional for Gemini to get back, and no client protocol has a place for it.
    return part.thought === true ? { type: 'reasoning', text: part.text } : { type: 'text', text: part.text };
  }
  return null;
}

/** The body of a Gemini answer -> ChatResponse (its first candidate; a blocked prompt has none). */
export function decodeGeminiResponse(body: Json): ChatResponse {
  const responseId = typeof body.responseId === 'string' ? body.responseId : '';
  const candidate = Array.isArray(body.candidates) ? body.candidates[0] : undefined;
  const content: OutputPart[] = [];
  let calls = 0;
  if (isObject(candidate) && isObject(candidate.content) && Array.isArray(candidate.content.parts)) {
    for (const part of candidate.content.parts) {
      if (!isObject(part)) continue;
      const decoded = decodeGeminiPart(part, responseId, calls);
      if (decoded === null) continue;
      if (decoded.type === 'tool_call') calls++;
      content.push(decoded);
    }
  } else if (!isObject(body.promptFeedback)) {
    throw new ProviderResponseError('The upstream provider sent an answer without a candidate');
  }
  return {
    id: responseId,
    model: typeof body.modelVersion === 'string' ? body.modelVersion : '',
    content,
    stopReason: isObject(candidate) ? decodeGeminiFinishReason(candidate.finishReason, calls > 0) : 'content_filter',
    usage: decodeGeminiUsage(body.usageMetadata) ?? { ...EMPTY_USAGE },
  };
}

/** One output part -> a Gemini part (reasoning as a thought, carrying Anthropic's signature). */
export function encodeGeminiPart(part: OutputPart): GeminiPart {
  switch (part.type) {
    case 'text':
      return { text: part.text };
    case 'reasoning': {
      const encoded: GeminiPart = { text: part.text, thought: true };
      const carried = carriedReasoning(part);
      if (carried !== undefined) encoded.thoughtSignature = carried;
      return encoded;
    }
    case 'tool_call': {
      const encoded: GeminiPart = { functionCall: { id: part.id, name: part.name, args: argumentsObject(part.arguments) } };
      if (part.thoughtSignature !== undefined) encoded.thoughtSignature = part.thoughtSignature;
      return encoded;
    }
  }
}

/** ChatResponse -> a Gemini GenerateContentResponse. */
export function encodeGeminiResponse(response: ChatResponse, options: ResponseEncodeOptions): GeminiResponse {
  return {
    candidates: [
      {
        content: { role: 'model', parts: response.content.map(encodeGeminiPart) },
        finishReason: encodeGeminiFinishReason(response.stopReason),
        index: 0,
      },
    ],
    usageMetadata: encodeGeminiUsage(response.usage),
    modelVersion: options.model,
    responseId: options.id ?? response.id,
  };
}
