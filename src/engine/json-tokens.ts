// The byte tokenizer of the snapshot reader: each scanner reads one kind of
// JSON token run from Buffer chunks, keeps its place across chunk boundaries,
// and reports what it found as a Scan status (it knows no file and throws
// nothing: the section state machine in snapshot-sections.ts words the error).
// Every loop runs over the chunk inside one method call, with its state in
// locals, because this is the hot path (hundreds of MB/s).
import { grown } from './raw-snapshot.js';
import { type StringTable, StringTableBuilder } from './strings.js';

export const enum Ch {
  Tab = 0x09,
  Newline = 0x0a,
  Return = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Backslash = 0x5c,
  Comma = 0x2c,
  Colon = 0x3a,
  LBracket = 0x5b,
  RBracket = 0x5d,
  LBrace = 0x7b,
  RBrace = 0x7d,
  Zero = 0x30,
  Nine = 0x39,
}

/** What a scanner stopped on; `More` means the chunk ran out first. */
export const enum Scan {
  More,
  /** The closing bracket of the array (or the end of a skipped value). */
  End,
  /** A byte that does not belong here (the scanner stops on it, not after it). */
  BadChar,
  /** A number above 0xffffffff. */
  OutOfRange,
  /** A fixed-size array got more numbers than it has room for. */
  TooMany,
  /** A string whose escapes are not valid JSON. */
  Malformed,
  /** KeyScanner: the `:` after a key. */
  Colon,
  /** KeyScanner, ValueSkipper: the document's closing brace. */
  DocumentEnd,
  /** KeyScanner: a key longer than any snapshot section name. */
  TooLong,
}

function isDigit(c: number): boolean {
  return c >= Ch.Zero && c <= Ch.Nine;
}

/** JSON whitespace (space, tab, CR, LF). */
export function isSpace(c: number): boolean {
  return c === Ch.Space || c === Ch.Newline || c === Ch.Return || c === Ch.Tab;
}

/**
 * The body of a JSON array of unsigned integers (after its `[`), into a
 * Uint32Array. Fixed: `target` is exactly as long as the array must be
 * (TooMany past it); growable: capacity doubles, up to `limit` values (TooMany
 * past it), each bigger array made by `allocate`. A header's counts are only a
 * claim: memory follows the numbers that arrive, never the claim alone.
 */
export class NumberArrayScanner {
  status = Scan.More;
  filled = 0;
  private number = 0;
  private inNumber = false;

  constructor(
    public target: Uint32Array,
    private readonly growable: boolean,
    private readonly limit = Number.POSITIVE_INFINITY,
    private readonly allocate?: (length: number) => Uint32Array,
  ) {}

  /** The values read so far (the whole array once status is End). */
  values(): Uint32Array {
    return this.target.subarray(0, this.filled);
  }

  /** Reads from `chunk[i]`; returns where it stopped (after `]`, on a bad byte, or the chunk's end). */
  scan(chunk: Buffer, i: number): number {
    const n = chunk.length;
    // The last non-digit of the chunk is a sentinel: every run of digits
    // before it ends inside the chunk, so the fast loop reads numbers whole
    // with no bounds check and no state kept between bytes. A number cut by
    // the chunk's start or end goes through the byte-at-a-time loop.
    let stop = n - 1;
    while (stop >= i && isDigit(chunk[stop])) stop--;
    if (this.inNumber) {
      let end = i;
      while (end < n && isDigit(chunk[end])) end++;
      i = this.scanBytes(chunk, i, Math.min(end + 1, n));
      if (this.status !== Scan.More) return i;
    }
    if (i <= stop) {
      i = this.scanWhole(chunk, i, stop);
      if (this.status !== Scan.More) return i;
    }
    return i < n ? this.scanBytes(chunk, i, n) : i;
  }

