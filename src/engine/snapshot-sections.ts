// The section state machine of the snapshot reader: which part of the
// snapshot JSON the bytes belong to (the "snapshot" header, nodes, edges,
// strings, locations, trace_function_infos, trace_tree; anything else is
// skipped), handing each part to its scanner from json-tokens.ts and turning
// what the scanners report into SnapshotFormatError messages.
import { SnapshotFormatError } from '../errors.js';
import {
  type Allocate,
  type EdgeColumns,
  EdgeColumnsBuilder,
  missingField,
  type NodeColumns,
  NodeColumnsBuilder,
  REQUIRED_EDGE_FIELDS,
  REQUIRED_NODE_FIELDS,
} from './columns.js';
import {
  Ch,
  KeyScanner,
  MAX_STRING_BYTES,
  MAX_STRINGS,
  NumberArrayScanner,
  Scan,
  StringArrayScanner,
  ValueSkipper,
} from './json-tokens.js';
import { grown, type RawSnapshot, type SnapshotMetaJson } from './raw-snapshot.js';
import type { StringTable } from './strings.js';

/** Numbers a nodes or edges array (of a compressed file) starts with room for; it doubles as numbers arrive. */
const INITIAL_NUMBERS = 1 << 20;
/** Most numbers in one array: Uint32 indexes, and V8's own typed-array limit. */
const MAX_NUMBERS = 2 ** 32 - 1;
/** Strings V8 adds beyond what nodes and edges name (a few roots, script sources). */
const STRING_SLACK = 1 << 16;

/** Shared memory: the dominator pass reads it on a second thread without a copy (dominators-worker.ts). */
function sharedColumns(file: string, section: string): Allocate {
  return (bytes) => {
    try {
      return new SharedArrayBuffer(bytes);
    } catch (err) {
      throw new SnapshotFormatError(
        file,
        `out of memory for "${section}": ${Math.round(bytes / 2 ** 20)} MB could not be allocated`,
        { cause: err },
      );
    }
  };
}

type NumberSection = 'nodes' | 'edges' | 'locations' | 'trace_function_infos';

/** Sections leakscan can do without: a malformed one is dropped (null), not an error. */
const OPTIONAL_NUMBER_SECTIONS = new Set(['locations', 'trace_function_infos']);

type State = 'start' | 'key' | 'value' | 'header' | 'numbers' | 'strings' | 'tree' | 'skip' | 'done';

/**
 * A push parser: feed() it chunks, finish() at the end. States: start (the
 * document's `{`), key (the next `"name":`), value (the first byte of a
 * section picks its reader), then one reader per section until it ends.
 */
export class SnapshotParser {
  private state: State = 'start';
  private readonly keys = new KeyScanner();
  /** The section being read (state numbers, strings or tree), or the key being skipped. */
  private section = '';
  private readonly seen = new Set<string>();
  private headerParts: Buffer[] = [];
  private headerBytes = 0;
  private skipper = new ValueSkipper();
  private numbers: NumberArrayScanner | null = null;
  /** The columns of the nodes or edges section being read; `numbers` is then a buffer for one chunk's numbers. */
  private records: NodeColumnsBuilder | EdgeColumnsBuilder | null = null;
  private stringScanner: StringArrayScanner | null = null;
  private tree: TreeScan | null = null;

  private meta: SnapshotMetaJson | null = null;
  private nodeCount = 0;
  private edgeCount = 0;
  private traceFunctionCount = 0;
  private nodes: NodeColumns | null = null;
  private edges: EdgeColumns | null = null;
  private strings: StringTable | null = null;
  private locations: Uint32Array | null = null;
  private traceFunctionInfos: Uint32Array | null = null;
  private traceTree: { nodeIds: Uint32Array; functionInfoIndexes: Uint32Array; parents: Int32Array } | null = null;

