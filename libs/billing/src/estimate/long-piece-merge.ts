/**
 * Byte-pair merging of one pre-token, with the same result as gpt-tokenizer's own (and tiktoken's): repeatedly merge
 * the adjacent pair of parts whose bytes have the lowest rank, the leftmost of equals first, until no pair has a rank.
 * Theirs scans every pair for each merge, which is quadratic in the piece's length: a 100 KB run without a word
 * boundary (one pre-token) takes seconds. This keeps the candidate pairs in a heap instead (O(n log n)).
 *
 * Runs inside the tokenizer's worker thread, which gets it as source text (exact-token-counter.ts): it must stay
 * self-contained, with no imports and nothing from outside its body. `rankOf` is the encoding's rank of a byte
 * sequence, undefined when it has none.
 */
export function mergeLongPiece(piece: Uint8Array, rankOf: (bytes: Uint8Array) => number | undefined): number[] {
  const end = piece.length;
  // The parts are a linked list of their start offsets; `end` closes the last one.
  const next = new Int32Array(end + 1);
  const prev = new Int32Array(end + 1);
  const merged = new Uint8Array(end + 1);
  for (let start = 0; start <= end; start++) {
    next[start] = start + 1;
    prev[start] = start - 1;
  }
  // A min-heap of candidate merges: the pair starting at a part's start and ending at `ends[i]`, ordered by rank, then
  // start, both in one key (`rank * span + start`, exact in a double). A merge changes its neighbours' pairs; their old
  // entries stay behind and are skipped when they surface (a part's pair only ever grows, so an entry whose end is not
  // its start's current pair end is stale for good).
  const span = end + 1;
  let keys = new Float64Array(span);
  let ends = new Int32Array(span);
  let size = 0;
  const push = (start: number) => {
    const middle = next[start];
    if (middle >= end) return;
    const pairEnd = next[middle];
    const rank = rankOf(piece.subarray(start, pairEnd));
    if (rank === undefined) return;
    if (size === keys.length) {
      const grownKeys = new Float64Array(size * 2);
      grownKeys.set(keys);
      keys = grownKeys;
      const grownEnds = new Int32Array(size * 2);
      grownEnds.set(ends);
      ends = grownEnds;
    }
    const key = rank * span + start;
    let at = size++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (keys[parent] <= key) break;
      keys[at] = keys[parent];
      ends[at] = ends[parent];
      at = parent;
    }
    keys[at] = key;
    ends[at] = pairEnd;
  };
  /** Takes the least entry off the heap; it is left at keys[size], ends[size]. */
  const pop = () => {
    const key = keys[--size];
    const pairEnd = ends[size];
    keys[size] = keys[0];
    ends[size] = ends[0];
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && keys[child + 1] < keys[child]) child++;
      if (keys[child] >= key) break;
      keys[at] = keys[child];
      ends[at] = ends[child];
      at = child;
    }
    keys[at] = key;
    ends[at] = pairEnd;
  };

  for (let start = 0; start < end; start++) push(start);
  while (size > 0) {
    pop();
    const start = keys[size] % span;
    const pairEnd = ends[size];
    if (merged[start] || next[start] >= end || next[next[start]] !== pairEnd) continue;
    merged[next[start]] = 1;
    next[start] = pairEnd;
    prev[pairEnd] = start;
    push(start);
    if (start > 0) push(prev[start]);
  }

  const tokens: number[] = [];
  for (let start = 0; start < end; start = next[start]) {
    const rank = rankOf(piece.subarray(start, next[start]));
    if (rank === undefined) throw new Error(`The byte pair encoding has no rank for a part of the piece`);
    tokens.push(rank);
  }
  return tokens;
}
