// Streams a V8 heap snapshot (JSON, or gzip of it) into flat typed arrays.
// Digits are read straight from the bytes; only the small header and the
// strings are decoded as JSON. Reference design: Chrome DevTools'
// HeapSnapshotLoader (front_end/entrypoints/heap_snapshot_worker).
import { createReadStream, promises as fs } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { fileError, LeakscanError, SnapshotFormatError } from '../errors.js';
import { isGzipFile } from '../gzip.js';

export interface RawSnapshot {
  meta: SnapshotMetaJson;
  nodeCount: number;
  edgeCount: number;
  nodes: Uint32Array;
  edges: Uint32Array;
  strings: string[];
  fileBytes: number;
  /** `locations` as in the file (meta.location_fields per entry: object_index, script_id, line, column); null when absent or malformed. */
  locations?: Uint32Array | null;
  /** Allocation traces (a process with --track-heap-objects); null when the snapshot has none. */
  trace?: RawTrace | null;
}

/**
 * `trace_function_infos` as in the file (meta.trace_function_info_fields per
 * entry), and `trace_tree` flattened in pre-order: per trace node its id,
 * its function info index and the position of its parent (-1 for the root).
 */
export interface RawTrace {
  functionInfos: Uint32Array;
  nodeIds: Uint32Array;
  functionInfoIndexes: Uint32Array;
  parents: Int32Array;
}

/** A Uint32Array on a SharedArrayBuffer, so worker threads can read it in place. */
export function sharedUint32Array(length: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(length * Uint32Array.BYTES_PER_ELEMENT));
}

export interface SnapshotMetaJson {
  node_fields: string[];
  node_types: unknown[];
  edge_fields: string[];
  edge_types: unknown[];
  [key: string]: unknown;
}

export interface ReadOptions {
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Bytes per read; small values exercise chunk boundaries in tests. */
  chunkSize?: number;
}

