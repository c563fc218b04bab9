// The heap graph in flat typed arrays, one per field (columns.ts), with all
// index math behind small accessors (as DevTools' HeapSnapshot does with its
// node and edge cursors).

import { classNameOf, classTypeOf, detachedName } from '../classes.js';
import { SnapshotFormatError } from '../errors.js';
import {
  type EdgeChecks,
  type EdgeColumns,
  EdgeColumnsBuilder,
  MAX_TYPE_INDEX,
  type NodeChecks,
  type NodeColumns,
  NodeColumnsBuilder,
  plainMemory,
  sharedMemory,
} from './columns.js';
import { DOM_DETACHED, propagateDOMState } from './dom-state.js';
import type { RawSnapshot, RawTrace, SnapshotMetaJson } from './raw-snapshot.js';
import { sortedOrder } from './sort.js';
import { StringTable } from './strings.js';

function fieldIndex(fields: string[], name: string, file: string, required = true): number {
  const index = fields.indexOf(name);
  if (index < 0 && required)
    throw new SnapshotFormatError(file, `not a heap snapshot (no "${name}" field in snapshot.meta)`);
  return index;
}

function typeNames(types: unknown[], offset: number, file: string, what: string): string[] {
  const names = types[offset];
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new SnapshotFormatError(file, `not a heap snapshot (no ${what} type list in snapshot.meta)`);
  }
  return names as string[];
}

/**
 * Root categories whose edges V8 shows as strong but the GC treats as weak:
 * it clears its string tables of strings nothing else references.
 */
const WEAK_HOLDERS = new Set(['(Internalized strings)', '(External strings)']);

export class HeapGraph {
  readonly file: string;
  readonly fileBytes: number;
  readonly meta: SnapshotMetaJson;
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** Per node ordinal, its fields (columns.ts); edge_count is firstEdgeIndexes. */
  readonly nodeTypes: Uint8Array;
  readonly nodeNames: Uint32Array;
  readonly nodeIds: Uint32Array;
  readonly nodeSelfSizes: Uint32Array;
  /** Null when no node has one. */
  readonly nodeTraceNodeIds: Uint32Array | null;
  /** Null when no node has one. */
  readonly nodeDetachedness: Uint8Array | null;
  /** Per edge ordinal, its fields; edgeTargets holds the target's ORDINAL (the file holds ordinal × nodeFieldCount). */
  readonly edgeTypes: Uint8Array;
  readonly edgeNamesOrIndexes: Uint32Array;
  readonly edgeTargets: Uint32Array;
  readonly strings: StringTable;
  /** The file's `locations` (see RawSnapshot), read by engine/locations.ts; null when absent. */
  readonly locations: Uint32Array | null;
  /** Allocation traces (see RawTrace), read by engine/locations.ts; null when the snapshot has none. */
  readonly trace: RawTrace | null;
  /** Offset of the node field `trace_node_id`, -1 when the snapshot has none. */
  readonly nodeTraceNodeIdOffset: number;
  /** Per node ordinal, the ordinal of its first edge; nodeCount + 1 entries. */
  readonly firstEdgeIndexes: Uint32Array;
  /** Sum of the nodes' edge counts as the file gives them (validate checks it against edgeCount). */
  private readonly edgeCountSum: number;
  readonly rootOrdinal = 0;

  readonly nodeFieldCount: number;
  readonly edgeFieldCount: number;
  readonly nodeTypeOffset: number;
  readonly nodeNameOffset: number;
  readonly nodeIdOffset: number;
  readonly nodeSelfSizeOffset: number;
  readonly nodeEdgeCountOffset: number;
  readonly edgeTypeOffset: number;
  readonly edgeNameOrIndexOffset: number;
  readonly edgeToNodeOffset: number;
  readonly nodeTypeNames: readonly string[];
  readonly edgeTypeNames: readonly string[];

  private readonly weakEdgeType: number;
  private readonly elementEdgeType: number;
  private readonly hiddenEdgeType: number;
  private readonly internalEdgeType: number;
  private readonly shortcutEdgeType: number;
  /** Nodes whose outgoing edges do not retain (see WEAK_HOLDERS). */
  private readonly weakHolders: Uint8Array;
  /** Node ordinals sorted by id (ordinalsById), made on the first call. */
  private idOrder: Uint32Array | null = null;
  /** Per node, its object shape (an index into shapeNames) or -1; null when no shape was applied (engine/shapes.ts). */
  private shapeOf: Int32Array | null = null;
  /** Names of the object shapes (`{user, path, ts}`) applied to plain objects. */
  shapeNames: readonly string[] = [];
  /** True once applyShapes ran on this graph (with or without shapes found). */
  shapesApplied = false;
  /** Per node, its DOM state (dom-state.ts); made at first use. */
  private domStates: Uint8Array | null = null;

