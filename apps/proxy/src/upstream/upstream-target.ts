/** Splits a channel's base URL into the pool origin and a path prefix ("https://host/openai" -> origin, "/openai"). */
export function upstreamTarget(baseUrl: string, path: string): { origin: string; path: string } {
  const url = new URL(baseUrl);
  const prefix = url.pathname.replace(/\/+$/, '');
  return { origin: url.origin, path: `${prefix}${path}` };
}