  /**
   * The hot loop, over `chunk[i..stop]` where `chunk[stop]` is not a digit
   * and no number is pending: one number per turn, read in a tight digit
   * loop, then its delimiter. Same statuses, at the same bytes, as scanBytes.
   */
  private scanWhole(chunk: Buffer, i: number, stop: number): number {
    let target = this.target;
    let capacity = target.length;
    let filled = this.filled;
    let status = Scan.More;
    while (i <= stop) {
      let c = chunk[i];
      if (c >= Ch.Zero && c <= Ch.Nine) {
        let number = c - Ch.Zero;
        c = chunk[++i];
        while (c >= Ch.Zero && c <= Ch.Nine) {
          number = number * 10 + (c - Ch.Zero);
          c = chunk[++i];
        }
        if (filled >= capacity) {
          if (!this.growable) {
            status = Scan.TooMany;
            break;
          }
          target = this.target = grown(target, filled, filled + 1);
          capacity = target.length;
        }
        if (number > 0xffffffff) {
          status = Scan.OutOfRange;
          break;
        }
        target[filled++] = number;
      }
      i++;
      if (c === Ch.Comma || c === Ch.Newline || c === Ch.Space || c === Ch.Return || c === Ch.Tab) continue;
      if (c === Ch.RBracket) {
        status = Scan.End;
        break;
      }
      status = Scan.BadChar;
      i--;
      break;
    }
    this.filled = filled;
    this.status = status;
    return i;
  }

  /** One byte at a time over `chunk[i..end)`, a number's digits kept across calls (and chunks). */
  private scanBytes(chunk: Buffer, i: number, n: number): number {
    let target = this.target;
    let capacity = target.length;
    let filled = this.filled;
    let number = this.number;
    let inNumber = this.inNumber;
    let status = Scan.More;
    while (i < n) {
      const c = chunk[i++];
      if (c >= Ch.Zero && c <= Ch.Nine) {
        number = number * 10 + (c - Ch.Zero);
        inNumber = true;
        continue;
      }
      if (inNumber) {
        if (filled >= capacity) {
          if (!this.growable || filled >= this.limit) {
            status = Scan.TooMany;
            i--;
            break;
          }
          target = this.target = grown(target, filled, filled + 1, this.limit, this.allocate);
          capacity = target.length;
        }
        if (number > 0xffffffff) {
          status = Scan.OutOfRange;
          i--;
          break;
        }
        target[filled++] = number;
        number = 0;
        inNumber = false;
      }
      if (c === Ch.RBracket) {
        status = Scan.End;
        break;
      }
      if (c !== Ch.Comma && c !== Ch.Space && c !== Ch.Newline && c !== Ch.Return && c !== Ch.Tab) {
        status = Scan.BadChar;
        i--;
        break;
      }
    }
    this.filled = filled;
    this.number = number;
    this.inNumber = inNumber;
    this.status = status;
    return i;
  }
}

/** V8 cannot make an array longer than 2^27 - a few elements: stop before, with a message. */
export const MAX_STRINGS = 2 ** 27 - 1024;
/** V8's longest string is 2^29 - 24 UTF-16 units; one string of the table past this many bytes is refused. */
export const MAX_STRING_BYTES = 2 ** 29 - 24;

/**
 * The body of a JSON array of strings (after its `[`), into a StringTable:
 * each string's bytes are kept as they are in the file (strings.ts decodes
 * one when it is asked for). A string with escapes is checked here with
 * JSON.parse (V8 writes lone surrogates as \uD800-style escapes, which
 * JSON.parse accepts), so a malformed one stops the read. A string split over
 * chunks is joined first, so a multi-byte character or an escape cut in two
 * reads whole.
 */
export class StringArrayScanner {
  status = Scan.More;
  private readonly builder = new StringTableBuilder();
  /** Past `limit` strings the scan stops with TooMany: a JavaScript array cannot hold more than about 2^27. */
  constructor(readonly limit = MAX_STRINGS) {}
  private inString = false;
  private escaped = false;
  private hasEscape = false;
  private parts: Buffer[] = [];
  private partBytes = 0;

  /** How many strings were read whole. */
  get count(): number {
    return this.builder.count;
  }

  /** The strings read (all of them once status is End). */
  table(): StringTable {
    return this.builder.finish();
  }