const enum Ch {
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

type Section = 'nodes' | 'edges' | 'strings' | 'skip' | 'locations' | 'trace_function_infos';

/** Sections leakscan can do without: a malformed one is dropped (null), not an error. */
const OPTIONAL_NUMBER_SECTIONS = new Set(['locations', 'trace_function_infos']);

/** `target` with room for at least `length` values, its first `filled` kept (capacity doubles). */
function grown<T extends Uint32Array | Int32Array>(target: T, filled: number, length: number): T {
  if (length <= target.length) return target;
  const bigger = new (target.constructor as new (n: number) => T)(Math.max(length, target.length * 2, 1024));
  bigger.set(target.subarray(0, filled));
  return bigger;
}

/** valueStep results besides a depth: a comma outside brackets, and any other byte outside them. */
const TOP_LEVEL_COMMA = -2;
const AT_TOP = -3;

/**
 * A push parser: feed() it chunks, finish() at the end. States:
 * header (collect bytes of `{"snapshot":{...}` until its brace closes),
 * key (look for the next `"name":`), array of numbers, array of strings,
 * skipping an unknown value (bracket depth, strings aware).
 */
class SnapshotParser {
  private state: 'start' | 'header' | 'key' | 'value' | 'numbers' | 'strings' | 'tree' | 'skip' | 'done' = 'start';
  private headerParts: Buffer[] = [];
  private inString = false;
  private escaped = false;
  private keyBytes: number[] = [];
  private inKey = false;
  private currentKey = '';
  private section: Section = 'skip';
  private number = 0;
  private inNumber = false;
  private target: Uint32Array | null = null;
  private filled = 0;
  /** Bracket depth inside the value being collected or skipped. */
  private valueDepth = 0;
  private stringParts: Buffer[] = [];
  private stringHasEscape = false;
  private readonly decoder = new TextDecoder('utf-8');

  meta: SnapshotMetaJson | null = null;
  nodeCount = 0;
  edgeCount = 0;
  traceFunctionCount = 0;
  nodes: Uint32Array | null = null;
  edges: Uint32Array | null = null;
  strings: string[] | null = null;
  nodesFilled = 0;
  edgesFilled = 0;
  seen = new Set<string>();
  locations: Uint32Array | null = null;
  traceFunctionInfos: Uint32Array | null = null;
  private tree: TreeScan | null = null;
  traceTree: { nodeIds: Uint32Array; functionInfoIndexes: Uint32Array; parents: Int32Array } | null = null;

  constructor(private readonly file: string) {}

  private fail(problem: string): never {
    throw new SnapshotFormatError(this.file, problem);
  }

  feed(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case 'start': {
          const c = chunk[i];
          if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xef || c === 0xbb || c === 0xbf) {
            i++;
            continue;
          }
          if (c !== Ch.LBrace) this.fail('not a heap snapshot (not JSON)');
          this.state = 'key';
          i++;
          continue;
        }
        case 'key':
          i = this.scanKey(chunk, i);
          continue;
        case 'header':
          i = this.scanHeader(chunk, i);
          continue;
        case 'numbers':
          i = this.scanNumbers(chunk, i);
          continue;
        case 'strings':
          i = this.scanStrings(chunk, i);
          continue;
        case 'tree':
          i = this.scanTree(chunk, i);
          continue;
        case 'skip':
          i = this.scanSkip(chunk, i);
          continue;
        case 'value': {
          const c = chunk[i];
          if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
            i++;
            continue;
          }
          // 'header' and 'skip' rescan the opening bracket to count depth; the others start after it.
          if (this.beginValue(c) === 'consumed') i++;
          continue;
        }
        case 'done':
          return;
      }
    }
  }

  /** Reads `"key":` at top level; a `}` ends the document. */
  private scanKey(chunk: Buffer, i: number): number {
    const n = chunk.length;
    while (i < n) {
      const c = chunk[i];
      if (this.inKey) {
        if (this.escaped) {
          this.escaped = false;
          this.keyBytes.push(c);
        } else if (c === Ch.Backslash) {
          this.escaped = true;
        } else if (c === Ch.Quote) {
          this.inKey = false;
          this.currentKey = Buffer.from(this.keyBytes).toString('utf8');
          this.keyBytes = [];
        } else {
          if (this.keyBytes.length > 256) this.fail('not a heap snapshot (unexpected key)');
          this.keyBytes.push(c);
        }
        i++;
        continue;
      }
      if (c === Ch.Quote) {
        this.inKey = true;
      } else if (c === Ch.Colon) {
        this.state = 'value';
        return i + 1;
      } else if (c === Ch.RBrace) {
        this.state = 'done';
        return n;
      } else if (c !== Ch.Comma && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
        this.fail('not a heap snapshot (malformed JSON)');
      }
      i++;
    }
    return i;
  }

  private beginValue(c: number): 'consumed' | 'rescan' {
    const key = this.currentKey;
    this.seen.add(key);
    if (key === 'snapshot') {
      if (c !== Ch.LBrace) this.fail('not a heap snapshot ("snapshot" is not an object)');
      this.state = 'header';
      this.valueDepth = 0;
      return 'rescan';
    }
    if ((key === 'nodes' || key === 'edges') && c === Ch.LBracket) {
      if (!this.meta) this.fail(`not a heap snapshot ("${key}" before "snapshot")`);
      this.section = key;
      this.target = key === 'nodes' ? this.nodes : this.edges;
      this.filled = 0;
      this.inNumber = false;
      this.number = 0;
      this.state = 'numbers';
      return 'consumed';
    }
    if (OPTIONAL_NUMBER_SECTIONS.has(key) && c === Ch.LBracket && this.meta) {
      this.section = key as Section;
      // Sized from the header when it says (trace_function_count), grown as needed otherwise.
      const infoFields = (this.meta.trace_function_info_fields as unknown[] | undefined)?.length ?? 0;
      const expected = key === 'trace_function_infos' ? this.traceFunctionCount * infoFields : 0;
      this.target = new Uint32Array(Math.max(expected, 1024));
      this.filled = 0;
      this.inNumber = false;
      this.number = 0;
      this.state = 'numbers';
      return 'consumed';
    }
    if (key === 'trace_tree' && c === Ch.LBracket && this.meta) {
      const fields = this.meta.trace_node_fields;
      if (Array.isArray(fields) && fields.indexOf('children') === fields.length - 1 && fields.length >= 3) {
        this.tree = new TreeScan(fields.length - 1, fields.indexOf('id'), fields.indexOf('function_info_index'));
        this.state = 'tree';
        return 'consumed';
      }
    }
    if (key === 'strings' && c === Ch.LBracket) {
      this.strings = [];
      this.inString = false;
      this.state = 'strings';
      return 'consumed';
    }
    // Any other section (trace_tree, samples, locations, ...) or value: skip it.
    this.valueDepth = 0;
    this.inString = false;
    this.escaped = false;
    this.state = 'skip';
    return 'rescan';
  }

  private scanHeader(chunk: Buffer, i: number): number {
    const start = i;
    const n = chunk.length;
    while (i < n) {
      const c = chunk[i++];
      if (this.valueStep(c) === 0) {
        this.headerParts.push(chunk.subarray(start, i));
        this.parseHeader(Buffer.concat(this.headerParts).toString('utf8'));
        this.headerParts = [];
        this.state = 'key';
        return i;
      }
    }
    this.headerParts.push(Buffer.from(chunk.subarray(start, i)));
    if (this.headerParts.reduce((sum, b) => sum + b.length, 0) > 16 * 1024 * 1024)
      this.fail('not a heap snapshot (header too large)');
    return i;
  }

  /**
   * One byte of a JSON value being collected (the header) or skipped (other
   * sections), tracking strings, escapes and bracket depth. Returns the depth
   * inside brackets; 0 when a closing bracket ends the value; -1 for the
   * document's closing brace after a scalar; TOP_LEVEL_COMMA for a comma
   * outside brackets (a scalar ended); AT_TOP for any other byte outside them.
   */
  private valueStep(c: number): number {
    const here = (): number => (this.valueDepth > 0 ? this.valueDepth : AT_TOP);
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === Ch.Backslash) this.escaped = true;
      else if (c === Ch.Quote) this.inString = false;
      return here();
    }
    if (c === Ch.Quote) {
      this.inString = true;
      return here();
    }
    if (c === Ch.LBrace || c === Ch.LBracket) return ++this.valueDepth;
    if (c === Ch.RBrace || c === Ch.RBracket) return --this.valueDepth;
    if (c === Ch.Comma && this.valueDepth === 0) return TOP_LEVEL_COMMA;
    return here();
  }

  private parseHeader(text: string): void {
    let header: { meta?: SnapshotMetaJson; node_count?: unknown; edge_count?: unknown; trace_function_count?: unknown };
    try {
      header = JSON.parse(text);
    } catch {
      this.fail('not a heap snapshot (malformed "snapshot" header)');
    }
    const meta = header.meta;
    if (
      !meta ||
      !Array.isArray(meta.node_fields) ||
      !Array.isArray(meta.edge_fields) ||
      !Array.isArray(meta.node_types) ||
      !Array.isArray(meta.edge_types)
    ) {
      this.fail('not a heap snapshot (no snapshot.meta)');
    }
    const nodeCount = header.node_count;
    const edgeCount = header.edge_count;
    if (
      !Number.isSafeInteger(nodeCount) ||
      !Number.isSafeInteger(edgeCount) ||
      (nodeCount as number) < 1 ||
      (edgeCount as number) < 0
    ) {
      this.fail('not a heap snapshot (no node_count/edge_count)');
    }
    this.meta = meta;
    const traceFunctions = header.trace_function_count;
    this.traceFunctionCount =
      Number.isSafeInteger(traceFunctions) && (traceFunctions as number) > 0 && (traceFunctions as number) < 1 << 24
        ? (traceFunctions as number)
        : 0;
    this.nodeCount = nodeCount as number;
    this.edgeCount = edgeCount as number;
    try {
      // Shared memory: the dominator pass reads them on a second thread without a copy (dominators-worker.ts).
      this.nodes = sharedUint32Array(this.nodeCount * meta.node_fields.length);
      this.edges = sharedUint32Array(this.edgeCount * meta.edge_fields.length);
    } catch {
      this.fail(`node_count ${this.nodeCount} / edge_count ${this.edgeCount} are too large to load`);
    }
  }

  private scanNumbers(chunk: Buffer, i: number): number {
    const target = this.target!;
    const capacity = target.length;
    const n = chunk.length;
    let filled = this.filled;
    let number = this.number;
    let inNumber = this.inNumber;
    while (i < n) {
      const c = chunk[i++];
      if (c >= Ch.Zero && c <= Ch.Nine) {
        number = number * 10 + (c - Ch.Zero);
        inNumber = true;
        continue;
      }
      if (inNumber) {
        if (filled >= capacity && this.section !== 'nodes' && this.section !== 'edges') {
          // An optional section of unknown length: grow, then read this delimiter again.
          this.target = grown(target, filled, filled + 1);
          this.filled = filled;
          this.number = number;
          this.inNumber = inNumber;
          return i - 1;
        }
        if (filled >= capacity)
          this.fail(
            `${this.section === 'nodes' ? 'node' : 'edge'} count does not match: more numbers in "${this.section}" than ${this.section === 'nodes' ? 'node_count' : 'edge_count'} × fields`,
          );
        if (number > 0xffffffff) {
          if (OPTIONAL_NUMBER_SECTIONS.has(this.section)) return this.dropSection(i - 1);
          this.fail(`a value in "${this.section}" is out of range`);
        }
        target[filled++] = number;
        number = 0;
        inNumber = false;
      }
      if (c === Ch.RBracket) {
        this.finishNumbers(filled);
        this.filled = filled;
        this.number = 0;
        this.inNumber = false;
        return i;
      }
      if (c !== Ch.Comma && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
        if (OPTIONAL_NUMBER_SECTIONS.has(this.section)) return this.dropSection(i - 1);
        this.fail(`unexpected character in "${this.section}"`);
      }
    }
    this.filled = filled;
    this.number = number;
    this.inNumber = inNumber;
    return i;
  }

  /** Skips the rest of an optional section (from byte `i`, inside its array) and leaves it null. */
  private dropSection(i: number, depth = 1): number {
    this.target = null;
    this.tree = null;
    this.valueDepth = depth;
    this.inString = false;
    this.escaped = false;
    this.state = 'skip';
    return i;
  }

  private finishNumbers(filled: number): void {
    const target = this.target!;
    if (this.section === 'locations' || this.section === 'trace_function_infos') {
      const values = target.subarray(0, filled);
      if (this.section === 'locations') this.locations = values;
      else this.traceFunctionInfos = values;
      this.state = 'key';
      this.target = null;
      return;
    }
    if (filled !== target.length) {
      const what = this.section === 'nodes' ? 'node' : 'edge';
      this.fail(
        `${what} count does not match: "${this.section}" has ${filled} numbers, ${what}_count × fields is ${target.length}`,
      );
    }
    if (this.section === 'nodes') this.nodesFilled = filled;
    else this.edgesFilled = filled;
    this.state = 'key';
    this.target = null;
  }

  private scanStrings(chunk: Buffer, i: number): number {
    const n = chunk.length;
    const strings = this.strings!;
    while (i < n) {
      if (this.inString) {
        const start = i;
        let end = -1;
        while (i < n) {
          const c = chunk[i];
          if (this.escaped) {
            this.escaped = false;
          } else if (c === Ch.Backslash) {
            this.escaped = true;
            this.stringHasEscape = true;
          } else if (c === Ch.Quote) {
            end = i;
            break;
          }
          i++;
        }
        if (end < 0) {
          this.stringParts.push(Buffer.from(chunk.subarray(start, n)));
          return n;
        }
        let bytes: Buffer = chunk.subarray(start, end);
        if (this.stringParts.length) {
          this.stringParts.push(bytes);
          bytes = Buffer.concat(this.stringParts);
          this.stringParts = [];
        }
        strings.push(this.decodeString(bytes));
        this.inString = false;
        this.stringHasEscape = false;
        i = end + 1;
        continue;
      }
      const c = chunk[i++];
      if (c === Ch.Quote) this.inString = true;
      else if (c === Ch.RBracket) {
        this.state = 'key';
        return i;
      } else if (c !== Ch.Comma && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
        this.fail('unexpected character in "strings"');
      }
    }
    return i;
  }

  private decodeString(bytes: Buffer): string {
    if (!this.stringHasEscape) return this.decoder.decode(bytes);
    try {
      return JSON.parse(`"${bytes.toString('utf8')}"`) as string;
    } catch {
      // V8 writes lone surrogates as \uD800-style escapes, which JSON.parse accepts;
      // anything else here is a corrupt file.
      this.fail('malformed string in "strings"');
    }
  }

  /** `trace_tree`: nested arrays `[id, function_info_index, count, size, [children…]]`, flattened by TreeScan. */
  private scanTree(chunk: Buffer, i: number): number {
    const tree = this.tree!;
    const n = chunk.length;
    while (i < n) {
      const c = chunk[i++];
      if (c >= Ch.Zero && c <= Ch.Nine) {
        tree.digit(c - Ch.Zero);
        continue;
      }
      const ok =
        c === Ch.LBracket
          ? tree.open()
          : c === Ch.RBracket
            ? tree.close()
            : c === Ch.Comma || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
              ? tree.delimit()
              : false;
      if (!ok) return this.dropSection(i - 1, tree.depth);
      if (tree.depth === 0) {
        this.traceTree = tree.result();
        this.tree = null;
        this.state = 'key';
        return i;
      }
    }
    return i;
  }

  private scanSkip(chunk: Buffer, i: number): number {
    const n = chunk.length;
    while (i < n) {
      const depth = this.valueStep(chunk[i++]);
      if (depth === 0 || depth === TOP_LEVEL_COMMA) {
        this.state = 'key';
        return i;
      }
      if (depth === -1) {
        // A scalar value followed by the closing brace of the document.
        this.state = 'done';
        return n;
      }
    }
    return i;
  }

  /** Where the input ended, for the "truncated" message. */
  private where(): string {
    if (this.state === 'numbers') return `inside "${this.section}"`;
    if (this.state === 'tree') return 'inside "trace_tree"';
    if (this.state === 'strings') return 'inside "strings"';
    if (this.state === 'header') return 'inside "snapshot"';
    if (this.state === 'skip' || this.state === 'value') return `inside "${this.currentKey}"`;
    return 'before the end of the JSON';
  }

  finish(bytesRead: number): RawSnapshot {
    if (bytesRead === 0) this.fail('file is empty');
    if (this.state === 'start') this.fail('not a heap snapshot (no JSON object)');
    if (this.state !== 'done') this.fail(`snapshot is truncated (ended ${this.where()})`);
    if (!this.meta) this.fail('not a heap snapshot (no snapshot.meta)');
    for (const key of ['nodes', 'edges', 'strings']) {
      if (!this.seen.has(key)) this.fail(`not a heap snapshot (no "${key}")`);
    }
    const tree = this.traceTree;
    return {
      meta: this.meta,
      nodeCount: this.nodeCount,
      edgeCount: this.edgeCount,
      nodes: this.nodes!,
      edges: this.edges!,
      strings: this.strings!,
      fileBytes: 0,
      locations: this.locations,
      trace:
        tree && this.traceFunctionInfos && tree.nodeIds.length > 0
          ? { functionInfos: this.traceFunctionInfos, ...tree }
          : null,
    };
  }
}

