import { countOrUndefined, isObject, type JsonObject } from './guards';
import { contentText, contentWords } from './message-text';
import { countWords } from './mock-text';

/** What the mock needs from a Messages API request. */
export interface MessagesRequest {
  readonly model: string;
  readonly stream: boolean;
  readonly maxTokens: number | undefined;
  readonly inputTokens: number;
  readonly lastUserText: string;
  /** Name of the first declared tool, if any. */
  readonly toolName: string | undefined;
}

/** Reads a Messages API (or count_tokens) body, or returns the validation error message. */
export function readMessagesRequest(body: unknown): MessagesRequest | string {
  if (!isObject(body)) return 'The request body must be a JSON object.';
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') return 'model: Field required';
  if (!Array.isArray(messages)) return 'messages: Field required';

  let inputTokens = countBlocksWords(body.system);
  let lastUser: JsonObject | undefined;
  for (const message of messages) {
    if (!isObject(message)) continue;
    inputTokens += countBlocksWords(message.content);
    if (message.role === 'user') lastUser = message;
  }
  return {
    model,
    stream: body.stream === true,
    maxTokens: countOrUndefined(body.max_tokens),
    inputTokens: Math.max(1, inputTokens),
    lastUserText: lastUser === undefined ? '' : contentText(lastUser.content, isTextBlock),
    toolName: firstToolName(body.tools),
  };
}

/** Words of a string or of content blocks: text blocks, and the text inside tool results. */
function countBlocksWords(content: unknown): number {
  if (typeof content === 'string') return countWords(content);
  if (!Array.isArray(content)) return 0;
  let words = 0;
  for (const block of content) {
    if (isTextBlock(block)) words += countWords(block.text);
    else if (isObject(block) && block.type === 'tool_result') words += contentWords(block.content, isTextBlock);
  }
  return words;
}

function isTextBlock(block: unknown): block is { type: 'text'; text: string } {
  return isObject(block) && block.type === 'text' && typeof block.text === 'string';
}

function firstToolName(tools: unknown): string | undefined {
  if (!Array.isArray(tools)) return undefined;
  const tool: unknown = tools[0];
  return isObject(tool) && typeof tool.name === 'string' ? tool.name : undefined;
}
