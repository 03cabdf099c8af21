import { anthropicFinishReason } from '../relay/finish-reason';
import { ZERO_USAGE } from '@gw/billing';
import type { JsonAnswer } from '../relay/json-relay';
import { fromAnthropicUsage } from './anthropic-usage';

interface ContentBlock {
  type?: unknown;
  text?: unknown;
  thinking?: unknown;
  name?: unknown;
  input?: unknown;
}

/** The text of a message's content the provider charges as output: text, thinking, tool calls. */
function contentText(content: ContentBlock[]): string {
  let text = '';
  for (const block of content) {
    if (typeof block?.text === 'string') text += block.text;
    if (typeof block?.thinking === 'string') text += block.thinking;
    if (block?.type === 'tool_use') text += `${String(block.name)}${JSON.stringify(block.input ?? {})}`;
  }
  return text;
}

/** A message has type 'message' and its content blocks. */
export function readMessage(body: Record<string, unknown>): JsonAnswer | null {
  const content = body.content;
  if (body.type !== 'message' || !Array.isArray(content)) return null;
  return { usage: fromAnthropicUsage(body.usage), outputText: () => contentText(content), finishReason: anthropicFinishReason(body.stop_reason) };
}

/** count_tokens answers `{ input_tokens }`; counting is free. */
export function readTokenCount(body: Record<string, unknown>): JsonAnswer | null {
  if (typeof body.input_tokens !== 'number') return null;
  return { usage: ZERO_USAGE, outputText: () => '' };
}
