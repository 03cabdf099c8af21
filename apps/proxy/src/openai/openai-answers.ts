import type { JsonAnswer } from '../relay/json-relay';
import { fromOpenAiUsage } from './openai-usage';

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
  return { usage: fromOpenAiUsage(body.usage), outputText: () => choiceText(choices) };
}

/** An embeddings list has its data; it costs input tokens only. */
export function readEmbeddings(body: Record<string, unknown>): JsonAnswer | null {
  if (!Array.isArray(body.data)) return null;
  return { usage: fromOpenAiUsage(body.usage), outputText: () => '' };
}