/**
 * Flattens `trace_tree` as its bytes arrive: each trace node is `fields`
 * numbers, then the bracket of its children. Returns false on anything else
 * (the section is then dropped).
 */
class TreeScan {
  depth = 1;
  private number = 0;
  private inNumber = false;
  private readonly record: number[] = [];
  private nodeIds = new Uint32Array(1024);
  private functionInfoIndexes = new Uint32Array(1024);
  private parents = new Int32Array(1024);
  private count = 0;
  /** Positions of the open trace nodes, innermost last. */
  private readonly open_: number[] = [-1];

  constructor(
    private readonly fields: number,
    private readonly idOffset: number,
    private readonly functionInfoOffset: number,
  ) {}

  digit(d: number): void {
    this.number = this.number * 10 + d;
    this.inNumber = true;
  }

  delimit(): boolean {
    if (!this.inNumber) return true;
    if (this.record.length >= this.fields || this.number > 0xffffffff) return false;
    this.record.push(this.number);
    this.number = 0;
    this.inNumber = false;
    return true;
  }

  /** The children of the node just read begin. */
  open(): boolean {
    if (!this.delimit() || this.record.length !== this.fields) return false;
    const at = this.count++;
    this.nodeIds = grown(this.nodeIds, at, at + 1);
    this.functionInfoIndexes = grown(this.functionInfoIndexes, at, at + 1);
    this.parents = grown(this.parents, at, at + 1);
    this.nodeIds[at] = this.record[this.idOffset];
    this.functionInfoIndexes[at] = this.record[this.functionInfoOffset];
    this.parents[at] = this.open_[this.open_.length - 1];
    this.record.length = 0;
    this.open_.push(at);
    this.depth++;
    return true;
  }

