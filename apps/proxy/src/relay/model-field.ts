// In valid JSON an unescaped `"model"` followed by `:` can only be an object key, so each match is a real model field.
const MODEL_FIELD = /"model"\s*:\s*"(?:[^"\\]|\\.)*"/g;

/**
 * `raw` (the JSON text a provider sent) with its one string-valued `model` field set to `requested`, without parsing
 * and re-serialising the whole document: `current` is that field's value as parsed. Returns `raw` itself when nothing
 * changes, and null when the text holds more than one string `model` field (the caller then re-serialises the parsed
 * value, which is always correct, only slower).
 */
export function withRequestedModel(raw: string, current: unknown, requested: string): string | null {
  if (current === requested || typeof current !== 'string') return raw;
  MODEL_FIELD.lastIndex = 0;
  const first = MODEL_FIELD.exec(raw);
  if (first === null) return null;
  const end = first.index + first[0].length;
  if (MODEL_FIELD.exec(raw) !== null) return null;
  return `${raw.slice(0, first.index)}"model":${JSON.stringify(requested)}${raw.slice(end)}`;
}
