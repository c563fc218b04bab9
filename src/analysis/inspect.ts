// One snapshot, postmortem: what holds the memory.

import { INTERNAL_TYPES } from '../classes.js';
import { type HeapGraph, type PendingDominance, startDominance } from '../engine/index.js';
import { applyShapes, inferShapeDefinitions, objectSignatures } from '../engine/shapes.js';
import { UsageError } from '../errors.js';
import type {
  ClassSummary,
  DuplicatedString,
  InspectResult,
  ObjectSummary,
  RetainerPath,
  YourClass,
} from '../types.js';
import { detachedDomGroups } from './browser.js';
import { isShapeClass } from './class-table.js';
import { classifyReachable } from './classify.js';
import { type AnalysisProgress, type Engine, loadGraph } from './diff.js';
import { dominatorChildren, setRetainedSizes } from './dominance.js';
import { drillDown } from './drill.js';
import { isJsIdentifier, isUserLocation } from './ownership.js';
import { holderLabel, retainerPath } from './paths.js';
import { prepareGraph } from './prepare.js';
import { snapshotMeta } from './snapshot-meta.js';
import { isTransientRoot, type RootTrace, UNREACHED } from './trace.js';
import { type ClassWhere, whereOfClasses, whereOfNode } from './where.js';

export interface InspectOptions {
  /** Rows per table. Default 20 for classes, 10 for objects and strings. */
  top?: number;
  /** Node id to explain (retainer path). */
  id?: number;
  /** Class whose largest instances to list. */
  className?: string;
  /** With id: levels of what the object retains to list (its dominator-tree children). Default 2. */
  depth?: number;
  includeInternal?: boolean;
  onProgress?: (event: AnalysisProgress) => void;
  /** Whose parser reads the file (DiffOptions.engine). */
  engine?: Engine;
}

const STRING_CUT = 100;
const INSTANCE_TYPES: ReadonlySet<string> = new Set(['object', 'native']);

export async function inspectSnapshot(file: string, options: InspectOptions = {}): Promise<InspectResult> {
  const graph = await loadGraph(file, options.onProgress, options.engine);
  const dominance = startDominance(graph);
  try {
    return await inspectPasses(graph, options, dominance);
  } finally {
    dominance.cancel(); // done already, or no longer needed after a failure
  }
}