  /**
   * `checked` is for a graph rebuilt on another thread from the columns of
   * one that was already validated (its edge targets already ordinals).
   */
  constructor(raw: RawSnapshot, file: string, checked = false) {
    this.file = file;
    this.fileBytes = raw.fileBytes;
    this.meta = raw.meta;
    this.nodeCount = raw.nodeCount;
    this.edgeCount = raw.edgeCount;
    this.strings = raw.strings instanceof StringTable ? raw.strings : StringTable.fromStrings(raw.strings);
    this.locations = raw.locations ?? null;
    this.trace = raw.trace ?? null;
    const { node_fields: nodeFields, edge_fields: edgeFields } = raw.meta;
    this.nodeFieldCount = nodeFields.length;
    this.edgeFieldCount = edgeFields.length;
    this.nodeTypeOffset = fieldIndex(nodeFields, 'type', file);
    this.nodeNameOffset = fieldIndex(nodeFields, 'name', file);
    this.nodeIdOffset = fieldIndex(nodeFields, 'id', file);
    this.nodeSelfSizeOffset = fieldIndex(nodeFields, 'self_size', file);
    this.nodeEdgeCountOffset = fieldIndex(nodeFields, 'edge_count', file);
    this.nodeTraceNodeIdOffset = fieldIndex(nodeFields, 'trace_node_id', file, false);
    this.edgeTypeOffset = fieldIndex(edgeFields, 'type', file);
    this.edgeNameOrIndexOffset = fieldIndex(edgeFields, 'name_or_index', file);
    this.edgeToNodeOffset = fieldIndex(edgeFields, 'to_node', file);
    this.nodeTypeNames = typeNames(raw.meta.node_types, this.nodeTypeOffset, file, 'node');
    this.edgeTypeNames = typeNames(raw.meta.edge_types, this.edgeTypeOffset, file, 'edge');
    this.weakEdgeType = this.edgeTypeNames.indexOf('weak');
    this.elementEdgeType = this.edgeTypeNames.indexOf('element');
    this.hiddenEdgeType = this.edgeTypeNames.indexOf('hidden');
    this.internalEdgeType = this.edgeTypeNames.indexOf('internal');
    this.shortcutEdgeType = this.edgeTypeNames.indexOf('shortcut');
    const { nodes, edges } = raw.columns ?? columnsOf(raw, file);
    this.nodeTypes = nodes.types;
    this.nodeNames = nodes.names;
    this.nodeIds = nodes.ids;
    this.nodeSelfSizes = nodes.selfSizes;
    this.nodeTraceNodeIds = nodes.traceNodeIds;
    this.nodeDetachedness = nodes.detachedness;
    this.firstEdgeIndexes = nodes.firstEdgeIndexes;
    this.edgeCountSum = nodes.edgeCountSum;
    this.edgeTypes = edges.types;
    this.edgeNamesOrIndexes = edges.namesOrIndexes;
    this.edgeTargets = edges.targets;
    if (!checked) {
      if (!nodes.checks || !edges.checks)
        throw new Error('columns without their checks (columns.ts builders make them)');
      this.validate(nodes.checks, edges.checks);
    }
    this.weakHolders = new Uint8Array(this.nodeCount);
    const synthetic = this.nodeTypeNames.indexOf('synthetic');
    for (let o = 0; o < this.nodeCount; o++) {
      if (this.nodeTypeIndex(o) === synthetic && WEAK_HOLDERS.has(this.nodeName(o))) this.weakHolders[o] = 1;
    }
  }

  /**
   * True when the edges leaving this node do not keep their targets alive
   * (V8's string tables), for the reachability trace and distances. Dominators
   * and retained sizes do not use it: DevTools counts these edges as strong.
   */
  holdsWeakly(ordinal: number): boolean {
    return this.weakHolders[ordinal] === 1;
  }

