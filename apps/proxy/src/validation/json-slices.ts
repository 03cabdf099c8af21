/**
 * Hands a parsed JSON document from a worker thread to the event loop in pieces. Cloning or parsing a large body in
 * one go costs the receiving thread as much as parsing it (hundreds of milliseconds for 30 MB of small objects), so
 * the worker cuts the document into parts, in document order, and the event loop applies them one at a time,
 * yielding in between (validation/json-offload.ts):
 *
 * - a slice: the JSON text, about SLICE_CHARS long, of a list of steps: `[path, value]` sets the value at that path
 *   (a whole subtree, or an empty container or string that later parts fill); `[path, text, 1]` appends to the string
 *   at that path, `[path, items, 2]` to the array, and `[path, fields, 3]` adds fields to the object (runs of small
 *   items and fields travel together, so that a long array of numbers does not become a step per number);
 * - a piece of a long string, appended to the string at its path: text sent as it is (no JSON escaping to undo), in
 *   pieces large enough for V8 to allocate them outside the young generation, so that the garbage collector never
 *   copies them (a 30 MB base64 document in 64 KB strings made scavenges of 50 ms).
 */
export const SLICE_CHARS = 64 * 1024;
export const PIECE_CHARS = 512 * 1024;

export type JsonPath = (string | number)[];
type Step = [JsonPath, unknown] | [JsonPath, string, 1] | [JsonPath, unknown[], 2] | [JsonPath, Record<string, unknown>, 3];
export type JsonPart = { slice: string; path?: undefined } | { path: JsonPath; piece: string };
type Container = Record<string, unknown> | unknown[];

const isContainer = (value: unknown): value is Container => typeof value === 'object' && value !== null;

/**
 * About the length of `value`'s JSON text (exact enough to size slices), or any number above `limit` once it is
 * known to be larger: a large container's walk stops early, so sizing every level costs about one pass overall.
 */
function sizeUpTo(value: unknown, limit: number): number {
  if (typeof value === 'string') return value.length + 2;
  if (!isContainer(value)) return 8;
  let size = 2;
  if (Array.isArray(value)) {
    for (const item of value) {
      size += sizeUpTo(item, limit - size) + 1;
      if (size > limit) return size;
    }
  } else {
    for (const key of Object.keys(value)) {
      size += key.length + 4 + sizeUpTo(value[key], limit - size);
      if (size > limit) return size;
    }
  }
  return size;
}

// String.prototype.isWellFormed (ES2024, in Node 20) is missing from the ES2023 library the project compiles against.
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Where to cut `text` near `at` without separating the two halves of a surrogate pair. */
function cutAt(text: string, at: number): number {
  if (at >= text.length) return text.length;
  const code = text.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}

