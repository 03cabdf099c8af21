// Helpers shared by this app's specs.

export const OPENAI_HEADERS: Readonly<Record<string, string>> = {
  authorization: 'Bearer sk-test',
  'content-type': 'application/json',
};

export const ANTHROPIC_HEADERS: Readonly<Record<string, string>> = {
  'x-api-key': 'sk-ant-test',
  'anthropic-version': '2023-06-01',
  'content-type': 'application/json',
};

export const GEMINI_HEADERS: Readonly<Record<string, string>> = {
  'x-goog-api-key': 'AIza-test',
  'content-type': 'application/json',
};

export function post(url: string, body: unknown, headers: Readonly<Record<string, string>>, signal?: AbortSignal) {
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
}

/** Parsed JSON from the mock: the assertions, not the types, check its shape. */
export type Json = any;

export function json(res: Response): Promise<Json> {
  return res.json();
}

export interface SseEvent {
  readonly event: string | undefined;
  readonly data: string;
}

export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      return { event, data: data.join('\n') };
    });
}

/** Reads a body to its end or to a broken connection; `complete` tells which. */
export async function readUntilClosed(res: Response): Promise<{ text: string; complete: boolean }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, complete: true };
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return { text, complete: false };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