async function inspectPasses(
  graph: HeapGraph,
  options: InspectOptions,
  dominance: PendingDominance,
): Promise<InspectResult> {
  const { onProgress } = options;
  const file = graph.file;
  // Plain objects named by their shape ({user, path, ts}), as DevTools' Summary view does.
  const signatures = objectSignatures(graph);
  applyShapes(graph, inferShapeDefinitions(signatures), signatures);
  const {
    trace,
    shallowSizes: shallow,
    dominators,
    retainedSizes,
    meanwhile: { table, memberClass, count, selfSize },
  } = await prepareGraph(graph, {
    dominance,
    onProgress,
    // One snapshot's classes need no dominators: classified while they are computed.
    meanwhile: ({ trace, shallowSizes }) =>
      classifyReachable(graph, trace, shallowSizes, options.includeInternal === true),
  });
  const reachable = (o: number): boolean => trace.distance[o] !== UNREACHED;
  const tree = dominatorChildren(graph, dominators, reachable);
  const retained = setRetainedSizes(graph, tree, retainedSizes, memberClass, table.size, {
    ownerClass: new Uint8Array(table.size).fill(1),
    holders: false,
  });
  const summaries: ClassSummary[] = [];
  for (let cls = 0; cls < table.size; cls++) {
    if (count.get(cls) === 0) continue;
    const { name, type, constructorName } = table.keys[cls];
    const summary: ClassSummary = {
      name,
      type,
      count: count.get(cls),
      selfSize: selfSize.get(cls),
      retainedSize: retained.perClass[cls],
    };
    if (constructorName !== undefined) summary.constructorName = constructorName;
    summaries.push(summary);
  }
  const classTop = options.top ?? 20;
  const objectTop = options.top ?? 10;
  const byRetainedSize = [...summaries]
    .sort((a, b) => b.retainedSize - a.retainedSize || b.count - a.count)
    .slice(0, classTop);
  const byCount = [...summaries]
    .sort((a, b) => b.count - a.count || b.retainedSize - a.retainedSize)
    .slice(0, classTop);
  const listed = new Map<ClassSummary, number>();
  for (let cls = 0, i = 0; cls < table.size; cls++) if (count.get(cls) !== 0) listed.set(summaries[i++], cls);
  // Where the listed classes and the candidates for the user's own are defined, in one pass over the nodes.
  const yourCandidates = largestOfTypes(summaries, YOUR_TYPES, YOURS_SEARCHED);
  const wanted = new Set([...byRetainedSize, ...byCount, ...yourCandidates].map((c) => listed.get(c)!));
  const where = whereOfClasses(graph, (o) => (shallow[o] === 0 ? -1 : memberClass[o]), wanted, shallow);
  for (const c of [...byRetainedSize, ...byCount]) {
    const location = where.get(listed.get(c)!)?.location;
    if (location) c.location = location;
  }

  const summarize = (o: number): ObjectSummary => {
    const summary: ObjectSummary = {
      nodeId: graph.nodeId(o),
      name: graph.className(o),
      type: graph.nodeTypeName(o),
      selfSize: shallow[o],
      retainedSize: retainedSizes[o],
      retainerPath: retainerPath(graph, trace, o),
    };
    const { location, allocationStack } = whereOfNode(graph, o);
    if (location) summary.location = location;
    if (allocationStack) summary.allocationStack = allocationStack;
    return summary;
  };

  let object: ObjectSummary | null = null;
  if (options.id !== undefined) {
    const o = graph.ordinalOfId(options.id);
    if (o < 0) throw new UsageError(`${file}: no object with id @${options.id}`);
    object = summarize(o);
    // Every node, reachable or not, as DevTools' tree has them: the children's retained sizes add up.
    const drilled = drillDown(graph, dominatorChildren(graph, dominators), trace, shallow, retainedSizes, o, {
      depth: options.depth,
      top: options.top,
    });
    object.retains = drilled.retains;
    if (drilled.omitted) object.retainsOmitted = drilled.omitted;
  }

  let classInstances: ObjectSummary[] | null = null;
  if (options.className !== undefined) {
    const wanted = options.className;
    // Instances are objects; the constructor (a closure) and its code share the name.
    const matches = (o: number, types: ReadonlySet<string> | null): boolean =>
      reachable(o) &&
      graph.className(o) === wanted &&
      (types === null ? !INTERNAL_TYPES.has(graph.classType(o)) : types.has(graph.nodeTypeName(o)));
    const instances: number[] = [];
    for (let o = 0; o < graph.nodeCount; o++) if (matches(o, INSTANCE_TYPES)) instances.push(o);
    if (instances.length === 0) {
      for (let o = 0; o < graph.nodeCount; o++) if (matches(o, null)) instances.push(o);
    }
    if (instances.length === 0) throw new UsageError(`${file}: no reachable object of class ${wanted}`);
    instances.sort((a, b) => retainedSizes[b] - retainedSizes[a]);
    classInstances = instances.slice(0, objectTop).map((o) => {
      const summary = summarize(o);
      // Named around its dominator: the object whose loss would free it ("sessions[…]", "server._events").
      const dominator = dominators[o];
      summary.holder = holderLabel(
        summary.retainerPath,
        dominator === graph.rootOrdinal ? undefined : graph.nodeId(dominator),
      );
      return summary;
    });
  }

  onProgress?.({ phase: 'analyze', file, step: 'largest objects' });
  const snapshot = snapshotMeta(graph, trace);
  return {
    snapshot,
    byRetainedSize,
    byCount,
    largestObjects: largestObjects(graph, trace, dominators, retainedSizes, memberClass, objectTop).map(summarize),
    duplicatedStrings: duplicatedStrings(graph, trace, objectTop),
    object,
    classInstances,
    ...(snapshot.runtime === 'browser' ? { detachedDom: detachedDomGroups(graph, trace, { retainedSizes }) } : {}),
    yours: yourClasses(
      graph,
      trace,
      dominators,
      memberClass,
      retained.perClass,
      yourCandidates,
      listed,
      where,
      snapshot.reachableSize,
      (cls) => isShapeClass(table.keys[cls]),
    ),
    engine: options.engine ?? 'leakscan',
  };
}

/** Classes of the user's listed first by inspect; of the largest classes (of YOUR_TYPES) this many are looked at for them. */
const YOURS_SHOWN = 3;
const YOURS_SEARCHED = 200;
const YOUR_TYPES: ReadonlySet<string> = new Set(['object', 'closure']);

