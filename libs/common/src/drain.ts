const POLL_MS = 25;

/**
 * Waits, for at most `timeoutMs`, until no write started in the background is pending and nothing is `open()` any
 * more (requests still holding money), as a graceful shutdown needs. Returns what is still open at the end.
 */
export async function drainWork(
  background: ReadonlySet<Promise<unknown>>,
  open: () => number,
  timeoutMs = Number.POSITIVE_INFINITY,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    if (background.size > 0) {
      await Promise.race([Promise.allSettled([...background]), sleep(Math.min(left, 1_000))]);
    } else if (open() > 0) {
      await sleep(Math.min(left, POLL_MS));
    } else {
      break;
    }
  }
  return open();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
