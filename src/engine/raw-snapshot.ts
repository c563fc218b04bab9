// What the reader hands to HeapGraph: the snapshot's arrays, nodes and edges
// one array per field (columns.ts).
import type { EdgeColumns, NodeColumns } from './columns.js';
import type { StringTable } from './strings.js';

export interface RawSnapshot {
  meta: SnapshotMetaJson;
  nodeCount: number;
  edgeCount: number;
  /** The reader's nodes and edges, a column per field. */
  columns?: { nodes: NodeColumns; edges: EdgeColumns };
  /** Or the arrays as in the file (memlab's parser, graphs built in tests): HeapGraph splits them into columns. */
  nodes?: Uint32Array;
  edges?: Uint32Array;
  /** The reader's table (the file's bytes), or the strings themselves (memlab's parser, tests). */
  strings: StringTable | readonly string[];
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

export interface SnapshotMetaJson {
  node_fields: string[];
  node_types: unknown[];
  edge_fields: string[];
  edge_types: unknown[];
  [key: string]: unknown;
}

/** A Uint32Array on a SharedArrayBuffer, so worker threads can read it in place. */
export function sharedUint32Array(length: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(length * Uint32Array.BYTES_PER_ELEMENT));
}

/**
 * `target` with room for at least `length` values, its first `filled` kept
 * (capacity doubles, never past `limit`); `allocate` makes the bigger array
 * (default: one of target's type).
 */
export function grown<T extends Uint32Array | Int32Array>(
  target: T,
  filled: number,
  length: number,
  limit = Number.POSITIVE_INFINITY,
  allocate?: (length: number) => T,
): T {
  if (length <= target.length) return target;
  const size = Math.min(Math.max(length, target.length * 2, 1024), Math.max(limit, length));
  const bigger = allocate ? allocate(size) : new (target.constructor as new (n: number) => T)(size);
  bigger.set(target.subarray(0, filled));
  return bigger;
}
