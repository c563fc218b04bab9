// Object shapes as DevTools names them: a plain object (`Object`) is put in a
// class named by its properties, `{user, path, ts}`, when enough objects share
// them, so a leak of one kind of object literal is not lost in one `Object`
// row. Follows DevTools' HeapSnapshot inferInterfaceDefinitions (which shapes
// become classes, from one snapshot) and applyInterfaceDefinitions (which
// class each object falls in: the definition with the most properties that the
// object has all of). The Comparison view names both snapshots with the later
// one's definitions; leakscan does the same.
import type { HeapGraph } from './graph.js';

/** DevTools' limits (HeapSnapshot.ts). */
const MIN_INTERFACE_PROPERTY_COUNT = 1;
const MAX_INTERFACE_NAME_LENGTH = 120;
const MIN_OBJECT_COUNT_PER_INTERFACE = 2;
const MIN_OBJECT_PROPORTION_PER_INTERFACE = 1000;

/** One shape class: its name (`{a, b}`) and the properties an object needs to be in it. */
export interface ShapeDefinition {
  name: string;
  properties: string[];
}

/**
 * The plain objects of a graph grouped by their property edges (names in edge
 * order): per node its signature (-1 for other nodes), and per signature its
 * property names, how many objects have it and the first one's ordinal.
 */
export interface ObjectSignatures {
  ofNode: Int32Array;
  properties: string[][];
  counts: number[];
  firstOrdinals: number[];
  /** Plain objects in the graph, with or without properties. */
  plainObjects: number;
}

/** One pass over the plain objects (type object, named `Object`); signatures found by a hash of their edges' name indexes. */
export function objectSignatures(graph: HeapGraph): ObjectSignatures {
  const ofNode = new Int32Array(graph.nodeCount).fill(-1);
  const result: ObjectSignatures = { ofNode, properties: [], counts: [], firstOrdinals: [], plainObjects: 0 };
  const objectType = graph.nodeTypeNames.indexOf('object');
  const propertyType = graph.edgeTypeNames.indexOf('property');
  const objectName = graph.strings.indexOf('Object');
  if (objectType < 0 || objectName < 0 || propertyType < 0) return result;
  const { nodeTypes, nodeNames, edgeTypes, edgeNamesOrIndexes, firstEdgeIndexes } = graph;
  /** hash → signatures with it, each as its edge name indexes. */
  const byHash = new Map<number, number[]>();
  const rawOf: Uint32Array[] = [];
  const scratch: number[] = [];
  let last = -1;
  for (let o = 0; o < graph.nodeCount; o++) {
    if (nodeTypes[o] !== objectType || nodeNames[o] !== objectName) continue;
    result.plainObjects++;
    // Objects of one shape come in runs: first compare with the previous object's signature, in place.
    if (last >= 0) {
      const raw = rawOf[last];
      let at = 0;
      let same = true;
      for (let e = firstEdgeIndexes[o], end = firstEdgeIndexes[o + 1]; e < end && same; e++) {
        if (edgeTypes[e] !== propertyType) continue;
        same = at < raw.length && raw[at++] === edgeNamesOrIndexes[e];
      }
      if (same && at === raw.length) {
        result.counts[last]++;
        ofNode[o] = last;
        continue;
      }
    }
    scratch.length = 0;
    let hash = 0x811c9dc5;
    for (let e = firstEdgeIndexes[o], end = firstEdgeIndexes[o + 1]; e < end; e++) {
      if (edgeTypes[e] !== propertyType) continue;
      const name = edgeNamesOrIndexes[e];
      scratch.push(name);
      hash = Math.imul(hash ^ name, 0x01000193);
    }
    let sig = -1;
    const candidates = byHash.get(hash);
    if (candidates) {
      for (const c of candidates) {
        const raw = rawOf[c];
        if (raw.length !== scratch.length) continue;
        let same = true;
        for (let i = 0; i < raw.length && same; i++) same = raw[i] === scratch[i];
        if (same) {
          sig = c;
          break;
        }
      }
    }
    if (sig < 0) {
      sig = rawOf.length;
      rawOf.push(Uint32Array.from(scratch));
      result.properties.push(scratch.map((index) => graph.strings.get(index)));
      result.counts.push(0);
      result.firstOrdinals.push(o);
      if (candidates) candidates.push(sig);
      else byHash.set(hash, [sig]);
    }
    result.counts[sig]++;
    ofNode[o] = sig;
    last = sig;
  }
  return result;
}

