// Graph algorithms over HeapGraph, all iterative (heap graphs are deep).
// Dominators and retained sizes follow Chrome DevTools' HeapSnapshot.ts
// (front_end/entrypoints/heap_snapshot_worker) step for step: users check our
// numbers by opening the same file in DevTools, so its edge rule, its orphan
// handling and its shallow sizes are the definition here, not the GC's.
// Distances skip weak edges and the string tables (HeapGraph.holdsWeakly),
// as the reachability trace does.
import type { HeapGraph } from './graph.js';
import { grown, sharedUint32Array } from './raw-snapshot.js';
import type { StringTable } from './strings.js';

export const NO_NODE = 0xffffffff;

/**
 * Who keeps each node alive, over essential edges only (see
 * initEssentialEdges): CSR layout, retainers of node o at
 * retainerNodes[firstRetainer[o]..firstRetainer[o+1]]. Counting sort, as
 * DevTools' buildRetainers.
 */
export interface Retainers {
  firstRetainer: Uint32Array;
  retainerNodes: Uint32Array;
  /** One bit per edge ordinal (word e >>> 5, bit e & 31): set when the edge counts for dominators. */
  essentialEdges: Uint32Array;
}

const isSet = (bits: Uint32Array, i: number): boolean => (bits[i >>> 5] & (1 << (i & 31))) !== 0;

/**
 * DevTools' pageObject flag (JSHeapSnapshot.markPageOwnedNodes): everything
 * reachable over non-weak edges from the user roots, which are the targets of
 * the root's shortcut edges (global objects) and the '(Document DOM trees)'
 * root. Unlike the reachability trace, string tables hold strongly here.
 */
export function markPageOwnedNodes(graph: HeapGraph): Uint8Array {
  const pageOwned = new Uint8Array(graph.nodeCount);
  const stack = new Uint32Array(graph.nodeCount);
  let depth = 0;
  const root = graph.rootOrdinal;
  const synthetic = graph.nodeTypeNames.indexOf('synthetic');
  for (let e = graph.firstEdge(root); e < graph.firstEdge(root + 1); e++) {
    const to = graph.edgeTarget(e);
    if (graph.isElementEdge(e)) {
      if (graph.nodeTypeIndex(to) !== synthetic || graph.nodeName(to) !== '(Document DOM trees)') continue;
    } else if (!graph.isShortcutEdge(e)) {
      continue;
    }
    // DevTools flags an entry point even when an earlier one already reached it; pushing it twice is harmless.
    pageOwned[to] = 1;
    stack[depth++] = to;
  }
  while (depth > 0) {
    const from = stack[--depth];
    const end = graph.firstEdge(from + 1);
    for (let e = graph.firstEdge(from); e < end; e++) {
      const to = graph.edgeTarget(e);
      if (pageOwned[to] === 1 || graph.isWeakEdge(e)) continue;
      pageOwned[to] = 1;
      stack[depth++] = to;
    }
  }
  return pageOwned;
}

/** V8 names both edges to a WeakMap value (from the key and from the table) like this; DevTools' ephemeronNameRegex. */
const EPHEMERON_EDGE =
  /^\d+(?<duplicatedPart> \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(?<tableId>\d+)\))$/;

/** False when string `name` cannot match EPHEMERON_EDGE (digits, then ` /`), told from its bytes: most names are not decoded. */
function mayBeEphemeronName(strings: StringTable, name: number): boolean {
  let k = 0;
  for (let c = strings.rawCodeAt(name, 0); c >= 0x30 && c <= 0x39; c = strings.rawCodeAt(name, k)) k++;
  return k > 0 && strings.rawCodeAt(name, k) === 0x20 && strings.rawCodeAt(name, k + 1) === 0x2f;
}

/**
 * Which edges count for dominators, DevTools' computeIsEssentialEdge rule:
 * never weak edges or self edges; of the two edges to a WeakMap value, only
 * the key's (the table's is skipped: either alone would keep the value, and
 * the key is the more useful owner); shortcut edges only from the root (there
 * they mark the user's global objects); and no edge from a node the page does
 * not own into one it owns (markPageOwnedNodes), so what a debugger or the
 * runtime also holds is still charged to the page.
 */
