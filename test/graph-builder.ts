// Tiny heap graphs declared in code, for unit tests of the analysis passes
// (DevTools tests its HeapSnapshot passes the same way). A graph is a list of
// nodes and a list of edges; the builder gives the same HeapGraph the reader
// builds from a file, the snapshot JSON itself (for DevTools' engine, the
// oracle), or a file (for the functions that take paths).
import { writeFileSync } from 'node:fs';
import { HeapGraph } from '../src/engine/index.js';
import type { RawSnapshot, SnapshotMetaJson } from '../src/engine/raw-snapshot.js';

/** V8's node and edge types, in V8's order (v8/src/profiler/heap-snapshot-generator.h). */
export const NODE_TYPES = [
  'hidden',
  'array',
  'string',
  'object',
  'code',
  'closure',
  'regexp',
  'number',
  'native',
  'synthetic',
  'concatenated string',
  'sliced string',
  'symbol',
  'bigint',
  'object shape',
];
export const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

const NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
const EDGE_FIELDS = ['type', 'name_or_index', 'to_node'];

export const META: SnapshotMetaJson = {
  node_fields: NODE_FIELDS,
  node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
  edge_fields: EDGE_FIELDS,
  edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
};

export interface NodeSpec {
  name: string;
  /** V8 node type; default 'object' ('synthetic' for the first node, the root). */
  type?: string;
  /** Self size, bytes; default 0. */
  size?: number;
  /** Node id; default 2 × ordinal + 1 (V8 gives heap objects odd ids). Give it to share objects between two snapshots. */
  id?: number;
  /** What edges call this node when its name is not unique or not handy. */
  key?: string;
  /** Blink's DOM state of the node: 0 unknown (default), 1 attached, 2 detached. */
  detachedness?: number;
}

/** A node: its ordinal, or its key (else its name) when that is unique. */
export type NodeRef = number | string;

/**
 * [from, to, type (default 'property'), name (default 'ref'; for element and
 * hidden edges the index, default 0)]. Edges leave a node in the order listed.
 */
export type EdgeSpec = [from: NodeRef, to: NodeRef, type?: string, name?: string | number];

export interface GraphSpec {
  /** The first node is the synthetic root. */
  nodes: NodeSpec[];
  edges: EdgeSpec[];
  /** Extra strings in the string table (e.g. a marker the analysis looks for). */
  strings?: string[];
}

/** Shorthand for a node: `node('a', 10)`, `node('(GC roots)', 0, 'synthetic')`. */
export function node(
  name: string,
  size = 0,
  type?: string,
  more: Omit<NodeSpec, 'name' | 'size' | 'type'> = {},
): NodeSpec {
  return { name, size, type, ...more };
}

function resolver(nodes: NodeSpec[]): (ref: NodeRef) => number {
  const byKey = new Map<string, number>();
  const ambiguous = new Set<string>();
  for (const [o, n] of nodes.entries()) {
    const key = n.key ?? n.name;
    if (byKey.has(key)) ambiguous.add(key);
    byKey.set(key, o);
  }
  return (ref) => {
    if (typeof ref === 'number') {
      if (ref < 0 || ref >= nodes.length) throw new Error(`graph-builder: no node ${ref}`);
      return ref;
    }
    const o = byKey.get(ref);
    if (o === undefined) throw new Error(`graph-builder: no node named ${JSON.stringify(ref)}`);
    if (ambiguous.has(ref))
      throw new Error(`graph-builder: more than one node named ${JSON.stringify(ref)}: give a key`);
    return o;
  };
}

/** The arrays of a snapshot file: to_node holds ordinal × node field count, as V8 writes it. */
function flatten(spec: GraphSpec): { nodes: number[]; edges: number[]; strings: string[] } {
  const at = resolver(spec.nodes);
  const strings: string[] = [];
  const index = new Map<string, number>();
  const stringIndex = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      index.set(s, i);
    }
    return i;
  };
  const typeIndex = (types: string[], type: string): number => {
    const i = types.indexOf(type);
    if (i < 0) throw new Error(`graph-builder: unknown type ${JSON.stringify(type)}`);
    return i;
  };
  const bySource = spec.nodes.map((): EdgeSpec[] => []);
  for (const edge of spec.edges) bySource[at(edge[0])].push(edge);
  const nodes: number[] = [];
  for (const [o, n] of spec.nodes.entries()) {
    nodes.push(
      typeIndex(NODE_TYPES, n.type ?? (o === 0 ? 'synthetic' : 'object')),
      stringIndex(n.name),
      n.id ?? 2 * o + 1,
      n.size ?? 0,
      bySource[o].length,
      0,
      n.detachedness ?? 0,
    );
  }
  const edges: number[] = [];
  for (const out of bySource) {
    for (const [, to, type = 'property', name] of out) {
      const indexed = type === 'element' || type === 'hidden';
      const nameOrIndex = indexed ? Number(name ?? 0) : stringIndex(String(name ?? 'ref'));
      edges.push(typeIndex(EDGE_TYPES, type), nameOrIndex, at(to) * NODE_FIELDS.length);
    }
  }
  for (const s of spec.strings ?? []) stringIndex(s);
  return { nodes, edges, strings };
}

/** The HeapGraph the reader would build from this graph's file, without the file. */
export function buildGraph(spec: GraphSpec, file = 'test.heapsnapshot'): HeapGraph {
  const { nodes, edges, strings } = flatten(spec);
  const raw: RawSnapshot = {
    meta: META,
    nodeCount: spec.nodes.length,
    edgeCount: edges.length / EDGE_FIELDS.length,
    nodes: Uint32Array.from(nodes),
    edges: Uint32Array.from(edges),
    strings,
    fileBytes: 0,
  };
  return new HeapGraph(raw, file);
}

/** The graph as .heapsnapshot JSON. */
export function snapshotJson(spec: GraphSpec): string {
  const { nodes, edges, strings } = flatten(spec);
  return JSON.stringify({
    snapshot: { meta: META, node_count: spec.nodes.length, edge_count: edges.length / EDGE_FIELDS.length },
    nodes,
    edges,
    strings,
  });
}

/** Writes the graph as a .heapsnapshot file and returns its path. */
export function writeGraph(file: string, spec: GraphSpec): string {
  writeFileSync(file, snapshotJson(spec));
  return file;
}

/**
 * The graph without some nodes (and every edge to or from them), the others
 * keeping their ids: the earlier snapshot of a pair whose later one is `spec`
 * and whose new objects are `removed`.
 */
export function withoutNodes(spec: GraphSpec, removed: NodeRef[]): GraphSpec {
  const at = resolver(spec.nodes);
  const gone = new Set(removed.map(at));
  if (gone.has(0)) throw new Error('graph-builder: the root stays');
  const kept = spec.nodes.map((n, o) => ({ ...n, id: n.id ?? 2 * o + 1 })).filter((_, o) => !gone.has(o));
  const ordinal = new Map<number, number>();
  for (let o = 0, k = 0; o < spec.nodes.length; o++) if (!gone.has(o)) ordinal.set(o, k++);
  const edges = spec.edges
    .filter(([from, to]) => !gone.has(at(from)) && !gone.has(at(to)))
    .map(([from, to, ...rest]): EdgeSpec => [ordinal.get(at(from))!, ordinal.get(at(to))!, ...rest]);
  return { nodes: kept, edges, strings: spec.strings };
}