  /**
   * Checks every type, name and target index is in range (and the edge counts'
   * sum), from what the column builders noted as the records went by (the
   * largest indexes, the first bad target): no pass over the nodes or edges
   * unless something is wrong, and then one to name the first culprit.
   */
  private validate(nodes: NodeChecks, edges: EdgeChecks): void {
    const file = this.file;
    const stringCount = this.strings.length;
    // A type index past MAX_TYPE_INDEX is stored as it (columns.ts): unknown, whatever the type list says.
    const nodeTypeCount = Math.min(this.nodeTypeNames.length, MAX_TYPE_INDEX);
    const edgeTypeCount = Math.min(this.edgeTypeNames.length, MAX_TYPE_INDEX);
    if (this.nodeCount > 0 && (nodes.maxType >= nodeTypeCount || nodes.maxName >= stringCount)) {
      for (let o = 0; o < this.nodeCount; o++) {
        if (this.nodeTypes[o] >= nodeTypeCount) throw new SnapshotFormatError(file, `node ${o} has an unknown type`);
        if (this.nodeNames[o] >= stringCount)
          throw new SnapshotFormatError(
            file,
            `node ${o} names string ${this.nodeNames[o]}, but there are only ${stringCount} strings`,
          );
      }
    }
    if (this.edgeCountSum !== this.edgeCount) {
      throw new SnapshotFormatError(
        file,
        `edge count does not match: the nodes' edge counts add up to ${this.edgeCountSum}, edge_count is ${this.edgeCount}`,
      );
    }
    const namesString = (type: number): boolean => type !== this.elementEdgeType && type !== this.hiddenEdgeType;
    const badEdge = edges.badTarget;
    for (let type = 0; type <= MAX_TYPE_INDEX; type++) {
      if (edges.typeCounts[type] === 0) continue;
      if (type < edgeTypeCount && !(namesString(type) && edges.maxNameOfType[type] >= stringCount)) continue;
      // Some edge has an unknown type or names a string past the table: find the first, before any bad target.
      const end = badEdge < 0 ? this.edgeCount : badEdge;
      for (let e = 0; e < end; e++) {
        const t = this.edgeTypes[e];
        if (t >= edgeTypeCount) throw new SnapshotFormatError(file, `edge ${e} has an unknown type`);
        if (namesString(t) && this.edgeNamesOrIndexes[e] >= stringCount)
          throw new SnapshotFormatError(
            file,
            `edge ${e} names string ${this.edgeNamesOrIndexes[e]}, but there are only ${stringCount} strings`,
          );
      }
      break;
    }
    if (badEdge >= 0) {
      if (this.edgeTypes[badEdge] >= edgeTypeCount)
        throw new SnapshotFormatError(file, `edge ${badEdge} has an unknown type`);
      throw new SnapshotFormatError(file, `edge ${badEdge} points outside the node array (to_node ${edges.badToNode})`);
    }
  }

  nodeId(ordinal: number): number {
    return this.nodeIds[ordinal];
  }
  nodeSelfSize(ordinal: number): number {
    return this.nodeSelfSizes[ordinal];
  }
  nodeTypeIndex(ordinal: number): number {
    return this.nodeTypes[ordinal];
  }
  nodeTypeName(ordinal: number): string {
    return this.nodeTypeNames[this.nodeTypeIndex(ordinal)];
  }
  nodeNameIndex(ordinal: number): number {
    return this.nodeNames[ordinal];
  }
  nodeName(ordinal: number): string {
    return this.strings.get(this.nodeNameIndex(ordinal));
  }
  nodeEdgeCount(ordinal: number): number {
    return this.firstEdgeIndexes[ordinal + 1] - this.firstEdgeIndexes[ordinal];
  }
  /** The allocation trace node that allocated this node; 0 when unknown or not tracked. */
  nodeTraceNodeId(ordinal: number): number {
    return this.nodeTraceNodeIds === null ? 0 : this.nodeTraceNodeIds[ordinal];
  }
  /** The node's detachedness field (0 when the snapshot has none). */
  nodeDetachednessValue(ordinal: number): number {
    return this.nodeDetachedness === null ? 0 : this.nodeDetachedness[ordinal];
  }
  /**
   * The node's class: its constructor's name, for a plain object its shape when
   * shapes were applied, for a DOM element its tag (`<li>`, `Detached <li>`).
   */
  className(ordinal: number): string {
    const shape = this.shapeIndex(ordinal);
    return shape >= 0 ? this.shapeNames[shape] : classNameOf(this.nodeTypeName(ordinal), this.displayName(ordinal));
  }
  /** True for a native node out of the document (a detached DOM tree's), as DevTools decides it (dom-state.ts). */
  isDetached(ordinal: number): boolean {
    this.domStates ??= propagateDOMState(this);
    return this.domStates[ordinal] === DOM_DETACHED;
  }
  /** The node's name as DevTools shows it: `Detached <div class="x">` for a detached DOM node, else its name. */
  displayName(ordinal: number): string {
    return this.isDetached(ordinal) ? detachedName(this.nodeName(ordinal)) : this.nodeName(ordinal);
  }
  /** The node's constructor name (for a plain object, `Object` whatever its shape). */
  constructorName(ordinal: number): string {
    return classNameOf(this.nodeTypeName(ordinal), this.nodeName(ordinal));
  }
  /** Index of the node's object shape in shapeNames, -1 when it has none. */
  shapeIndex(ordinal: number): number {
    return this.shapeOf === null ? -1 : this.shapeOf[ordinal];
  }
  /** Set by engine/shapes.ts applyShapes. */
  setObjectShapes(shapeOf: Int32Array | null, names: readonly string[]): void {
    this.shapeOf = shapeOf;
    this.shapeNames = names;
    this.shapesApplied = true;
  }
  /** Back to no shapes applied, as read. */
  clearObjectShapes(): void {
    this.shapeOf = null;
    this.shapeNames = [];
    this.shapesApplied = false;
  }
  classType(ordinal: number): string {
    return classTypeOf(this.nodeTypeName(ordinal));
  }

