/** `data:<media type>;base64,<data>` -> its parts (the data is a slice, not a copy); anything else -> null. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | null {
  if (!url.startsWith('data:')) return null;
  const comma = url.indexOf(',');
  if (comma < 0) return null;
  const header = url.slice(5, comma);
  if (!header.endsWith(';base64')) return null;
  const mediaType = header.slice(0, -';base64'.length).split(';')[0];
  return { mediaType: mediaType.length > 0 ? mediaType : 'application/octet-stream', data: url.slice(comma + 1) };
}

export function toDataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}