/** The `count` classes of those types with the largest retained sizes. */
function largestOfTypes(summaries: ClassSummary[], types: ReadonlySet<string>, count: number): ClassSummary[] {
  return summaries
    .filter((c) => types.has(c.type))
    .sort((a, b) => b.retainedSize - a.retainedSize)
    .slice(0, count);
}
/** Share of the reachable heap a function made once must retain to be listed among the user's objects. */
const MADE_ONCE_SHARE = 0.01;
/**
 * Share of the reachable heap plain objects of one shape ({id, user, amount}: the user's records, of no class
 * and so of no place) must retain to be listed among the user's objects: what a batch script gathers.
 */
const SHAPE_SHARE = 0.1;
/** Dominators above each object looked at for its holder. */
const HOLDER_DEPTH = 12;

/**
 * The user's own classes (defined in their code, by `where`) among `largest`, with the nearest object holding at
 * least half of each one's objects (an array's or a Map's storage is read as the collection), named as the user
 * would type it. What an expert reads first in a postmortem: not `global` or Node's modules, but "420
 * ParsedRecord, held in parsedById".
 */
function yourClasses(
  graph: HeapGraph,
  trace: RootTrace,
  dominators: Uint32Array,
  memberClass: Int32Array,
  perClass: Float64Array,
  largest: ClassSummary[],
  listed: Map<ClassSummary, number>,
  where: ReadonlyMap<number, ClassWhere>,
  reachableSize: number,
  shaped: (cls: number) => boolean,
): YourClass[] {
  // A function made once (a class's constructor, a top-level handler) is the program's code, not memory it
  // gathered: listed only when it alone keeps a share of the heap (its scope holds the data).
  const madeOnceMin = MADE_ONCE_SHARE * reachableSize;
  const chosen = largest
    .map((c) => ({ summary: c, cls: listed.get(c)!, location: where.get(listed.get(c)!)?.location ?? null }))
    .filter((c) => isUserLocation(c.location) || (shaped(c.cls) && perClass[c.cls] >= SHAPE_SHARE * reachableSize))
    .filter((c) => !(c.summary.type === 'closure' && c.summary.count === 1 && perClass[c.cls] < madeOnceMin))
    .slice(0, YOURS_SHOWN);
  if (chosen.length === 0) return [];
  // Per chosen class, how many of its objects each of their dominators (up to HOLDER_DEPTH levels up) holds: the
  // holder is the nearest one holding at least half (the collection, not each object's own wrapper, a listener's
  // scope, nor the global object above two collections; a Map's table stands for the Map). Counted in one array
  // over the nodes, a class at a time: a class of a million objects costs no Map entry per object.
  const slot = new Map(chosen.map((c, i) => [c.cls, i]));
  const members: number[][] = chosen.map(() => []);
  for (let o = 0; o < graph.nodeCount; o++) {
    const i = slot.get(memberClass[o]);
    if (i !== undefined && trace.distance[o] !== UNREACHED) members[i].push(o);
  }
  const root = graph.rootOrdinal;
  const counts = new Uint32Array(graph.nodeCount);
  /** Calls `visit` with each dominator of `o` up to HOLDER_DEPTH levels, nearest first, until it returns true. */
  const ancestors = (o: number, visit: (d: number) => boolean | undefined): void => {
    for (let d = dominators[o], depth = 0; d !== root && depth < HOLDER_DEPTH; d = dominators[d], depth++)
      if (visit(d)) return;
  };
  // inside[i * n + j]: chosen class i's members with a member of chosen class j among their dominators.
  const n = chosen.length;
  const inside = new Uint32Array(n * n);
  const seen = new Uint8Array(n);
  const found = chosen.map((c, i) => {
    const list = members[i];
    for (const o of list) {
      seen.fill(0);
      ancestors(o, (d) => {
        counts[d]++;
        const j = slot.get(memberClass[d]);
        if (j !== undefined && j !== i && seen[j] === 0) {
          seen[j] = 1;
          inside[i * n + j]++;
        }
        return false;
      });
    }
    // Each member's nearest dominator holding at least half of them; the holder is the one most members have.
    // Nearest along the dominator chain, not by distance from the roots: a loader's record above a module can
    // lie further from the roots than the module's collection it dominates.
    const lowest = new Map<number, number>();
    let nearest = -1;
    for (const o of list) {
      if (nearest < 0 || trace.distance[o] < trace.distance[nearest]) nearest = o;
      ancestors(o, (d) => {
        if (2 * counts[d] < list.length || counts[d] < 2 || isStorage(graph, d)) return false;
        lowest.set(d, (lowest.get(d) ?? 0) + 1);
        return true;
      });
    }
    let holder = root;
    for (const [d, n] of lowest) if (holder === root || n > (lowest.get(holder) ?? 0)) holder = d;
    const held = holder === root ? 0 : counts[holder];
    // The member nearest the roots under the holder; the counts cleared for the next class.
    let sample = -1;
    for (const o of list)
      ancestors(o, (d) => {
        counts[d] = 0;
        if (d === holder && (sample < 0 || trace.distance[o] < trace.distance[sample])) sample = o;
        return false;
      });
    // None holding half is no answer (a linked list holds each object through the one before): the path to the
    // one nearest the roots says the rest.
    const holderNodeId = holder === root ? null : graph.nodeId(holder);
    const shown = holderNodeId === null || sample < 0 ? nearest : sample;
    const path = shown >= 0 ? retainerPath(graph, trace, shown) : null;
    return {
      name: c.summary.name,
      type: c.summary.type,
      count: c.summary.count,
      retainedSize: perClass[c.cls],
      location: c.location!,
      held,
      holder: holderNodeId === null ? null : holderName(path, holderNodeId),
      holderNodeId,
      retainerPath: path,
    };
  });
  // What accumulates comes before the objects of the user's that contain it (a pool keeping its queued requests,
  // the module function keeping the pool): the largest retainer is the outermost, not the leak. Contained means
  // half of its objects under the container's, and half of the container's retained size.
  const contains = (j: number, i: number): boolean =>
    2 * inside[i * n + j] >= members[i].length &&
    members[i].length > 0 &&
    2 * found[i].retainedSize >= found[j].retainedSize;
  const order: number[] = [];
  const place = (j: number, depth: number): void => {
    if (order.includes(j)) return;
    if (depth < n) for (let i = 0; i < n; i++) if (i !== j && contains(j, i)) place(i, depth + 1);
    if (!order.includes(j)) order.push(j);
  };
  for (let j = 0; j < n; j++) place(j, 0);
  return order.map((j) => found[j]);
}