  close(): boolean {
    if (!this.delimit() || this.record.length !== 0) return false;
    this.open_.pop();
    this.depth--;
    return true;
  }

  result(): { nodeIds: Uint32Array; functionInfoIndexes: Uint32Array; parents: Int32Array } {
    return {
      nodeIds: this.nodeIds.slice(0, this.count),
      functionInfoIndexes: this.functionInfoIndexes.slice(0, this.count),
      parents: this.parents.slice(0, this.count),
    };
  }
}

/** Streams `file` (plain or gzip, told by its first two bytes) through the parser. */
export async function readRawSnapshot(file: string, options: ReadOptions = {}): Promise<RawSnapshot> {
  let size: number;
  try {
    const stat = await fs.stat(file);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    // A FIFO or a device would block the read (or never end): refuse before opening it.
    if (!stat.isFile())
      throw new LeakscanError(`${file}: not a regular file (a FIFO, device or socket); give a snapshot file`);
    size = stat.size;
  } catch (err) {
    throw err instanceof LeakscanError ? err : fileError(file, err);
  }
  if (size === 0) throw new SnapshotFormatError(file, 'file is empty');
  let gzip: boolean;
  try {
    gzip = isGzipFile(file);
  } catch (err) {
    throw fileError(file, err);
  }
  const parser = new SnapshotParser(file);
  const source = createReadStream(file, { highWaterMark: options.chunkSize ?? 1 << 20 });
  let compressedRead = 0;
  let lastReport = 0;
  source.on('data', (chunk) => {
    compressedRead += chunk.length;
  });
  const stream = gzip ? source.pipe(createGunzip({ chunkSize: Math.max(64, options.chunkSize ?? 1 << 20) })) : source;
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      parser.feed(chunk);
      if (options.onProgress && compressedRead - lastReport >= 8 << 20) {
        lastReport = compressedRead;
        options.onProgress(compressedRead, size);
      }
    }
  } catch (err) {
    source.destroy();
    if (err instanceof LeakscanError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (gzip && typeof code === 'string' && code.startsWith('Z_'))
      throw new SnapshotFormatError(file, `corrupt gzip data (${(err as Error).message})`, { cause: err });
    if (gzip && code === 'ERR_STREAM_PREMATURE_CLOSE')
      throw new SnapshotFormatError(file, 'corrupt gzip data (unexpected end of file)', { cause: err });
    throw fileError(file, err);
  }
  options.onProgress?.(size, size);
  const raw = parser.finish(bytes);
  raw.fileBytes = size;
  return raw;
}
