/** Base URLs parsed once each: a channel's URL changes only with the catalog, and parsing one costs a URL object. */
const parsed = new Map<string, { origin: string; prefix: string }>();
const MAX_PARSED = 1_000;

/** Splits a channel's base URL into the pool origin and a path prefix ("https://host/openai" -> origin, "/openai"). */
export function upstreamTarget(baseUrl: string, path: string): { origin: string; path: string } {
  let base = parsed.get(baseUrl);
  if (base === undefined) {
    const url = new URL(baseUrl);
    base = { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
    // Bounded: channels come and go with the catalog; forgetting them all costs one parse each.
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(baseUrl, base);
  }
  return { origin: base.origin, path: `${base.prefix}${path}` };
}