/** DevTools' JSHeapSnapshotNode.formatPropertyName: names with `,'"{}` are quoted. */
export function formatPropertyName(name: string): string {
  if (!/[,'"{}]/.test(name)) return name;
  const quoted = JSON.stringify({ [name]: 0 });
  return quoted.substring(1, quoted.length - 3);
}

/** DevTools' inferInterfaceDefinitions, over signatures instead of nodes (the same counts and order). */
export function inferShapeDefinitions(signatures: ObjectSignatures): ShapeDefinition[] {
  const candidates = new Map<string, ShapeDefinition & { count: number; first: number }>();
  for (let sig = 0; sig < signatures.properties.length; sig++) {
    let name = '{';
    const properties: string[] = [];
    for (const property of signatures.properties[sig]) {
      if (property === '__proto__') continue;
      const formatted = formatPropertyName(property);
      if (name.length > MIN_INTERFACE_PROPERTY_COUNT && name.length + formatted.length > MAX_INTERFACE_NAME_LENGTH)
        break;
      if (name.length !== 1) name += ', ';
      name += formatted;
      properties.push(property);
    }
    if (properties.length === 0) continue;
    name += '}';
    const candidate = candidates.get(name);
    if (candidate) {
      candidate.count += signatures.counts[sig];
      candidate.first = Math.min(candidate.first, signatures.firstOrdinals[sig]);
    } else {
      candidates.set(name, { name, properties, count: signatures.counts[sig], first: signatures.firstOrdinals[sig] });
    }
  }
  // DevTools meets the candidates in node order and sorts them stably by count.
  const sorted = [...candidates.values()].sort((a, b) => b.count - a.count || a.first - b.first);
  const minCount = Math.max(
    MIN_OBJECT_COUNT_PER_INTERFACE,
    signatures.plainObjects / MIN_OBJECT_PROPORTION_PER_INTERFACE,
  );
  const result: ShapeDefinition[] = [];
  for (const candidate of sorted) {
    if (candidate.count < minCount) break;
    result.push({ name: candidate.name, properties: candidate.properties });
  }
  return result;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  match: { name: string; propertyCount: number; index: number } | null;
  greatestNext: string | null;
}

/** DevTools' applyInterfaceDefinitions matcher: a function from an object's property names to its class name. */
export function shapeMatcher(definitions: readonly ShapeDefinition[]): (properties: readonly string[]) => string {
  const root: TrieNode = { next: new Map(), match: null, greatestNext: null };
  for (const [index, definition] of definitions.entries()) {
    let node = root;
    for (const property of [...definition.properties].sort()) {
      let next = node.next.get(property);
      if (!next) {
        next = { next: new Map(), match: null, greatestNext: null };
        node.next.set(property, next);
        if (node.greatestNext === null || node.greatestNext < property) node.greatestNext = property;
      }
      node = next;
    }
    node.match ??= { name: definition.name, propertyCount: definition.properties.length, index };
  }
  type Match = NonNullable<TrieNode['match']>;
  const better = (a: Match, b: Match | null): Match =>
    !b || a.propertyCount > b.propertyCount ? a : b.propertyCount > a.propertyCount ? b : a.index <= b.index ? a : b;
  const fallback: Match = { name: 'Object', propertyCount: 0, index: Number.POSITIVE_INFINITY };
  return (properties) => {
    const sorted = [...properties].sort();
    const states = new Set<TrieNode>([root]);
    let match = better(fallback, root.match);
    for (const property of sorted) {
      for (const state of Array.from(states)) {
        if (state.greatestNext === null || property >= state.greatestNext) states.delete(state);
        const next = state.next.get(property);
        if (next) {
          states.add(next);
          match = better(match, next.match);
        }
      }
    }
    return match.name;
  };
}

/** Per signature, its class name under `definitions` ('Object' when none fits). */
export function nameSignatures(
  signatures: Pick<ObjectSignatures, 'properties'>,
  definitions: readonly ShapeDefinition[],
): string[] {
  const match = shapeMatcher(definitions);
  return signatures.properties.map((properties) => match(properties));
}

/** Names the graph's plain objects by `definitions` (see HeapGraph.className). Uses up `signatures`. */
export function applyShapes(
  graph: HeapGraph,
  definitions: readonly ShapeDefinition[],
  signatures: ObjectSignatures = objectSignatures(graph),
): void {
  const names = nameSignatures(signatures, definitions);
  // Only signatures named otherwise than `Object` need a per-node entry.
  const named: number[] = names.map((name) => (name === 'Object' ? -1 : 0));
  const shapeNames: string[] = [];
  const byName = new Map<string, number>();
  for (const [sig, name] of names.entries()) {
    if (named[sig] < 0) continue;
    let id = byName.get(name);
    if (id === undefined) {
      id = shapeNames.length;
      shapeNames.push(name);
      byName.set(name, id);
    }
    named[sig] = id;
  }
  if (shapeNames.length === 0) {
    graph.setObjectShapes(null, []);
    return;
  }
  // In place: the signatures' per-node array becomes the per-node shape (the caller is done with it).
  const ofNode = signatures.ofNode;
  for (let o = 0; o < graph.nodeCount; o++) if (ofNode[o] >= 0) ofNode[o] = named[ofNode[o]];
  graph.setObjectShapes(ofNode, shapeNames);
}