export function initEssentialEdges(graph: HeapGraph, retainerCounts?: Uint32Array): Uint32Array {
  const essential = new Uint32Array(Math.ceil(graph.edgeCount / 32));
  const pageOwned = markPageOwnedNodes(graph);
  // Per string index: NaN not parsed yet, -1 not an ephemeron edge name, else the table's node id.
  const tableIdOfName = new Float64Array(graph.strings.length).fill(NaN);
  const root = graph.rootOrdinal;
  const weak = graph.edgeTypeNames.indexOf('weak');
  const shortcut = graph.edgeTypeNames.indexOf('shortcut');
  const internal = graph.edgeTypeNames.indexOf('internal');
  for (let from = 0; from < graph.nodeCount; from++) {
    const end = graph.firstEdge(from + 1);
    for (let e = graph.firstEdge(from); e < end; e++) {
      const type = graph.edgeTypeIndex(e);
      if (type === weak) continue;
      const to = graph.edgeTarget(e);
      if (to === from) continue;
      if (from !== root && (type === shortcut || (pageOwned[to] === 1 && pageOwned[from] === 0))) continue;
      if (type === internal) {
        const name = graph.edgeNameIndex(e);
        let tableId = tableIdOfName[name];
        if (Number.isNaN(tableId)) {
          const match = mayBeEphemeronName(graph.strings, name) ? EPHEMERON_EDGE.exec(graph.strings.get(name)) : null;
          tableId = tableIdOfName[name] = match ? Number(match.groups?.tableId) : -1;
        }
        if (tableId === graph.nodeId(from)) continue;
      }
      essential[e >>> 5] |= 1 << (e & 31);
      // buildRetainers' counting pass, done here to read the edges once less.
      if (retainerCounts) retainerCounts[to + 1]++;
    }
  }
  return essential;
}

export function buildRetainers(graph: HeapGraph): Retainers {
  const { nodeCount } = graph;
  const firstRetainer = new Uint32Array(nodeCount + 1);
  const essentialEdges = initEssentialEdges(graph, firstRetainer);
  for (let o = 0; o < nodeCount; o++) firstRetainer[o + 1] += firstRetainer[o];
  const total = firstRetainer[nodeCount];
  const retainerNodes = new Uint32Array(total);
  // Each list filled from its end, edges read backwards (so in edge order), with
  // firstRetainer[o + 1] as o's cursor: it ends at o's start, then shifts into place.
  for (let from = nodeCount - 1; from >= 0; from--) {
    const begin = graph.firstEdge(from);
    for (let e = graph.firstEdge(from + 1) - 1; e >= begin; e--) {
      if (isSet(essentialEdges, e)) retainerNodes[--firstRetainer[graph.edgeTarget(e) + 1]] = from;
    }
  }
  firstRetainer.copyWithin(0, 1);
  firstRetainer[nodeCount] = total;
  return { firstRetainer, retainerNodes, essentialEdges };
}

/** What breadthFirst leaves per node. */
export interface BreadthFirst {
  /** Edge ordinal by which each node was first reached; NO_NODE for the root and unreached nodes. */
  parentEdge: Uint32Array;
  /** Hops from the root along that path; NO_NODE when unreached. */
  distance: Uint32Array;
  /** Per node, the level it was reached at (see breadthFirst); 0 when unreached. */
  level: Uint8Array;
  reachedCount: number;
}

/**
 * Entry level of the edge `edge` from `from` into `to`: an edge above the
 * current level waits until every node of the lower levels is visited; an
 * edge at levelCount or above is not taken at all.
 */
export type EdgeLevel = (to: number, edge: number, from: number) => number;

/**
 * The one breadth-first walk from the root, over the edges that retain (weak
 * edges and HeapGraph.holdsWeakly nodes skipped). With `levelOf`, in levels
 * 0 … levelCount - 1: the walk finishes every node it can reach at one level
 * before it takes the edges that wait for the next, as DevTools'
 * calculateDistances visits the user roots before the rest
 * (HeapSnapshot.ts). Without it, plain hop counts.
 */
