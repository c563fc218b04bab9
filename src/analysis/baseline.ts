// What a diff keeps of its before snapshot (the Baseline: ids, classes, self
// sizes, sorted by id), and how one node is recognised across two snapshots
// of one process (same id, same kind, same text for strings).
import { stringTypeFlags } from '../classes.js';
import { calculateDistances, calculateShallowSizes, type HeapGraph } from '../engine/index.js';
import type { SnapshotMeta } from '../types.js';
import { ClassTable } from './class-table.js';
import { type BaselineShapes, baselineShapes } from './object-shapes.js';
import { snapshotMeta } from './snapshot-meta.js';

/** What the diff keeps of the before snapshot: parallel arrays sorted by node id, one entry per node. */
export interface Baseline {
  ids: Uint32Array;
  classOf: Uint32Array;
  selfSize: Uint32Array;
  /** Hash of the content of string nodes, 0 for other nodes (see checkSameProcess). */
  stringHash: Uint32Array;
  /** V8 node type index (snapshot.meta's node types, the same list in both snapshots of one process). */
  nodeType: Uint8Array;
  meta: SnapshotMeta;
  /** Class numbering shared with every snapshot diffed against this baseline. */
  table: ClassTable;
  /** Newest V8 heap object's id in the whole snapshot (newestHeapObjectId, checkOrder). */
  maxNodeId: number;
  /** Fingerprint of the process (globalOrderOf), 0 when unknown. */
  globalOrder: number;
  /** The plain objects' properties, to class them by the after snapshot's object shapes (object-shapes.ts). */
  shapes: BaselineShapes | null;
}

/**
 * Every object of before, as DevTools' Comparison view takes its base: an id
 * seen in before is not new in after even if nothing strong held it then.
 */
export function baselineOf(graph: HeapGraph): Baseline {
  const table = new ClassTable();
  // Only what is reachable counts here (for the header's size): plain distances, no paths.
  const distance = calculateDistances(graph);
  const count = graph.nodeCount;
  const order = graph.ordinalsById();
  const ids = new Uint32Array(count);
  const classOf = new Uint32Array(count);
  const selfSize = new Uint32Array(count);
  const stringHash = new Uint32Array(count);
  const nodeType = new Uint8Array(count);
  const shallow = calculateShallowSizes(graph);
  const stringTypes = stringTypeFlags(graph.nodeTypeNames);
  for (let i = 0; i < count; i++) {
    const o = order[i];
    ids[i] = graph.nodeId(o);
    classOf[i] = table.indexOf(graph, o);
    selfSize[i] = shallow[o];
    stringHash[i] = stringTypes[graph.nodeTypeIndex(o)] === 1 ? stringHashOf(graph, o) : 0;
    nodeType[i] = graph.nodeTypeIndex(o);
  }
  return {
    ids,
    classOf,
    selfSize,
    stringHash,
    nodeType,
    meta: snapshotMeta(graph, { distance }),
    table,
    maxNodeId: newestHeapObjectId(graph),
    globalOrder: globalOrderOf(graph),
    shapes: baselineShapes(graph, (i) => order[i]),
  };
}

/**
 * Largest id of a V8 heap object. V8 numbers heap objects with odd ids in the
 * order it first sees them; embedder objects (Node's and Blink's C++ objects)
 * get even ids derived from their addresses, which say nothing of age.
 */
export function newestHeapObjectId(graph: HeapGraph): number {
  let newest = 0;
  for (let o = 0; o < graph.nodeCount; o++) {
    const id = graph.nodeId(o);
    if ((id & 1) === 1 && id > newest) newest = id;
  }
  return newest;
}

/**
 * A fingerprint of the process a snapshot comes from: the order of the
 * global object's properties. V8 keeps a global's properties in a hash table
 * whose order follows the string hash seed, random per process: two runs of
 * one program list them in different orders, two snapshots of one process in
 * the same (unless the table grew). 0 when the heap has no global object.
 */
export function globalOrderOf(graph: HeapGraph): number {
  const globalThisName = graph.strings.indexOf('globalThis');
  if (globalThisName < 0) return 0;
  const property = graph.edgeTypeNames.indexOf('property');
  for (let o = 0; o < graph.nodeCount; o++) {
    const end = graph.firstEdge(o + 1);
    let isGlobal = false;
    for (let e = graph.firstEdge(o); e < end && !isGlobal; e++) {
      isGlobal = graph.edgeTypeIndex(e) === property && graph.edgeNameIndex(e) === globalThisName;
    }
    if (!isGlobal) continue;
    let hash = 0x811c9dc5;
    let names = 0;
    for (let e = graph.firstEdge(o); e < end && names < 256; e++) {
      if (graph.edgeTypeIndex(e) !== property) continue;
      names++;
      const text = graph.edgeName(e);
      for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
      hash = Math.imul(hash ^ 0x2c, 0x01000193);
    }
    // A handful of properties says nothing about a hash table's order.
    return names >= 16 ? (hash | 1) >>> 0 : 0;
  }
  return 0;
}

/** A hash of a string node's content (StringTable.hashOf), never 0; 0 for other nodes. */
export function stringHashOf(graph: HeapGraph, ordinal: number): number {
  if (graph.classType(ordinal) !== 'string') return 0;
  return graph.strings.hashOf(graph.nodeNameIndex(ordinal));
}

export function beforeClassMatches(baseline: Baseline, index: number, graph: HeapGraph, ordinal: number): boolean {
  return baseline.classOf[index] === baseline.table.indexOf(graph, ordinal);
}
