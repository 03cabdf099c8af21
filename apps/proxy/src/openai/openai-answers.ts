import { chatFinishReason, responseFinishReason } from '../relay/finish-reason';
import type { JsonAnswer } from '../relay/json-relay';
import { fromOpenAiUsage, fromResponsesUsage } from './openai-usage';

interface ChatChoice {
  message?: { content?: unknown; refusal?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] };
}

/** The text of a completion's choices the provider charges as output: content, refusals, tool-call arguments. */
function choiceText(choices: ChatChoice[]): string {
  let text = '';
  for (const choice of choices) {
    const message = choice?.message;
    if (!message) continue;
    if (typeof message.content === 'string') text += message.content;
    if (typeof message.refusal === 'string') text += message.refusal;
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) {
        if (typeof call?.function?.arguments === 'string') text += call.function.arguments;
      }
    }
  }
  return text;
}

/** A chat completion has its choices; its usage is OpenAI's (cached tokens inside prompt_tokens). */
export function readChatCompletion(body: Record<string, unknown>): JsonAnswer | null {
  const choices = body.choices;
  if (!Array.isArray(choices)) return null;
  return { usage: fromOpenAiUsage(body.usage), outputText: () => choiceText(choices), finishReason: chatFinishReason(choices) };
}

interface OutputItem {
  type?: unknown;
  content?: { text?: unknown; refusal?: unknown }[];
  arguments?: unknown;
  summary?: { text?: unknown }[];
}

/** Text of an output item the provider charges as output: message text and refusals, call arguments, reasoning summaries. */
export function outputItemText(item: OutputItem | null | undefined): string {
  let text = '';
  if (typeof item?.arguments === 'string') text += item.arguments;
  for (const list of [item?.content, item?.summary]) {
    if (!Array.isArray(list)) continue;
    for (const part of list) {
      const piece = part as { text?: unknown; refusal?: unknown } | null;
      if (typeof piece?.text === 'string') text += piece.text;
      if (typeof piece?.refusal === 'string') text += piece.refusal;
    }
  }
  return text;
}

/** A Responses API response object has its output items; its usage is OpenAI's under other names. */
export function readResponse(body: Record<string, unknown>): JsonAnswer | null {
  const output = body.output;
  if (body.object !== 'response' || !Array.isArray(output)) return null;
  return {
    usage: fromResponsesUsage(body.usage),
    outputText: () => output.map((item) => outputItemText(item as OutputItem)).join(''),
    finishReason: responseFinishReason(body),
  };
}

/** An embeddings list has its data; it costs input tokens only. */
export function readEmbeddings(body: Record<string, unknown>): JsonAnswer | null {
  if (!Array.isArray(body.data)) return null;
  return { usage: fromOpenAiUsage(body.usage), outputText: () => '' };
}
