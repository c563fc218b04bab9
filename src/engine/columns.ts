// The graph's nodes and edges, one array per field (a column) where DevTools'
// worker keeps the file's flat arrays (7 and 3 Uint32 per node and edge): a
// type in a byte, edge_count turned into first-edge offsets, trace_node_id and
// detachedness only when a node has a value. The flat arrays are never held
// whole: the reader hands each chunk's records over as they arrive, so memory
// follows the records read, at about half the bytes for nodes.

/** Node fields leakscan needs; a snapshot without one of them is refused. */
export const REQUIRED_NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count'] as const;
export const REQUIRED_EDGE_FIELDS = ['type', 'name_or_index', 'to_node'] as const;

/** A type index stored in a byte: anything above this reads as this, which HeapGraph refuses as unknown. */
export const MAX_TYPE_INDEX = 255;

export interface NodeColumns {
  types: Uint8Array;
  names: Uint32Array;
  ids: Uint32Array;
  selfSizes: Uint32Array;
  /** Null when the snapshot has no such field or every value is 0. */
  traceNodeIds: Uint32Array | null;
  /** The low byte of each value; null when the snapshot has no such field or every value is 0. */
  detachedness: Uint8Array | null;
  /** Per node, the ordinal of its first edge (the sum of the edge_counts before it); nodeCount + 1 entries. */
  firstEdgeIndexes: Uint32Array;
  /** Sum of all edge_count fields, as a number: a file that lies may pass 2^32 (firstEdgeIndexes stops there). */
  edgeCountSum: number;
  /** What the builder noted for HeapGraph's checks; absent in columns already checked (another thread's copy). */
  checks?: NodeChecks;
}

/** The largest type (as stored) and name index of any node: HeapGraph checks them against its lists, no pass over the nodes. */
export interface NodeChecks {
  maxType: number;
  maxName: number;
}

export interface EdgeColumns {
  types: Uint8Array;
  namesOrIndexes: Uint32Array;
  /** The target node's ordinal (to_node of the file divided by the node field count). */
  targets: Uint32Array;
  /** What the builder noted for HeapGraph's checks; absent in columns already checked (another thread's copy). */
  checks?: EdgeChecks;
}

export interface EdgeChecks {
  /** Per type index (as stored), how many edges have it, and the largest name_or_index among them. */
  typeCounts: Uint32Array;
  maxNameOfType: Uint32Array;
  /** The first edge whose to_node is not a node's index (past the nodes, or not a multiple of the field count), -1 if none, and its to_node. */
  badTarget: number;
  badToNode: number;
}

/** Makes the memory of a column: a SharedArrayBuffer for columns another thread reads in place. */
export type Allocate = (bytes: number) => ArrayBufferLike;

export const sharedMemory: Allocate = (bytes) => new SharedArrayBuffer(bytes);
export const plainMemory: Allocate = (bytes) => new ArrayBuffer(bytes);

/** The first of `required` missing from `fields`, or null. */
export function missingField(fields: readonly string[], required: readonly string[]): string | null {
  return required.find((name) => !fields.includes(name)) ?? null;
}

/**
 * Columns that grow as records arrive, up to `limit` records (the header's
 * count; the caller refuses more), starting with room for `initial`.
 */
abstract class ColumnsBuilder {
  count = 0;
  protected capacity = 0;

  constructor(
    protected readonly fieldCount: number,
    readonly limit: number,
    protected readonly allocate: Allocate,
  ) {}

  protected u8(length: number): Uint8Array {
    return new Uint8Array(this.allocate(length));
  }
  protected u32(length: number): Uint32Array {
    return new Uint32Array(this.allocate(length * 4));
  }
  /** `column` with room for `capacity` (+ `extra`) values, its first `count` (+ `extra`) kept. */
  protected moved<T extends Uint8Array | Uint32Array>(column: T, capacity: number, extra = 0): T {
    const bigger = (column instanceof Uint8Array ? this.u8(capacity + extra) : this.u32(capacity + extra)) as T;
    bigger.set(column.subarray(0, this.count + extra));
    return bigger;
  }

  /** Room for `records` records in all: capacity doubles, never past the limit. */
  protected reserve(records: number): void {
    if (records <= this.capacity) return;
    this.resize(Math.min(Math.max(records, this.capacity * 2, 1024), Math.max(this.limit, records)));
  }
  protected abstract resize(capacity: number): void;

  /** Takes the whole records in `values[start..end)` (end - start a multiple of the field count). */
  abstract push(values: Uint32Array, start: number, end: number): void;

  /** More numbers than the limit's records hold, with `more` numbers after the records taken. */
  wouldOverflow(more: number): boolean {
    return this.count * this.fieldCount + more > this.limit * this.fieldCount;
  }
}

export class NodeColumnsBuilder extends ColumnsBuilder {
  private types = new Uint8Array(0);
  private names = new Uint32Array(0);
  private ids = new Uint32Array(0);
  private selfSizes = new Uint32Array(0);
  private traceNodeIds: Uint32Array | null = null;
  private detachedness: Uint8Array | null = null;
  private firstEdgeIndexes = new Uint32Array(1);
  private edgeCountSum = 0;
  private maxType = 0;
  private maxName = 0;
  private readonly offsets: number[];