  /**
   * @param plainBytes the size of the JSON text when it is known before reading (an uncompressed
   * file): no section holds more numbers than half its bytes, so a header that tells the truth gets
   * its columns in one allocation, and one that lies gets no more than the file could fill.
   */
  constructor(
    private readonly file: string,
    private readonly plainBytes: number | null = null,
  ) {}

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
          // Whitespace and a UTF-8 byte order mark may come first.
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
          i = this.readKey(chunk, i);
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
        case 'header':
          i = this.readHeader(chunk, i);
          continue;
        case 'numbers':
          i = this.readNumbers(chunk, i);
          continue;
        case 'strings':
          i = this.readStrings(chunk, i);
          continue;
        case 'tree':
          i = this.readTree(chunk, i);
          continue;
        case 'skip':
          i = this.readSkipped(chunk, i);
          continue;
        case 'done': {
          // Whitespace may follow the document; anything else is not one snapshot.
          const c = chunk[i];
          if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09)
            this.fail('not a heap snapshot (more data after the closing "}")');
          i++;
          continue;
        }
      }
    }
  }

  private readKey(chunk: Buffer, i: number): number {
    const keys = this.keys;
    i = keys.scan(chunk, i);
    switch (keys.status) {
      case Scan.Colon:
        this.state = 'value';
        return i;
      case Scan.DocumentEnd:
        this.state = 'done';
        return i;
      case Scan.TooLong:
        this.fail('not a heap snapshot (unexpected key)');
        break;
      case Scan.BadChar:
        this.fail('not a heap snapshot (malformed JSON)');
    }
    return i;
  }

  /** Picks the reader for the value of the key just read, on its first byte `c`. */
  private beginValue(c: number): 'consumed' | 'rescan' {
    const key = this.keys.key;
    this.seen.add(key);
    this.section = key;
    if (key === 'snapshot') {
      if (c !== Ch.LBrace) this.fail('not a heap snapshot ("snapshot" is not an object)');
      this.skipper = new ValueSkipper();
      this.state = 'header';
      return 'rescan';
    }
    if ((key === 'nodes' || key === 'edges') && c === Ch.LBracket) {
      if (!this.meta) this.fail(`not a heap snapshot ("${key}" before "snapshot")`);
      const fields = key === 'nodes' ? this.meta.node_fields : this.meta.edge_fields;
      const missing = missingField(fields, key === 'nodes' ? REQUIRED_NODE_FIELDS : REQUIRED_EDGE_FIELDS);
      if (missing !== null) this.fail(`not a heap snapshot (no "${missing}" field in snapshot.meta)`);
      // Room for what arrives, up to the header's count: a small file that claims millions of nodes
      // gets memory only as its numbers prove them (each takes two bytes at least, "0,"), and a
      // compressed one, whose size says nothing, starts small and doubles.
      const claimed = key === 'nodes' ? this.nodeCount : this.edgeCount;
      const room = this.plainBytes === null ? INITIAL_NUMBERS : Math.ceil(this.plainBytes / 2);
      const initial = Math.min(claimed, Math.ceil(room / fields.length));
      const memory = sharedColumns(this.file, key);
      this.records =
        key === 'nodes'
          ? new NodeColumnsBuilder(fields, claimed, initial, memory)
          : new EdgeColumnsBuilder(fields, claimed, initial, memory, this.meta.node_fields.length, this.nodeCount);
      // The numbers of one chunk at a time, handed to the columns record by record (readRecords).
      this.numbers = new NumberArrayScanner(this.numberBuffer, false);
      this.state = 'numbers';
      return 'consumed';
    }
    if (OPTIONAL_NUMBER_SECTIONS.has(key) && c === Ch.LBracket && this.meta) {
      // Sized from the header when it says (trace_function_count), grown as needed otherwise.
      const infoFields = (this.meta.trace_function_info_fields as unknown[] | undefined)?.length ?? 0;
      const expected = key === 'trace_function_infos' ? this.traceFunctionCount * infoFields : 0;
      this.numbers = new NumberArrayScanner(new Uint32Array(Math.min(Math.max(expected, 1024), INITIAL_NUMBERS)), true);
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
      this.stringScanner = new StringArrayScanner(this.stringBudget());
      this.state = 'strings';
      return 'consumed';
    }
    // Any other section (samples, ...) or value: skip it.
    this.skipper = new ValueSkipper();
    this.state = 'skip';
    return 'rescan';
  }

  /** Collects the bytes of the `"snapshot"` object, then parses it as JSON. */
  private readHeader(chunk: Buffer, i: number): number {
    const end = this.skipper.scan(chunk, i);
    if (this.skipper.status === Scan.End) {
      this.headerParts.push(chunk.subarray(i, end));
      this.parseHeader(Buffer.concat(this.headerParts).toString('utf8'));
      this.headerParts = [];
      this.state = 'key';
      return end;
    }
    this.headerParts.push(Buffer.from(chunk.subarray(i, end)));
    this.headerBytes += end - i;
    if (this.headerBytes > 16 * 1024 * 1024) this.fail('not a heap snapshot (header too large)');
    return end;
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
    // Typed arrays stop at 2^32 - 1 values here (Uint32 indexes): refuse before reading any number.
    for (const [section, count, fields] of [
      ['nodes', this.nodeCount, meta.node_fields.length],
      ['edges', this.edgeCount, meta.edge_fields.length],
    ] as const) {
      if (count * fields > MAX_NUMBERS)
        this.fail(`"snapshot" claims ${count} ${section} (${count * fields} numbers): more than leakscan can load`);
    }
  }

  /**
   * How many strings the table may hold: each node and each edge names at
   * most one, each allocation-trace function two (name, script). More is
   * not a snapshot V8 wrote, and would only cost memory.
   */
  private stringBudget(): number {
    const budget = this.nodeCount + this.edgeCount + 2 * this.traceFunctionCount + STRING_SLACK;
    return Math.min(budget, MAX_STRINGS);
  }

  /** Reused from section to section: one chunk's numbers of nodes or edges. */
  private numberBuffer = new Uint32Array(0);

  /**
   * Nodes and edges: the chunk's numbers into a buffer with room for all of
   * them, then each whole record into the columns; the numbers of a record cut
   * by the chunk's end wait at the buffer's start.
   */
  private scanRecords(chunk: Buffer, i: number): number {
    const numbers = this.numbers!;
    const records = this.records!;
    // A chunk of n bytes completes at most n / 2 + 1 numbers (a digit and a delimiter each; one more begun before it).
    const room = numbers.filled + ((chunk.length - i + 1) >> 1) + 1;
    if (numbers.target.length < room) {
      const bigger = new Uint32Array(room);
      bigger.set(numbers.target.subarray(0, numbers.filled));
      numbers.target = this.numberBuffer = bigger;
    }
    i = numbers.scan(chunk, i);
    const fields = this.section === 'nodes' ? this.meta!.node_fields.length : this.meta!.edge_fields.length;
    if (records.wouldOverflow(numbers.filled)) {
      const what = this.section === 'nodes' ? 'node' : 'edge';
      this.fail(`${what} count does not match: more numbers in "${this.section}" than ${what}_count × fields`);
    }
    const whole = numbers.filled - (numbers.filled % fields);
    if (whole > 0) {
      records.push(numbers.target, 0, whole);
      numbers.target.copyWithin(0, whole, numbers.filled);
      numbers.filled -= whole;
    }
    return i;
  }

  private readNumbers(chunk: Buffer, i: number): number {
    const numbers = this.numbers!;
    i = this.records ? this.scanRecords(chunk, i) : numbers.scan(chunk, i);
    const section = this.section as NumberSection;
    const optional = section === 'locations' || section === 'trace_function_infos';
    switch (numbers.status) {
      case Scan.More:
        return i;
      case Scan.End:
        this.finishNumbers(section, numbers);
        return i;
      case Scan.TooMany: {
        if (optional) return this.dropSection(i);
        const what = section === 'nodes' ? 'node' : 'edge';
        this.fail(`${what} count does not match: more numbers in "${section}" than ${what}_count × fields`);
        break;
      }
      case Scan.OutOfRange:
        if (optional) return this.dropSection(i);
        this.fail(`a value in "${section}" is out of range`);
        break;
      case Scan.BadChar:
        if (optional) return this.dropSection(i);
        this.fail(`unexpected character in "${section}"`);
    }
    return i;
  }

  private finishNumbers(section: NumberSection, numbers: NumberArrayScanner): void {
    this.numbers = null;
    this.state = 'key';
    if (section === 'locations') this.locations = numbers.values();
    else if (section === 'trace_function_infos') this.traceFunctionInfos = numbers.values();
    else {
      const records = this.records!;
      this.records = null;
      const fields = section === 'nodes' ? this.meta!.node_fields.length : this.meta!.edge_fields.length;
      const read = records.count * fields + numbers.filled;
      if (read !== records.limit * fields) {
        const what = section === 'nodes' ? 'node' : 'edge';
        this.fail(
          `${what} count does not match: "${section}" has ${read} numbers, ${what}_count × fields is ${records.limit * fields}`,
        );
      }
      if (records instanceof NodeColumnsBuilder) this.nodes = records.finish();
      else this.edges = records.finish();
    }
  }

  /** Skips the rest of an optional section (from byte `i`, `depth` brackets inside it) and leaves it null. */
  private dropSection(i: number, depth = 1): number {
    this.numbers = null;
    this.tree = null;
    this.skipper = new ValueSkipper(depth);
    this.state = 'skip';
    return i;
  }

  private readStrings(chunk: Buffer, i: number): number {
    const scanner = this.stringScanner!;
    try {
      i = scanner.scan(chunk, i);
    } catch (err) {
      // The table's buffer could not grow (strings.ts): more than 4 GB, or more than this machine gives.
      if (err instanceof RangeError) this.fail(`"strings" does not fit in memory (${err.message})`);
      throw err;
    }
    switch (scanner.status) {
      case Scan.End:
        this.strings = scanner.table();
        this.stringScanner = null;
        this.state = 'key';
        break;
      case Scan.BadChar:
        this.fail('unexpected character in "strings"');
        break;
      case Scan.Malformed:
        this.fail('malformed string in "strings"');
        break;
      case Scan.TooMany:
        this.fail(
          `"strings" holds more than ${scanner.limit} strings, more than its ${this.nodeCount} nodes and ${this.edgeCount} edges can name: not a snapshot V8 wrote (refused before it fills memory)`,
        );
        break;
      case Scan.TooLong:
        this.fail(`a string in "strings" is longer than ${MAX_STRING_BYTES} bytes: refused`);
    }
    return i;
  }

  /** `trace_tree`: nested arrays `[id, function_info_index, count, size, [children…]]`, flattened by TreeScan. */
  private readTree(chunk: Buffer, i: number): number {
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

  private readSkipped(chunk: Buffer, i: number): number {
    i = this.skipper.scan(chunk, i);
    if (this.skipper.status === Scan.End) this.state = 'key';
    else if (this.skipper.status === Scan.DocumentEnd) {
      // A scalar value followed by the closing brace of the document.
      this.state = 'done';
      return i;
    }
    return i;
  }

  /** Where the input ended, for the "truncated" message. */
  private where(): string {
    if (this.state === 'numbers' || this.state === 'tree' || this.state === 'strings')
      return `inside "${this.section}"`;
    if (this.state === 'header') return 'inside "snapshot"';
    if (this.state === 'skip' || this.state === 'value') return `inside "${this.keys.key}"`;
    return 'before the end of the JSON';
  }

  /** The snapshot read, once the input has ended after `bytesRead` bytes (of a `fileBytes`-byte file). */
  finish(bytesRead: number, fileBytes: number): RawSnapshot {
    if (bytesRead === 0) this.fail('file is empty');
    if (this.state === 'start') this.fail('not a heap snapshot (no JSON object)');
    if (this.state !== 'done') this.fail(`snapshot is truncated (ended ${this.where()})`);
    if (!this.meta) this.fail('not a heap snapshot (no snapshot.meta)');
    for (const key of ['nodes', 'edges', 'strings']) {
      if (!this.seen.has(key)) this.fail(`not a heap snapshot (no "${key}")`);
    }
    if (!this.nodes || !this.edges || !this.strings)
      this.fail('not a heap snapshot ("nodes", "edges" or "strings" is not an array)');
    const tree = this.traceTree;
    return {
      meta: this.meta,
      nodeCount: this.nodeCount,
      edgeCount: this.edgeCount,
      columns: { nodes: this.nodes!, edges: this.edges! },
      strings: this.strings!,
      fileBytes,
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