export function breadthFirst(graph: HeapGraph, levelOf?: EdgeLevel, levelCount = 1): BreadthFirst {
  const { nodeCount } = graph;
  const parentEdge = new Uint32Array(nodeCount).fill(NO_NODE);
  const distance = new Uint32Array(nodeCount).fill(NO_NODE);
  const level = new Uint8Array(nodeCount);
  const queue = new Uint32Array(nodeCount);
  // Per level, the edges (edge, from) that wait for it.
  const deferred: number[][] = Array.from({ length: levelCount }, () => []);
  let head = 0;
  let tail = 0;
  let current = 0;
  distance[graph.rootOrdinal] = 0;
  queue[tail++] = graph.rootOrdinal;

  const visit = (to: number, edge: number, from: number): void => {
    distance[to] = distance[from] + 1;
    parentEdge[to] = edge;
    level[to] = current;
    queue[tail++] = to;
  };
  const drain = (): void => {
    while (head < tail) {
      const from = queue[head++];
      if (graph.holdsWeakly(from)) continue;
      const end = graph.firstEdge(from + 1);
      for (let e = graph.firstEdge(from); e < end; e++) {
        if (graph.isWeakEdge(e)) continue;
        const to = graph.edgeTarget(e);
        if (distance[to] !== NO_NODE) continue;
        const at = levelOf === undefined ? 0 : levelOf(to, e, from);
        if (at >= levelCount) continue;
        if (at > current) deferred[at].push(e, from);
        else visit(to, e, from);
      }
    }
  };

  drain();
  for (current = 1; current < levelCount; current++) {
    const list = deferred[current];
    // Entries deferred while this level's own nodes are visited land in the same list: read it to the end.
    for (let i = 0; i < list.length; i += 2) {
      const to = graph.edgeTarget(list[i]);
      if (distance[to] === NO_NODE) visit(to, list[i], list[i + 1]);
      drain();
    }
  }
  return { parentEdge, distance, level, reachedCount: tail };
}

/** Hops from the root over non-weak edges, breadth first; NO_NODE when unreachable. */
export function calculateDistances(graph: HeapGraph): Uint32Array {
  return breadthFirst(graph).distance;
}

/**
 * Immediate dominator of every node over essential edges, by ordinal; the
 * root dominates itself. Lengauer, Tarjan, "A Fast Algorithm for Finding
 * Dominators in a Flowgraph" (TOPLAS 1979), simple eval/link with path
 * compression, as DevTools' calculateDominatorsAndRetainedSizes, including its
 * handling of nodes the root does not reach: nodes with no essential
 * retainer are searched from next, in ordinal order, as if the root held
 * them; what is still unvisited after that (cycles nothing else holds) hangs
 * under the root node by node. The search order is DevTools' (edges in file
 * order), because for those leftover cycles the result depends on it.
 */
export function buildDominatorTree(graph: HeapGraph, retainers: Retainers): Uint32Array {
  return buildDominance(graph, retainers).dominators;
}

/**
 * buildDominatorTree, also returning the search order (node ordinals, root
 * first): a node's dominator always comes before it there, so retained sizes
 * need one pass in reverse (calculateRetainedSizes), as DevTools does.
 */