  scan(chunk: Buffer, i: number): number {
    const n = chunk.length;
    this.status = Scan.More;
    while (i < n) {
      if (this.inString) {
        const start = i;
        let end = -1;
        let escaped = this.escaped;
        let hasEscape = this.hasEscape;
        // OR of every byte: bit 7 set means some byte is not ASCII.
        let high = 0;
        if (!escaped) {
          // The common case, a string with neither escape nor end of chunk: one tight loop.
          let c = chunk[i];
          while (c !== Ch.Quote && c !== Ch.Backslash && i < n) {
            high |= c;
            c = chunk[++i];
          }
          if (i < n && c === Ch.Quote) end = i;
        }
        if (end < 0) {
          while (i < n) {
            const c = chunk[i];
            high |= c;
            if (escaped) {
              escaped = false;
            } else if (c === Ch.Backslash) {
              escaped = true;
              hasEscape = true;
            } else if (c === Ch.Quote) {
              end = i;
              break;
            }
            i++;
          }
        }
        this.escaped = escaped;
        this.hasEscape = hasEscape;
        if (end < 0) {
          // The chunk's buffer may be reused by the stream: copy the piece.
          this.parts.push(Buffer.from(chunk.subarray(start, n)));
          this.partBytes += n - start;
          if (this.partBytes > MAX_STRING_BYTES) {
            this.status = Scan.TooLong;
            return n;
          }
          return n;
        }
        let bytes = chunk;
        let from = start;
        let to = end;
        let nonAscii = (high & 0x80) !== 0;
        if (this.parts.length) {
          this.parts.push(chunk.subarray(start, end));
          bytes = Buffer.concat(this.parts);
          from = 0;
          to = bytes.length;
          nonAscii = true;
          this.parts = [];
          this.partBytes = 0;
        }
        if (hasEscape && !isJsonStringBody(bytes, from, to)) {
          this.status = Scan.Malformed;
          return end;
        }
        if (this.builder.count >= this.limit) {
          this.status = Scan.TooMany;
          return end;
        }
        this.builder.add(bytes, from, to, nonAscii, hasEscape);
        this.inString = false;
        this.hasEscape = false;
        i = end + 1;
        continue;
      }
      const c = chunk[i++];
      if (c === Ch.Quote) this.inString = true;
      else if (c === Ch.RBracket) {
        this.status = Scan.End;
        return i;
      } else if (c !== Ch.Comma && c !== Ch.Space && c !== Ch.Newline && c !== Ch.Return && c !== Ch.Tab) {
        this.status = Scan.BadChar;
        return i - 1;
      }
    }
    return i;
  }
}

/** True when `bytes[from..to)` is the inside of a JSON string (its escapes valid). */
function isJsonStringBody(bytes: Buffer, from: number, to: number): boolean {
  try {
    JSON.parse(`"${bytes.toString('utf8', from, to)}"`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Any JSON value, passed over (a section leakscan does not read) or
 * collected by the caller (the header): tracks strings, escapes and bracket
 * depth. Start it on the value's first byte with depth 0, or inside an array
 * with its depth. End: the bracket that closes the value, or a comma after a
 * scalar (consumed); DocumentEnd: the document's `}` after a scalar.
 */
export class ValueSkipper {
  status = Scan.More;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(depth = 0) {
    this.depth = depth;
  }

  scan(chunk: Buffer, i: number): number {
    const n = chunk.length;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let status = Scan.More;
    while (i < n) {
      const c = chunk[i++];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === Ch.Backslash) escaped = true;
        else if (c === Ch.Quote) inString = false;
      } else if (c === Ch.Quote) {
        inString = true;
      } else if (c === Ch.LBrace || c === Ch.LBracket) {
        depth++;
      } else if (c === Ch.RBrace || c === Ch.RBracket) {
        depth--;
        if (depth <= 0) {
          status = depth === 0 ? Scan.End : Scan.DocumentEnd;
          break;
        }
      } else if (c === Ch.Comma && depth === 0) {
        status = Scan.End;
        break;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.status = status;
    return i;
  }
}

/** A top-level `"key":` (or the document's closing `}`), between values. */
export class KeyScanner {
  status = Scan.More;
  /** The last key read whole. */
  key = '';
  private bytes: number[] = [];
  private inKey = false;
  private escaped = false;

  scan(chunk: Buffer, i: number): number {
    const n = chunk.length;
    this.status = Scan.More;
    while (i < n) {
      const c = chunk[i];
      if (this.inKey) {
        if (this.escaped) {
          this.escaped = false;
          this.bytes.push(c);
        } else if (c === Ch.Backslash) {
          this.escaped = true;
        } else if (c === Ch.Quote) {
          this.inKey = false;
          this.key = Buffer.from(this.bytes).toString('utf8');
          this.bytes = [];
        } else {
          if (this.bytes.length > 256) {
            this.status = Scan.TooLong;
            return i;
          }
          this.bytes.push(c);
        }
        i++;
        continue;
      }
      if (c === Ch.Quote) {
        this.inKey = true;
      } else if (c === Ch.Colon) {
        this.status = Scan.Colon;
        return i + 1;
      } else if (c === Ch.RBrace) {
        this.status = Scan.DocumentEnd;
        return i + 1;
      } else if (c !== Ch.Comma && !isSpace(c)) {
        this.status = Scan.BadChar;
        return i;
      }
      i++;
    }
    return i;
  }
}
