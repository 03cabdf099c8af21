import type Anthropic from '@anthropic-ai/sdk';
import { ProviderResponseError } from '../../errors';
import { ChatResponse, EMPTY_USAGE, OutputPart } from '../../model';
import { clientToolCallId, ResponseEncodeOptions, withPrefix } from '../../shared/response-options';
import { argumentsObject } from '../../shared/tool-arguments';
import { isObject, Json } from '../../shared/values';
import { decodeAnthropicStopReason, encodeAnthropicStopReason } from './stop-reason';
import { decodeAnthropicUsage, encodeAnthropicUsage } from './usage';

/** The body of an Anthropic message -> ChatResponse (server-tool blocks, which the gateway never asks for, are skipped). */
export function decodeAnthropicResponse(body: Json): ChatResponse {
  if (!Array.isArray(body.content)) throw new ProviderResponseError('The upstream provider sent a message without content');
  const content: OutputPart[] = [];
  for (const block of body.content) {
    if (!isObject(block)) continue;
    switch (block.type) {
      case 'text':
        if (typeof block.text === 'string') content.push({ type: 'text', text: block.text });
        break;
      case 'thinking':
        content.push({
          type: 'reasoning',
          text: typeof block.thinking === 'string' ? block.thinking : '',
          ...(typeof block.signature === 'string' && block.signature.length > 0 ? { signature: block.signature } : {}),
        });
        break;
      case 'redacted_thinking':
        if (typeof block.data === 'string') content.push({ type: 'reasoning', text: '', redactedData: block.data });
        break;
      case 'tool_use':
        content.push({ type: 'tool_call', id: String(block.id), name: String(block.name), arguments: JSON.stringify(block.input ?? {}) });
        break;
    }
  }
  const response: ChatResponse = {
    id: typeof body.id === 'string' ? body.id : '',
    model: typeof body.model === 'string' ? body.model : '',
    content,
    stopReason: decodeAnthropicStopReason(body.stop_reason),
    usage: decodeAnthropicUsage(body.usage) ?? { ...EMPTY_USAGE },
  };
  if (typeof body.stop_sequence === 'string') response.stopSequence = body.stop_sequence;
  return response;
}

/** ChatResponse -> an Anthropic message. */
export function encodeAnthropicResponse(response: ChatResponse, options: ResponseEncodeOptions): Anthropic.Message {
  const content: Anthropic.ContentBlock[] = [];
  for (const part of response.content) {
    switch (part.type) {
      case 'text':
        content.push({ type: 'text', text: part.text, citations: null });
        break;
      case 'reasoning':
        if (part.redactedData !== undefined) content.push({ type: 'redacted_thinking', data: part.redactedData });
        else content.push({ type: 'thinking', thinking: part.text, signature: part.signature ?? '' });
        break;
      case 'tool_call':
        content.push({
          type: 'tool_use',
          id: clientToolCallId(part),
          name: part.name,
          input: argumentsObject(part.arguments),
          caller: { type: 'direct' },
        });
        break;
    }
  }
  return {
    id: options.id ?? withPrefix('msg_', response.id),
    type: 'message',
    role: 'assistant',
    model: options.model,
    content,
    stop_reason: encodeAnthropicStopReason(response.stopReason),
    stop_sequence: response.stopSequence ?? null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: encodeAnthropicUsage(response.usage),
  };
}