/**
 * The holder by the names that reach it (`parsedById`, `store.active`): the variable or global, then each
 * property down to the holder, never one member's key within it. Else holderLabel's name around the holder.
 */
function holderName(path: RetainerPath | null, holderNodeId: number): string | null {
  const at = path?.findIndex((step) => step.nodeId === holderNodeId) ?? -1;
  if (!path || at < 0) return holderLabel(path, holderNodeId);
  const names: string[] = [];
  let end = at;
  for (let i = at; i > 0; i--) {
    const edge = path[i].edge;
    if (!edge || (edge.type !== 'property' && edge.type !== 'context') || !isJsIdentifier(edge.name)) break;
    // A library's private field (lru-cache's #valList) is no name its user can type: the name ends at the object.
    if (edge.name.startsWith('#') && !isUserLocation(path[i - 1].location)) {
      names.length = 0;
      end = i - 1;
      continue;
    }
    names.unshift(edge.name);
    if (edge.type === 'context') break; // a variable: the name starts there
  }
  if (names.length > 0) return names.join('.');
  // A collection only the stack keeps: a local variable of a function still running (a batch script's top level
  // when its heap ran out), which V8 does not name.
  const above = path[at - 1];
  if (end === at && above !== undefined && isTransientRoot(above))
    return `a running function's ${path[at].name} (@${holderNodeId})`;
  return holderLabel(path.slice(0, end + 1)) ?? (end < at ? path[end].name : null);
}

/** V8's storage for a collection's contents: the elements or properties store, a Map's or Set's table. */
function isStorage(graph: HeapGraph, o: number): boolean {
  const type = graph.nodeTypeName(o);
  return type === 'array' || (type === 'hidden' && graph.nodeName(o).startsWith('system / '));
}

/**
 * The program's global objects: targets of the root's shortcut edges (Node's
 * `global`) and each native context's global object and proxy (a page's
 * Window). They dominate nearly everything in DevTools' tree: listing them
 * among the largest objects would hide every object below them.
 */
function globalObjects(graph: HeapGraph): Set<number> {
  const globals = new Set<number>();
  const root = graph.rootOrdinal;
  for (let e = graph.firstEdge(root); e < graph.firstEdge(root + 1); e++)
    if (graph.isShortcutEdge(e)) globals.add(graph.edgeTarget(e));
  for (let o = 0; o < graph.nodeCount; o++) {
    if (!graph.nodeName(o).startsWith('system / NativeContext')) continue;
    for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++) {
      const name = graph.edgeName(e);
      if (name === 'global_object' || name === 'global_proxy_object') globals.add(graph.edgeTarget(e));
    }
  }
  return globals;
}

