/** One SSE event as a parser (eventsource-parser) hands it over. */
export interface SseEvent {
  event?: string;
  data: string;
}

/** One SSE frame; JSON data never holds a raw newline, so one `data:` line is enough. */
export function sseFrame(event: string | undefined, data: string): string {
  return event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`;
}
