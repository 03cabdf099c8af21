import { geminiFinishReason } from '../relay/finish-reason';
import { ZERO_USAGE } from '@gw/billing';
import type { JsonAnswer } from '../relay/json-relay';
import { fromGeminiUsage } from './gemini-usage';

interface Part {
  text?: unknown;
  /** Gemini marks the parts that carry the model's thoughts (includeThoughts). */
  thought?: unknown;
  functionCall?: { name?: unknown; args?: unknown };
}

/** The parts of a response's candidates (or of one stream chunk's), as far as they are well-formed. */
export function candidateParts(candidates: unknown): Part[] {
  const parts: Part[] = [];
  if (!Array.isArray(candidates)) return parts;
  for (const candidate of candidates) {
    const content = (candidate as { content?: { parts?: unknown } } | null)?.content;
    if (Array.isArray(content?.parts)) for (const part of content.parts) if (typeof part === 'object' && part !== null) parts.push(part);
  }
  return parts;
}

/** The text of parts the provider charges as output: text (thoughts included) and function calls. */
export function partsText(parts: Part[]): string {
  let text = '';
  for (const part of parts) {
    if (typeof part.text === 'string') text += part.text;
    if (typeof part.functionCall === 'object' && part.functionCall !== null) {
      text += `${String(part.functionCall.name)}${JSON.stringify(part.functionCall.args ?? {})}`;
    }
  }
  return text;
}

/** The text of the thought parts among `parts` (a part of partsText: what of it the provider counts as thoughts). */
export function thoughtsText(parts: Part[]): string {
  let text = '';
  for (const part of parts) if (part.thought === true && typeof part.text === 'string') text += part.text;
  return text;
}

/** A GenerateContentResponse has candidates, or (a blocked prompt) only promptFeedback. */
export function readGenerateContent(body: Record<string, unknown>): JsonAnswer | null {
  const blocked = typeof body.promptFeedback === 'object' && body.promptFeedback !== null;
  if (!Array.isArray(body.candidates) && !blocked) return null;
  return {
    usage: fromGeminiUsage(body.usageMetadata),
    outputText: () => partsText(candidateParts(body.candidates)),
    finishReason: geminiFinishReason(body.candidates),
  };
}

/** countTokens answers `{ totalTokens }`; counting is free. */
export function readTokenCount(body: Record<string, unknown>): JsonAnswer | null {
  if (typeof body.totalTokens !== 'number') return null;
  return { usage: ZERO_USAGE, outputText: () => '' };
}
