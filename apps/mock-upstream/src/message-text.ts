import { countWords } from './mock-text';

export interface TextPart {
  readonly text: string;
}

/** Which parts of a message's content carry text; each provider names its text parts its own way. */
export type TextPartTest = (part: unknown) => part is TextPart;

/** Words of a message's content: a string, or an array of parts of which `isText` picks those with text. */
export function contentWords(content: unknown, isText: TextPartTest): number {
  if (typeof content === 'string') return countWords(content);
  if (!Array.isArray(content)) return 0;
  let words = 0;
  for (const part of content) if (isText(part)) words += countWords(part.text);
  return words;
}

/** The text of a message's content (where markers are read): the string, or its text parts joined by spaces. */
export function contentText(content: unknown, isText: TextPartTest): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isText)
    .map((part) => part.text)
    .join(' ');
}
