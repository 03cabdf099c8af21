/** A flat [name, value, name, value...] reply (XINFO) as an object. */
export function replyPairs(flat: unknown[]): Record<string, string | null> {
  const object: Record<string, string | null> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) object[String(flat[i])] = flat[i + 1] === null ? null : String(flat[i + 1]);
  return object;
}

/** The milliseconds part of a stream entry id (`<ms>-<seq>`). */
export function entryMs(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}
