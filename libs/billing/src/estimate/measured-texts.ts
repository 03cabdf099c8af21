/**
 * UTF-8 lengths of long texts, measured where they were decoded (the proxy's body parser decodes a long string in
 * pieces: apps/proxy/src/validation/json-string.ts), kept by the object and field that hold them. Such a string is a
 * rope: Buffer.byteLength would flatten it into one large object, the very allocation the parser avoided (about a
 * millisecond for 180 KB on the 2-core development VM, nearly all of it page faults).
 *
 * Kept by holder, not by string: comparing two distinct strings of the same length (identical prompts of concurrent
 * requests) flattens both. A length is given only for the very string that was measured, still in its place.
 */
const measured = new WeakMap<object, Map<string | number, { text: string; bytes: number }>>();

/** Records that `holder[field]`, the string `text`, is `bytes` long in UTF-8 (what Buffer.byteLength would say). */
export function rememberUtf8Length(holder: object, field: string | number, text: string, bytes: number): void {
  let fields = measured.get(holder);
  if (fields === undefined) measured.set(holder, (fields = new Map()));
  fields.set(field, { text, bytes });
}

/** The UTF-8 length of `holder[field]` when it is a text measured on decoding and unchanged since, else undefined. */
export function measuredUtf8Length(holder: object, field: string | number): number | undefined {
  const entry = measured.get(holder)?.get(field);
  // Only the string measured, still in its place: a pointer comparison, never a comparison of contents.
  return entry !== undefined && (holder as Record<string | number, unknown>)[field] === entry.text ? entry.bytes : undefined;
}
