// The snapshot's string table, kept as the file's bytes: one buffer of every
// string's JSON body (quotes stripped, escapes as written), where each ends,
// and per string whether it is all ASCII and whether it has escapes. A string
// becomes a JavaScript string only when something asks for it (a class name,
// a property on a path), and is then kept: a snapshot's million values of
// user strings are never made into a million heap objects, which was most of
// the reader's garbage collection and a large part of its memory. The buffers
// are shared memory, so a worker thread reads the same table in place.
// A table built from strings (memlab's parser, graphs made in tests) keeps them.

/** What a worker thread needs to rebuild a table (shared memory for a read file: no copy). */
export type StringTableData =
  | { bytes: Uint8Array; ends: Uint32Array; flags: Uint8Array; count: number }
  | { strings: readonly string[] };

/** Flags per string. */
const NON_ASCII = 1;
const ESCAPED = 2;

export class StringTable {
  readonly length: number;
  private readonly bytes: Buffer | null;
  private readonly ends: Uint32Array | null;
  private readonly flags: Uint8Array | null;
  /** Decoded strings; for a table made from strings, all of them. */
  private readonly decoded: (string | undefined)[];

  private constructor(readonly data: StringTableData) {
    if ('strings' in data) {
      this.length = data.strings.length;
      this.bytes = this.ends = this.flags = null;
      this.decoded = data.strings as string[];
    } else {
      this.length = data.count;
      this.bytes = Buffer.from(data.bytes.buffer, data.bytes.byteOffset, data.bytes.byteLength);
      this.ends = data.ends;
      this.flags = data.flags;
      this.decoded = new Array(data.count);
    }
  }

  static fromStrings(strings: readonly string[]): StringTable {
    return new StringTable({ strings });
  }

  /** A table sent to (or from) a worker thread as its `data`. */
  static fromData(data: StringTableData): StringTable {
    return new StringTable(data);
  }

  /** The string at `index` (undefined past the end, as an array would say). */
  get(index: number): string {
    const known = this.decoded[index];
    if (known !== undefined || this.bytes === null || index >= this.length || index < 0) return known as string;
    const text = this.decode(index);
    this.decoded[index] = text;
    return text;
  }

  private decode(index: number): string {
    const start = index === 0 ? 0 : this.ends![index - 1];
    const end = this.ends![index];
    const flags = this.flags![index];
    if (flags & ESCAPED) return JSON.parse(`"${this.bytes!.toString('utf8', start, end)}"`) as string;
    return this.bytes!.toString(flags & NON_ASCII ? 'utf8' : 'latin1', start, end);
  }

  /** The first index holding `text`, or -1; strings not decoded yet are compared as bytes. */
  indexOf(text: string): number {
    if (this.bytes === null) return this.decoded.indexOf(text);
    const wanted = Buffer.from(text, 'utf8');
    const ends = this.ends!;
    const flags = this.flags!;
    const bytes = this.bytes;
    const size = wanted.length;
    const first = wanted[0];
    let start = 0;
    for (let i = 0; i < this.length; i++) {
      const end = ends[i];
      if (flags[i] & ESCAPED) {
        if (this.get(i) === text) return i;
      } else if (end - start === size && (size === 0 || bytes[start] === first)) {
        let k = 1;
        while (k < size && bytes[start + k] === wanted[k]) k++;
        if (k >= size) return i;
      }
      start = end;
    }
    return -1;
  }

  includes(text: string): boolean {
    return this.indexOf(text) >= 0;
  }

  /**
   * FNV-1a of string `index`'s first 256 bytes as the file has them (of a table
   * made from strings, its first 256 characters), never 0: equal for equal
   * strings of two tables of one kind, without decoding either.
   */
  hashOf(index: number): number {
    let hash = 0x811c9dc5;
    if (this.bytes === null) {
      const text = this.decoded[index] ?? '';
      for (let i = 0, n = Math.min(text.length, 256); i < n; i++)
        hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    } else {
      const start = index === 0 ? 0 : this.ends![index - 1];
      const end = Math.min(this.ends![index], start + 256);
      for (let i = start; i < end; i++) hash = Math.imul(hash ^ this.bytes[i], 0x01000193);
    }
    return (hash | 1) >>> 0;
  }

  /**
   * Byte `k` of string `index` as the file has it (escapes as written; of a
   * table made from strings, its character code `k`), -1 past its end: a cheap
   * test of a prefix before anything is decoded.
   */
  rawCodeAt(index: number, k: number): number {
    if (this.bytes === null) {
      const text = this.decoded[index] ?? '';
      return k < text.length ? text.charCodeAt(k) : -1;
    }
    const at = (index === 0 ? 0 : this.ends![index - 1]) + k;
    return at < this.ends![index] ? this.bytes[at] : -1;
  }

  /** Every string, decoded (for writing a snapshot back out, and for tests). */
  toArray(): string[] {
    const all: string[] = new Array(this.length);
    for (let i = 0; i < this.length; i++) all[i] = this.get(i);
    return all;
  }
}

/**
 * Collects string bodies as a scanner finds them, in growing shared buffers
 * (capacity doubles: memory follows the strings that arrive).
 */
export class StringTableBuilder {
  private bytes = sharedBytes(1 << 16);
  private ends = new Uint32Array(new SharedArrayBuffer(1 << 14));
  private flags = sharedBytes(1 << 12);
  private used = 0;
  count = 0;

  /**
   * Adds `chunk[start..end)` as the next string. `nonAscii` may be true of an
   * ASCII string (it only costs a slower decode); `escaped` must be exact.
   */
  add(chunk: Uint8Array, start: number, end: number, nonAscii: boolean, escaped: boolean): void {
    const length = end - start;
    if (this.used + length > 0xffffffff) throw new RangeError('the string table is larger than 4 GB');
    if (this.used + length > this.bytes.length) {
      this.bytes = growBytes(this.bytes, this.used, this.used + length);
    }
    this.bytes.set(chunk.subarray(start, end), this.used);
    this.used += length;
    if (this.count === this.ends.length) {
      const ends = new Uint32Array(new SharedArrayBuffer(this.ends.byteLength * 2));
      ends.set(this.ends);
      this.ends = ends;
      this.flags = growBytes(this.flags, this.count, this.count * 2);
    }
    this.ends[this.count] = this.used;
    this.flags[this.count] = (nonAscii ? NON_ASCII : 0) | (escaped ? ESCAPED : 0);
    this.count++;
  }

  /** The table; the buffers are trimmed to what they hold (one copy each). */
  finish(): StringTable {
    return StringTable.fromData({
      bytes: trimmed(this.bytes, this.used),
      ends: new Uint32Array(trimmed(new Uint8Array(this.ends.buffer), this.count * 4).buffer),
      flags: trimmed(this.flags, this.count),
      count: this.count,
    });
  }
}

function sharedBytes(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length));
}

function growBytes(bytes: Uint8Array, used: number, needed: number): Uint8Array {
  const bigger = sharedBytes(Math.min(Math.max(needed, bytes.length * 2), 0xffffffff));
  bigger.set(bytes.subarray(0, used));
  return bigger;
}

function trimmed(bytes: Uint8Array, used: number): Uint8Array {
  if (used === bytes.length) return bytes;
  const exact = sharedBytes(used);
  exact.set(bytes.subarray(0, used));
  return exact;
}