export function buildDominance(
  graph: HeapGraph,
  retainers: Retainers,
): { dominators: Uint32Array; searchOrder: Uint32Array } {
  const { nodeCount } = graph;
  const { firstRetainer, retainerNodes, essentialEdges } = retainers;
  // Vertices are numbered ordinal + 1 so that 0 means "none", as in the paper.
  const size = nodeCount + 1;
  const semi = new Uint32Array(size);
  const vertex = new Uint32Array(size);
  const ancestor = new Uint32Array(size);
  const label = new Uint32Array(size);
  // Three arrays in one (each vertex needs one at a time): v's parent in the search tree until
  // v's turn in the main loop reads it; then v's next pointer while v waits in a bucket; then v's
  // dominator, written when v leaves its bucket.
  const dom = new Uint32Array(size);
  const parent = dom;
  const bucket = new Uint32Array(size);
  // Per vertex, the next edge the search will look at (ancestor is all 0 again before it is used).
  const work = ancestor;
  let n = 0;

  const search = (start: number): void => {
    work[start] = graph.firstEdge(start - 1);
    let v = start;
    while (v !== 0) {
      if (semi[v] === 0) {
        semi[v] = ++n;
        vertex[n] = label[v] = v;
      }
      let next = parent[v];
      const end = graph.firstEdge(v);
      let e = work[v];
      for (; e < end; e++) {
        if (!isSet(essentialEdges, e)) continue;
        const w = graph.edgeTarget(e) + 1;
        if (semi[w] !== 0) continue;
        parent[w] = v;
        work[w] = graph.firstEdge(w - 1);
        next = w;
        break;
      }
      work[v] = e;
      v = next;
    }
  };

  const r = graph.rootOrdinal + 1;
  search(r);
  for (let v = 1; v <= nodeCount && n < nodeCount; v++) {
    if (semi[v] === 0 && firstRetainer[v - 1] === firstRetainer[v]) {
      parent[v] = r;
      search(v);
    }
  }
  for (let v = 1; v <= nodeCount && n < nodeCount; v++) {
    if (semi[v] !== 0) continue;
    parent[v] = r;
    semi[v] = ++n;
    vertex[n] = label[v] = v;
  }
  work.fill(0);

  // The stack of compress(): as deep as the longest chain of ancestors, grown as needed.
  let stack = new Uint32Array(1024);
  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v;
    // Already compressed (the common case): nothing to walk.
    if (ancestor[ancestor[v]] === 0) return label[v];
    let top = 0;
    for (let x = v; ancestor[ancestor[x]] !== 0; x = ancestor[x]) {
      if (++top === stack.length) stack = grown(stack, top, top + 1);
      stack[top] = x;
    }
    while (top > 0) {
      const w = stack[top--];
      if (semi[label[ancestor[w]]] < semi[label[w]]) label[w] = label[ancestor[w]];
      ancestor[w] = ancestor[ancestor[w]];
    }
    return label[v];
  };

  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    const begin = firstRetainer[w - 1];
    const end = firstRetainer[w];
    if (begin === end) {
      // No essential retainer: DevTools treats the root as its only one.
      semi[w] = semi[r];
    }
    for (let k = begin; k < end; k++) {
      const u = evaluate(retainerNodes[k] + 1);
      if (semi[u] < semi[w]) semi[w] = semi[u];
    }
    const p = parent[w];
    const s = vertex[semi[w]];
    dom[w] = bucket[s];
    bucket[s] = w;
    ancestor[w] = p;
    // DevTools keeps buckets as Sets, visited in insertion order: reverse the pushed list to match.
    let v = 0;
    for (let next = bucket[p]; next !== 0; ) {
      const after = dom[next];
      dom[next] = v;
      v = next;
      next = after;
    }
    bucket[p] = 0;
    while (v !== 0) {
      const after = dom[v];
      const u = evaluate(v);
      dom[v] = semi[u] < semi[v] ? u : p;
      v = after;
    }
  }
  // A bucket never visited (its vertex has no search-tree child: the leftover
  // cycles) leaves its members without a dominator, 0 in DevTools: clear our
  // next pointers to match. dom[0] = r then puts them under the root, as
  // DevTools does.
  for (let s = 1; s <= nodeCount; s++) {
    for (let v = bucket[s]; v !== 0; ) {
      const after = dom[v];
      dom[v] = 0;
      v = after;
    }
  }
  dom[0] = dom[r] = r;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    if (dom[w] !== vertex[semi[w]]) dom[w] = dom[dom[w]];
  }
  // Back to ordinals, in place.
  for (let o = 0; o < nodeCount; o++) dom[o] = dom[o + 1] - 1;
  for (let i = 1; i <= n; i++) vertex[i] -= 1;
  return { dominators: dom.subarray(0, nodeCount), searchOrder: vertex.subarray(1, n + 1) };
}

/** Self size DevTools moves into the owner (see calculateShallowSizes). */
function ownedByOthers(graph: HeapGraph, o: number, hidden: number, array: number, native: number): boolean {
  const type = graph.nodeTypeIndex(o);
  return type === hidden || type === array || (type === native && graph.nodeName(o) === 'system / ExternalStringData');
}

/**
 * Self sizes as DevTools shows them (JSHeapSnapshot.calculateShallowSizes):
 * when the snapshot has user roots, a hidden or array node (or external
 * string data) that only one other object reaches, through such nodes only,
 * counts in that owner's size and weighs 0 itself. Ownership follows every
 * non-weak edge. Without user roots (an "expose internals" snapshot) sizes are
 * the file's.
 */