  /** Edge ordinal of the node's first edge; its edges run to firstEdge(ordinal + 1). */
  firstEdge(ordinal: number): number {
    return this.firstEdgeIndexes[ordinal];
  }
  edgeTypeIndex(edge: number): number {
    return this.edgeTypes[edge];
  }
  edgeTypeName(edge: number): string {
    return this.edgeTypeNames[this.edgeTypeIndex(edge)];
  }
  /** Property or variable name; for element and hidden edges the index, as a string. */
  edgeName(edge: number): string {
    const type = this.edgeTypeIndex(edge);
    const nameOrIndex = this.edgeNamesOrIndexes[edge];
    return type === this.elementEdgeType || type === this.hiddenEdgeType
      ? String(nameOrIndex)
      : this.strings.get(nameOrIndex);
  }
  /** The raw name_or_index field: a string index, except for element and hidden edges. */
  edgeNameIndex(edge: number): number {
    return this.edgeNamesOrIndexes[edge];
  }
  edgeTarget(edge: number): number {
    return this.edgeTargets[edge];
  }
  isWeakEdge(edge: number): boolean {
    return this.edgeTypeIndex(edge) === this.weakEdgeType;
  }
  isElementEdge(edge: number): boolean {
    return this.edgeTypeIndex(edge) === this.elementEdgeType;
  }
  isInternalEdge(edge: number): boolean {
    return this.edgeTypeIndex(edge) === this.internalEdgeType;
  }
  isShortcutEdge(edge: number): boolean {
    return this.edgeTypeIndex(edge) === this.shortcutEdgeType;
  }

  /** Ordinal of the node an edge leaves from: binary search over the first-edge offsets. */
  edgeSource(edge: number): number {
    const first = this.firstEdgeIndexes;
    let lo = 0;
    let hi = this.nodeCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (first[mid] <= edge) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Node ordinals sorted by node id (radix sort, linear time): the order the diff merges two snapshots in. Made
   * once per graph and shared by every caller (the merge, the growth passes, ordinalOfId): read it, never write it.
   */
  ordinalsById(): Uint32Array {
    this.idOrder ??= sortedOrder(this.nodeIds);
    return this.idOrder;
  }

  /** Ordinal of the node with this id, or -1: a binary search over ordinalsById. */
  ordinalOfId(nodeId: number): number {
    const order = this.ordinalsById();
    const ids = this.nodeIds;
    let lo = 0;
    let hi = order.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const id = ids[order[mid]];
      if (id < nodeId) lo = mid + 1;
      else if (id > nodeId) hi = mid - 1;
      else return order[mid];
    }
    return -1;
  }
}

/**
 * The columns of a snapshot given as the file's flat arrays (memlab's parser,
 * graphs built in tests); shared memory when the arrays are.
 */
function columnsOf(raw: RawSnapshot, file: string): { nodes: NodeColumns; edges: EdgeColumns } {
  const { nodes, edges, meta } = raw;
  if (!nodes || !edges) throw new SnapshotFormatError(file, 'not a heap snapshot (no "nodes" or "edges")');
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  if (nodes.length !== raw.nodeCount * nodeFields || edges.length !== raw.edgeCount * edgeFields)
    throw new SnapshotFormatError(file, 'node or edge count does not match the arrays');
  const memory = nodes.buffer instanceof SharedArrayBuffer ? sharedMemory : plainMemory;
  const nodeColumns = new NodeColumnsBuilder(meta.node_fields, raw.nodeCount, raw.nodeCount, memory);
  nodeColumns.push(nodes, 0, nodes.length);
  const edgeColumns = new EdgeColumnsBuilder(
    meta.edge_fields,
    raw.edgeCount,
    raw.edgeCount,
    memory,
    nodeFields,
    raw.nodeCount,
  );
  edgeColumns.push(edges, 0, edges.length);
  return { nodes: nodeColumns.finish(), edges: edgeColumns.finish() };
}
