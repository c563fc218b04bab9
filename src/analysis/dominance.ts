// Retained sizes of sets of objects, each byte counted once.
import type { HeapGraph } from '../engine/index.js';

export interface DominatorChildren {
  first: Uint32Array;
  children: Uint32Array;
}

/**
 * Children lists of the dominator tree (CSR layout), built by counting sort on
 * the immediate dominators. Every node has a dominator (DevTools' convention:
 * what the root does not reach hangs under the root or an orphan); `reachable`
 * keeps the trace's unreachable nodes out of the tree, with their subtrees.
 * On real snapshots no reachable node sits under an unreachable one.
 */
export function dominatorChildren(graph: HeapGraph, dominators: Uint32Array, reachable: (ordinal: number) => boolean): DominatorChildren {
  const nodeCount = graph.nodeCount;
  const root = graph.rootOrdinal;
  // first[d] counts up to the END of d's block (inclusive prefix sums); filling from the back
  // moves it to the start, so no second array of fill pointers is needed.
  const first = new Uint32Array(nodeCount + 1);
  for (let o = 0; o < nodeCount; o++) {
    if (o !== root && reachable(o)) first[dominators[o]]++;
  }
  for (let o = 1; o < nodeCount; o++) first[o] += first[o - 1];
  const total = first[nodeCount - 1];
  first[nodeCount] = total;
  const children = new Uint32Array(total);
  for (let o = nodeCount - 1; o >= 0; o--) {
    if (o !== root && reachable(o)) children[--first[dominators[o]]] = o;
  }
  return { first, children };
}

export interface SetRetainedSizes {
  /** Per class: retained sizes of its members that no other member of the same class dominates. */
  perClass: Float64Array;
  /** Retained size of all members together: members dominated by no other member. */
  total: number;
  /** Per class: members held only through an owner (see setRetainedSizes). */
  nested: Uint32Array;
}

/** Depth-first walk of the dominator tree without recursion: enter(o) on the way down, leave(o) on the way up. */
function walk(tree: DominatorChildren, root: number, nodeCount: number, enter: (o: number) => void, leave: (o: number) => void): void {
  const stack = new Uint32Array(nodeCount);
  const cursor = new Uint32Array(nodeCount);
  let depth = 0;
  const push = (o: number): void => {
    enter(o);
    stack[depth] = o;
    cursor[depth] = tree.first[o];
    depth++;
  };
  push(root);
  while (depth > 0) {
    const o = stack[depth - 1];
    const next = cursor[depth - 1];
    if (next < tree.first[o + 1]) {
      cursor[depth - 1] = next + 1;
      push(tree.children[next]);
      continue;
    }
    depth--;
    leave(o);
  }
}

export interface OwnerRule {
  /** Per class: 1 when its members can own others (could be a leak's cause). */
  ownerClass: Uint8Array;
  /**
   * An owner that is the nearest owner of this many members or more is a
   * collection (the array, Map or list a leak accumulates in), not a whole
   * made of parts: it owns nothing. Default: no limit.
   */
  collectionLimit?: number;
}

/**
 * Walks the dominator tree, keeping for each class how many of its members
 * are on the current path: a member adds its retained size only when it is
 * the first of its class on the path (as DevTools computes class retained
 * sizes, HeapSnapshot.ts calculateClassesRetainedSize).
 * memberClass[o] is the node's class index, or -1 when it is not in the set.
 * A member is nested when an owner is above it: a member of an owner class
 * (the A objects of leaked B objects are parts of the B leak), or a node of
 * type 'code' (bytecode, constant pools and feedback hold literals that V8
 * creates as functions compile, not the program's data).
 */
export function setRetainedSizes(
  graph: HeapGraph,
  tree: DominatorChildren,
  retainedSizes: Float64Array,
  memberClass: Int32Array,
  classCount: number,
  rule: OwnerRule,
): SetRetainedSizes {
  const codeType = graph.nodeTypeNames.indexOf('code');
  const root = graph.rootOrdinal;
  const nodeCount = graph.nodeCount;
  const ownsByClass = (o: number): boolean => memberClass[o] >= 0 && rule.ownerClass[memberClass[o]] === 1;

  // First walk: how many members each class owner is the nearest owner of, to find collections.
  const collections = new Set<number>();
  const limit = rule.collectionLimit ?? Infinity;
  if (Number.isFinite(limit)) {
    const owners: number[] = [];
    const fanOut = new Map<number, number>();
    walk(
      tree,
      root,
      nodeCount,
      (o) => {
        if (memberClass[o] >= 0 && owners.length > 0) {
          const owner = owners[owners.length - 1];
          fanOut.set(owner, (fanOut.get(owner) ?? 0) + 1);
        }
        if (ownsByClass(o)) owners.push(o);
      },
      (o) => {
        if (ownsByClass(o)) owners.pop();
      },
    );
    for (const [owner, count] of fanOut) if (count >= limit) collections.add(owner);
  }

  const isOwner = (o: number): boolean => (ownsByClass(o) && !collections.has(o)) || graph.nodeTypeIndex(o) === codeType;
  const perClass = new Float64Array(classCount);
  const onPath = new Uint32Array(classCount);
  const nested = new Uint32Array(classCount);
  let ownersOnPath = 0;
  let membersOnPath = 0;
  let total = 0;
  walk(
    tree,
    root,
    nodeCount,
    (o) => {
      const cls = memberClass[o];
      if (cls >= 0) {
        if (onPath[cls] === 0) perClass[cls] += retainedSizes[o];
        if (membersOnPath === 0) total += retainedSizes[o];
        if (ownersOnPath > 0) nested[cls]++;
        onPath[cls]++;
        membersOnPath++;
      }
      if (isOwner(o)) ownersOnPath++;
    },
    (o) => {
      const cls = memberClass[o];
      if (cls >= 0) {
        onPath[cls]--;
        membersOnPath--;
      }
      if (isOwner(o)) ownersOnPath--;
    },
  );
  return { perClass, total, nested };
}