export function calculateShallowSizes(graph: HeapGraph): Uint32Array {
  const { nodeCount } = graph;
  // One object's size fits 32 bits (the file stores it so); sums of them do not, and are Float64.
  // Shared memory: the dominator thread reads them in place (dominators.ts), not a copy.
  const sizes = sharedUint32Array(nodeCount);
  for (let o = 0; o < nodeCount; o++) sizes[o] = graph.nodeSelfSize(o);
  const root = graph.rootOrdinal;
  const synthetic = graph.nodeTypeNames.indexOf('synthetic');
  let hasUserRoots = false;
  for (let e = graph.firstEdge(root); e < graph.firstEdge(root + 1) && !hasUserRoots; e++) {
    const to = graph.edgeTarget(e);
    hasUserRoots = graph.nodeTypeIndex(to) !== synthetic || graph.nodeName(to) === '(Document DOM trees)';
  }
  if (!hasUserRoots) return sizes;

  const hidden = graph.nodeTypeNames.indexOf('hidden');
  const array = graph.nodeTypeNames.indexOf('array');
  const native = graph.nodeTypeNames.indexOf('native');
  const UNVISITED = 0xffffffff;
  const SHARED = 0xfffffffe;
  const owners = new Uint32Array(nodeCount);
  let ownedCount = 0;
  for (let o = 0; o < nodeCount; o++) {
    if (ownedByOthers(graph, o, hidden, array, native)) {
      owners[o] = UNVISITED;
      ownedCount++;
    } else {
      owners[o] = o;
    }
  }
  // An owned node enters the work list at most twice: when it gets an owner, and when it gets a second one.
  const work = new Uint32Array(2 * ownedCount);
  let depth = 0;
  const spread = (from: number): void => {
    const owner = owners[from];
    const end = graph.firstEdge(from + 1);
    for (let e = graph.firstEdge(from); e < end; e++) {
      if (graph.isWeakEdge(e)) continue;
      const to = graph.edgeTarget(e);
      const current = owners[to];
      if (current === UNVISITED) {
        owners[to] = owner;
        work[depth++] = to;
      } else if (current !== to && current !== owner && current !== SHARED) {
        owners[to] = SHARED;
        work[depth++] = to;
      }
    }
  };
  // The order of visits does not change the outcome (DevTools says as much); owners first, then the work list.
  for (let o = 0; o < nodeCount; o++) {
    if (owners[o] === o) spread(o);
    while (depth > 0) spread(work[--depth]);
  }
  for (let o = 0; o < nodeCount; o++) {
    const owner = owners[o];
    if (owner === UNVISITED || owner === SHARED || owner === o) continue;
    if (owner === root || graph.nodeTypeIndex(owner) === synthetic) continue;
    sizes[owner] += sizes[o];
    sizes[o] = 0;
  }
  return sizes;
}

/**
 * Retained size of every node: its shallow size (calculateShallowSizes) plus
 * that of every node it dominates, as DevTools shows it. Children are summed
 * before their dominator by peeling leaves off the tree (each node waits for
 * its count of children), so no search order needs to be kept around.
 */
export function calculateRetainedSizes(
  graph: HeapGraph,
  dominators: Uint32Array,
  shallowSizes?: Uint32Array,
  searchOrder?: Uint32Array,
): Float64Array {
  const { nodeCount } = graph;
  const root = graph.rootOrdinal;
  const retained = Float64Array.from(shallowSizes ?? calculateShallowSizes(graph));
  if (searchOrder && searchOrder.length === nodeCount) {
    for (let i = nodeCount - 1; i > 0; i--) {
      const o = searchOrder[i];
      retained[dominators[o]] += retained[o];
    }
    return retained;
  }
  const pending = new Uint32Array(nodeCount);
  for (let o = 0; o < nodeCount; o++) if (o !== root) pending[dominators[o]]++;
  const queue = new Uint32Array(nodeCount);
  let tail = 0;
  for (let o = 0; o < nodeCount; o++) if (pending[o] === 0 && o !== root) queue[tail++] = o;
  for (let head = 0; head < tail; head++) {
    const o = queue[head];
    const dom = dominators[o];
    retained[dom] += retained[o];
    if (--pending[dom] === 0 && dom !== root) queue[tail++] = dom;
  }
  return retained;
}