/** The document as parts (a value that fits a slice is never split), in the order they must be applied. */
export function sliceJson(root: unknown, budget: number = SLICE_CHARS, pieceChars: number = PIECE_CHARS): JsonPart[] {
  const parts: JsonPart[] = [];
  let steps: Step[] = [];
  let filled = 0;
  const flush = () => {
    if (steps.length === 0) return;
    parts.push({ slice: JSON.stringify(steps) });
    steps = [];
    filled = 0;
  };
  const put = (step: Step, size: number) => {
    steps.push(step);
    filled += size;
    if (filled >= budget) flush();
  };
  const emitString = (path: JsonPath, text: string) => {
    put([path, ''], 0);
    // Text that is not well-formed (a lone surrogate, from a JSON escape) would not survive UTF-8: JSON keeps it.
    if (!isWellFormed(text)) {
      for (let at = 0; at < text.length; at += budget) put([path, text.slice(at, at + budget), 1], budget);
      return;
    }
    flush();
    for (let at = 0; at < text.length; ) {
      const end = cutAt(text, at + pieceChars);
      parts.push({ path, piece: text.slice(at, end) });
      at = end;
    }
  };
  const emitArray = (path: JsonPath, array: unknown[]) => {
    put([path, []], 0);
    let run: unknown[] = [];
    let runSize = 0;
    const flushRun = () => {
      if (run.length > 0) put([path, run, 2], runSize);
      run = [];
      runSize = 0;
    };
    array.forEach((item, index) => {
      const size = sizeUpTo(item, budget) + 1;
      if (size > budget) {
        flushRun();
        emit([...path, index], item);
        return;
      }
      if (runSize + size > budget) flushRun();
      run.push(item);
      runSize += size;
    });
    flushRun();
  };
  const emitObject = (path: JsonPath, object: Record<string, unknown>) => {
    put([path, {}], 0);
    // Without a prototype, a field named __proto__ is a field like any other (on `{}` the assignment would set the
    // prototype and the field would be lost).
    const fields = (): Record<string, unknown> => Object.create(null) as Record<string, unknown>;
    let run = fields();
    let runSize = 0;
    const flushRun = () => {
      if (runSize > 0) put([path, run, 3], runSize);
      run = fields();
      runSize = 0;
    };
    for (const key of Object.keys(object)) {
      const size = key.length + 4 + sizeUpTo(object[key], budget);
      if (size > budget) {
        flushRun();
        emit([...path, key], object[key]);
        continue;
      }
      if (runSize + size > budget) flushRun();
      run[key] = object[key];
      runSize += size;
    }
    flushRun();
  };
  const emit = (path: JsonPath, value: unknown): void => {
    const size = sizeUpTo(value, budget);
    if (size <= budget || !(typeof value === 'string' || isContainer(value))) return put([path, value], size + 8 * path.length);
    if (typeof value === 'string') return emitString(path, value);
    if (Array.isArray(value)) return emitArray(path, value);
    emitObject(path, value as Record<string, unknown>);
  };
  emit([], root);
  flush();
  return parts;
}

/** Rebuilds a document from its parts, applied in order. */
export class JsonAssembler {
  private root: unknown;

  get value(): unknown {
    return this.root;
  }

  /** Applies a slice (its JSON text). */
  applySlice(slice: string): void {
    for (const [path, value, kind] of JSON.parse(slice) as Step[]) {
      if (kind === 1) this.append(path, value as string);
      else if (kind === 2) this.appendItems(path, value as unknown[]);
      else if (kind === 3) this.addFields(path, value as Record<string, unknown>);
      else this.set(path, value);
    }
  }

  /** Appends a piece of a long string to the string at `path`. */
  append(path: JsonPath, piece: string): void {
    if (path.length === 0) {
      this.root = (this.root as string) + piece;
      return;
    }
    const [parent, key] = this.locate(path);
    parent[key] = (parent[key] as string) + piece;
  }

  private appendItems(path: JsonPath, items: unknown[]): void {
    const array = this.at(path) as unknown[];
    for (const item of items) array.push(item);
  }

  private addFields(path: JsonPath, fields: Record<string, unknown>): void {
    const object = this.at(path) as Record<string, unknown>;
    for (const key of Object.keys(fields)) this.define(object, key, fields[key]);
  }

  private at(path: JsonPath): unknown {
    let value = this.root as Record<string | number, unknown>;
    for (const key of path) value = value[key] as Record<string | number, unknown>;
    return value;
  }

  private define(parent: Record<string | number, unknown>, key: string | number, value: unknown): void {
    // A key named __proto__ is refused at parsing; defining it anyway keeps it data, never a prototype.
    if (key === '__proto__') Object.defineProperty(parent, key, { value, writable: true, enumerable: true, configurable: true });
    else parent[key] = value;
  }

  private set(path: JsonPath, value: unknown): void {
    if (path.length === 0) {
      this.root = value;
      return;
    }
    const [parent, key] = this.locate(path);
    this.define(parent, key, value);
  }

  private locate(path: JsonPath): [Record<string | number, unknown>, string | number] {
    let parent = this.root as Record<string | number, unknown>;
    for (let i = 0; i < path.length - 1; i++) parent = parent[path[i]] as Record<string | number, unknown>;
    return [parent, path[path.length - 1]];
  }
}