  /** `fields` must hold REQUIRED_NODE_FIELDS (missingField). */
  constructor(fields: readonly string[], limit: number, initial: number, allocate: Allocate) {
    super(fields.length, limit, allocate);
    this.offsets = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'].map((name) =>
      fields.indexOf(name),
    );
    this.resize(Math.min(initial, limit));
  }

  protected resize(capacity: number): void {
    this.types = this.moved(this.types, capacity);
    this.names = this.moved(this.names, capacity);
    this.ids = this.moved(this.ids, capacity);
    this.selfSizes = this.moved(this.selfSizes, capacity);
    if (this.traceNodeIds) this.traceNodeIds = this.moved(this.traceNodeIds, capacity);
    if (this.detachedness) this.detachedness = this.moved(this.detachedness, capacity);
    this.firstEdgeIndexes = this.moved(this.firstEdgeIndexes, capacity, 1);
    this.capacity = capacity;
  }

  push(values: Uint32Array, start: number, end: number): void {
    const f = this.fieldCount;
    this.reserve(this.count + (end - start) / f);
    const [typeAt, nameAt, idAt, sizeAt, edgesAt, traceAt, detachedAt] = this.offsets;
    const { types, names, ids, selfSizes, firstEdgeIndexes } = this;
    let trace = this.traceNodeIds;
    let detached = this.detachedness;
    let sum = this.edgeCountSum;
    let maxType = this.maxType;
    let maxName = this.maxName;
    let o = this.count;
    for (let k = start; k < end; k += f, o++) {
      const type = Math.min(values[k + typeAt], MAX_TYPE_INDEX);
      types[o] = type;
      if (type > maxType) maxType = type;
      const name = values[k + nameAt];
      names[o] = name;
      if (name > maxName) maxName = name;
      ids[o] = values[k + idAt];
      selfSizes[o] = values[k + sizeAt];
      firstEdgeIndexes[o] = Math.min(sum, 0xffffffff);
      sum += values[k + edgesAt];
      if (traceAt >= 0 && values[k + traceAt] !== 0) {
        trace ??= this.traceNodeIds = this.u32(this.capacity);
        trace[o] = values[k + traceAt];
      }
      if (detachedAt >= 0 && values[k + detachedAt] !== 0) {
        detached ??= this.detachedness = this.u8(this.capacity);
        detached[o] = values[k + detachedAt] & 0xff;
      }
    }
    firstEdgeIndexes[o] = Math.min(sum, 0xffffffff);
    this.count = o;
    this.edgeCountSum = sum;
    this.maxType = maxType;
    this.maxName = maxName;
  }

  finish(): NodeColumns {
    if (this.capacity !== this.count) this.resize(this.count);
    return {
      types: this.types,
      names: this.names,
      ids: this.ids,
      selfSizes: this.selfSizes,
      traceNodeIds: this.traceNodeIds,
      detachedness: this.detachedness,
      firstEdgeIndexes: this.firstEdgeIndexes,
      edgeCountSum: this.edgeCountSum,
      checks: { maxType: this.maxType, maxName: this.maxName },
    };
  }
}

export class EdgeColumnsBuilder extends ColumnsBuilder {
  private types = new Uint8Array(0);
  private namesOrIndexes = new Uint32Array(0);
  private targets = new Uint32Array(0);
  private readonly offsets: number[];
  private readonly typeCounts = new Uint32Array(MAX_TYPE_INDEX + 1);
  private readonly maxNameOfType = new Uint32Array(MAX_TYPE_INDEX + 1);
  private badTarget = -1;
  private badToNode = 0;
  /** to_node values are below this (the node count × the node field count, as a number). */
  private readonly nodesLength: number;

  /**
   * `fields` must hold REQUIRED_EDGE_FIELDS (missingField); to_node values are
   * divided by `nodeFieldCount` into ordinals below `nodeCount`.
   */
  constructor(
    fields: readonly string[],
    limit: number,
    initial: number,
    allocate: Allocate,
    private readonly nodeFieldCount: number,
    nodeCount: number,
  ) {
    super(fields.length, limit, allocate);
    this.nodesLength = nodeCount * nodeFieldCount;
    this.offsets = REQUIRED_EDGE_FIELDS.map((name) => fields.indexOf(name));
    this.resize(Math.min(initial, limit));
  }

  protected resize(capacity: number): void {
    this.types = this.moved(this.types, capacity);
    this.namesOrIndexes = this.moved(this.namesOrIndexes, capacity);
    this.targets = this.moved(this.targets, capacity);
    this.capacity = capacity;
  }

  push(values: Uint32Array, start: number, end: number): void {
    const f = this.fieldCount;
    this.reserve(this.count + (end - start) / f);
    const [typeAt, nameAt, toAt] = this.offsets;
    const { types, namesOrIndexes, targets, typeCounts, maxNameOfType, nodeFieldCount, nodesLength } = this;
    let e = this.count;
    for (let k = start; k < end; k += f, e++) {
      const type = Math.min(values[k + typeAt], MAX_TYPE_INDEX);
      types[e] = type;
      typeCounts[type]++;
      const name = values[k + nameAt];
      namesOrIndexes[e] = name;
      if (name > maxNameOfType[type]) maxNameOfType[type] = name;
      const to = values[k + toAt];
      const ordinal = to / nodeFieldCount;
      targets[e] = ordinal;
      if ((to >= nodesLength || ordinal !== Math.floor(ordinal)) && this.badTarget < 0) {
        this.badTarget = e;
        this.badToNode = to;
      }
    }
    this.count = e;
  }

  finish(): EdgeColumns {
    if (this.capacity !== this.count) this.resize(this.count);
    return {
      types: this.types,
      namesOrIndexes: this.namesOrIndexes,
      targets: this.targets,
      checks: {
        typeCounts: this.typeCounts,
        maxNameOfType: this.maxNameOfType,
        badTarget: this.badTarget,
        badToNode: this.badToNode,
      },
    };
  }
}