/** The share of a scope's retained size one of its values must hold for the scope to be listed as that value. */
const SCOPE_SHARE = 0.9;

/**
 * The objects with the largest retained sizes, leaving out any object that a
 * listed one dominates (it would only repeat part of that one's size), and a
 * scope one value makes up nearly whole (that value is listed instead).
 */
function largestObjects(
  graph: HeapGraph,
  trace: RootTrace,
  dominators: Uint32Array,
  retainedSizes: Float64Array,
  memberClass: Int32Array,
  top: number,
): number[] {
  const globals = globalObjects(graph);
  // Only the few thousand largest can make the list: keep them in a bounded min-heap
  // instead of sorting every node.
  const pool = Math.max(top * 200, 2000);
  const heap: number[] = [];
  const less = (a: number, b: number): boolean => retainedSizes[a] < retainedSizes[b];
  for (let o = 0; o < graph.nodeCount; o++) {
    if (memberClass[o] < 0 || trace.distance[o] === UNREACHED || globals.has(o)) continue;
    if (heap.length < pool) {
      heap.push(o);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!less(heap[i], heap[parent])) break;
        [heap[i], heap[parent]] = [heap[parent], heap[i]];
        i = parent;
      }
    } else if (less(heap[0], o)) {
      heap[0] = o;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l], heap[m])) m = l;
        if (r < heap.length && less(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
  }
  const candidates = heap;
  candidates.sort((a, b) => retainedSizes[b] - retainedSizes[a]);
  const root = graph.rootOrdinal;
  // A scope (a module's or function's variables) that one of its values makes up nearly whole is said as that
  // value, named by its variable (a batch script's `errors`): the scope is V8's, the variable the user's.
  const largestChild = new Map<number, number>();
  for (const o of candidates) {
    const d = dominators[o];
    if (retainedSizes[o] > (largestChild.get(d) ?? 0)) largestChild.set(d, retainedSizes[o]);
  }
  const madeOfOne = (o: number): boolean =>
    graph.nodeName(o) === 'system / Context' && (largestChild.get(o) ?? 0) >= SCOPE_SHARE * retainedSizes[o];
  const chosen = new Set<number>();
  const picked: number[] = [];
  for (const o of candidates) {
    if (picked.length >= top) break;
    if (madeOfOne(o)) continue;
    let dominated = false;
    for (let d = dominators[o]; d !== root && d !== dominators[d]; d = dominators[d]) {
      if (chosen.has(d)) {
        dominated = true;
        break;
      }
    }
    if (dominated) continue;
    chosen.add(o);
    picked.push(o);
  }
  return picked;
}

/** Reachable flat strings with equal contents, grouped by string-table entry (V8 deduplicates names there). */
function duplicatedStrings(graph: HeapGraph, trace: RootTrace, top: number): DuplicatedString[] {
  const stringType = graph.nodeTypeNames.indexOf('string');
  const isString = (o: number): boolean => trace.distance[o] !== UNREACHED && graph.nodeTypeIndex(o) === stringType;
  // Counted first in an array, so that only the strings seen twice get an entry (most are seen once).
  const seen = new Uint8Array(graph.strings.length);
  for (let o = 0; o < graph.nodeCount; o++) {
    if (!isString(o)) continue;
    const nameIndex = graph.nodeNameIndex(o);
    if (seen[nameIndex] < 2) seen[nameIndex]++;
  }
  const byName = new Map<number, { count: number; totalSize: number; maxSize: number; ordinal: number }>();
  for (let o = 0; o < graph.nodeCount; o++) {
    if (!isString(o)) continue;
    const nameIndex = graph.nodeNameIndex(o);
    if (seen[nameIndex] < 2) continue;
    const size = graph.nodeSelfSize(o);
    const entry = byName.get(nameIndex);
    if (entry) {
      entry.count++;
      entry.totalSize += size;
      entry.maxSize = Math.max(entry.maxSize, size);
    } else {
      byName.set(nameIndex, { count: 1, totalSize: size, maxSize: size, ordinal: o });
    }
  }
  const result: DuplicatedString[] = [];
  for (const entry of byName.values()) {
    if (entry.count < 2) continue;
    const value = graph.nodeName(entry.ordinal);
    result.push({
      value: value.length > STRING_CUT ? value.slice(0, STRING_CUT) : value,
      length: value.length,
      count: entry.count,
      totalSize: entry.totalSize,
      wastedSize: entry.totalSize - entry.maxSize,
    });
  }
  return result.sort((a, b) => b.wastedSize - a.wastedSize || b.count - a.count).slice(0, top);
}
