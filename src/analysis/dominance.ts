// Retained sizes of sets of objects, each byte counted once.
import { type HeapGraph, NO_NODE } from '../engine/index.js';

export interface DominatorChildren {
  first: Uint32Array;
  children: Uint32Array;
}

/**
 * Children lists of the dominator tree (CSR layout), built by counting sort on
 * the immediate dominators. Every node has a dominator (DevTools' convention:
 * what the root does not reach hangs under the root or an orphan); `reachable`,
 * when given, keeps nodes out of the tree with their subtrees (the diff keeps
 * every node: membership is decided by its own classification).
 */
export function dominatorChildren(
  graph: HeapGraph,
  dominators: Uint32Array,
  reachable: (ordinal: number) => boolean = () => true,
): DominatorChildren {
  const nodeCount = graph.nodeCount;
  const root = graph.rootOrdinal;
  // first[d] counts up to the END of d's block (inclusive prefix sums); filling from the back
  // moves it to the start, so no second array of fill pointers is needed.
  const first = new Uint32Array(nodeCount + 1);
  for (let o = 0; o < nodeCount; o++) {
    if (o !== root && dominators[o] !== NO_NODE && reachable(o)) first[dominators[o]]++;
  }
  for (let o = 1; o < nodeCount; o++) first[o] += first[o - 1];
  const total = first[nodeCount - 1];
  first[nodeCount] = total;
  const children = new Uint32Array(total);
  for (let o = nodeCount - 1; o >= 0; o--) {
    if (o !== root && dominators[o] !== NO_NODE && reachable(o)) children[--first[dominators[o]]] = o;
  }
  return { first, children };
}

/** Pre-order of the dominator tree (parents before children), iteratively. */
export function dominatorPreOrder(graph: HeapGraph, tree: DominatorChildren): Uint32Array {
  const order = new Uint32Array(tree.children.length + 1);
  const stack = new Uint32Array(tree.children.length + 1);
  let count = 0;
  let depth = 0;
  stack[depth++] = graph.rootOrdinal;
  while (depth > 0) {
    const o = stack[--depth];
    order[count++] = o;
    for (let c = tree.first[o]; c < tree.first[o + 1]; c++) stack[depth++] = tree.children[c];
  }
  return order.subarray(0, count);
}

export interface SetRetainedSizes {
  /** Per class: retained sizes of its members that no other member of the same class dominates. */
  perClass: Float64Array;
  /** Retained size of all members together: members dominated by no other member. */
  total: number;
  /** Per group of OwnerRule.groupOf: retained size of its members that no other member of the group dominates. */
  perGroup: Float64Array;
  /** Per class: members that are parts of another class's objects (see setRetainedSizes). */
  nested: Uint32Array;
  /** Every member, in walk order, with its holder and what it adds to its class's retained size. */
  members: {
    ordinals: Uint32Array;
    /** The nearest dominator that is not new: the object the member's leak accumulates in. */
    holders: Uint32Array;
    /** The member's retained size when no member of its class dominates it, else 0. */
    retained: Float64Array;
  };
}

/** memberClass value of a new object that is not listed (an internal type): transparent to holders. */
export const NEW_UNLISTED = -2;
/** memberClass value of an object that is not new. */
export const NOT_NEW = -1;

/** A typed array at least `length` long, keeping its contents: per-depth state grows with the tree's depth, not its size. */
function grown<T extends Uint32Array | Int32Array | Uint8Array>(array: T, length: number): T {
  if (array.length >= length) return array;
  const bigger = new (array.constructor as new (n: number) => T)(Math.max(length, array.length * 2));
  bigger.set(array);
  return bigger;
}

/** Depth-first walk of the dominator tree without recursion: enter(o, depth) on the way down, leave(o) on the way up (the root has depth 0). */
function walk(
  tree: DominatorChildren,
  root: number,
  enter: (o: number, depth: number) => void,
  leave: (o: number) => void,
): void {
  let stack = new Uint32Array(1024);
  let cursor = new Uint32Array(1024);
  let depth = 0;
  const push = (o: number): void => {
    enter(o, depth);
    if (depth === stack.length) {
      stack = grown(stack, depth + 1);
      cursor = grown(cursor, depth + 1);
    }
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
  /**
   * Per class, ClassKind: members of a container class (Array, Map, Set)
   * own only plain members (strings, other containers, the runtime's); a
   * member of any other class below one is not its part but what it
   * collects, and owns what is below it in turn. (A plain Object is left
   * out: most are records, and a vm context's global keeps its own
   * prototypes.) Default: every class owns.
   */
  classKinds?: Uint8Array;
  /** Record every member's holder (SetRetainedSizes.members). Default true. */
  holders?: boolean;
  /**
   * Per node, 1 for old objects that are never holders (Chrome's own, see
   * isBrowserInternal): a member below one hangs from the nearest object above it.
   */
  transparent?: Uint8Array | null;
  /** Per node, a group index or -1: SetRetainedSizes.perGroup sums each group's retained size (the ignore rules). */
  groupOf?: Int32Array;
  groupCount?: number;
}

/**
 * Walks the dominator tree once, for the new objects (members: memberClass[o]
 * is the class index; NOT_NEW or NEW_UNLISTED otherwise):
 *  - class retained sizes: a member adds its retained size only when it is the
 *    first of its class on the path (as DevTools computes class retained
 *    sizes, HeapSnapshot.ts calculateClassesRetainedSize);
 *  - holders: the nearest dominator that is not new, i.e. the old object
 *    (array, Map, list head, module context, stack) the new ones hang from;
 *  - nesting: below a holder, the first owner (a member of an owner class
 *    that is not a collection) decides what the leak is made of. Members of
 *    its class are that leak, however deep (a linked list, a chain of
 *    closures each keeping the previous object, a promise chain); members of
 *    other classes below it are its parts (a leaked Session's strings), and
 *    so is anything below compiled code (literals V8 creates as functions
 *    compile, not the program's data).
 */
/** OwnerRule.classKinds: 0 for a class of anything else (the user's classes and closures, shapes, a library's classes). */
export const ClassKind = { other: 0, plain: 1, container: 2 } as const;

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
  const transparent = rule.transparent ?? null;
  const nodeCount = graph.nodeCount;
  const ownsByClass = (o: number): boolean => memberClass[o] >= 0 && rule.ownerClass[memberClass[o]] === 1;
  let memberCount = 0;
  if (rule.holders !== false) for (let o = 0; o < nodeCount; o++) if (memberClass[o] >= 0) memberCount++;

  // First walk: how many members each class owner is the nearest owner of, to find collections.
  const collections = new Set<number>();
  const limit = rule.collectionLimit ?? Infinity;
  if (Number.isFinite(limit)) {
    const owners: number[] = [];
    const fanOut = new Map<number, number>();
    walk(
      tree,
      root,
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
  const isOwner = (o: number): boolean => ownsByClass(o) && !collections.has(o);
  const kinds = rule.classKinds;
  /** A member of class `cls` below a top owner of class `top` that only collects it (OwnerRule.classKinds). */
  const collectedBy = (top: number, cls: number): boolean =>
    kinds !== undefined && kinds[top] === ClassKind.container && kinds[cls] === ClassKind.other;

  const perClass = new Float64Array(classCount);
  const onPath = new Uint32Array(classCount);
  const nested = new Uint32Array(classCount);
  const members = {
    ordinals: new Uint32Array(memberCount),
    holders: new Uint32Array(memberCount),
    retained: new Float64Array(memberCount),
  };
  let memberIndex = 0;
  // Per depth of the walk: the current holder, the class of the first owner below it (-1: none yet),
  // and whether compiled code is above.
  // Indexed by depth + 1, so the root's parent (index 0) is 'no holder, no owner, no code'.
  let holderAt = new Uint32Array(1024);
  let topClassAt = new Int32Array(1024);
  let codeAt = new Uint8Array(1024);
  let membersOnPath = 0;
  let total = 0;
  const groupOf = rule.groupOf;
  const perGroup = new Float64Array(rule.groupCount ?? 0);
  const groupOnPath = new Uint32Array(rule.groupCount ?? 0);
  holderAt[0] = root;
  topClassAt[0] = -1;
  walk(
    tree,
    root,
    (o, nodeDepth) => {
      const cls = memberClass[o];
      const parent = nodeDepth;
      const depth = nodeDepth + 1;
      if (depth >= holderAt.length) {
        holderAt = grown(holderAt, depth + 1);
        topClassAt = grown(topClassAt, depth + 1);
        codeAt = grown(codeAt, depth + 1);
      }
      holderAt[depth] = cls === NOT_NEW && transparent?.[o] !== 1 ? o : holderAt[parent];
      topClassAt[depth] = cls === NOT_NEW ? -1 : topClassAt[parent];
      codeAt[depth] = codeAt[parent] | (graph.nodeTypeIndex(o) === codeType ? 1 : 0);
      if (cls >= 0) {
        const top = topClassAt[parent];
        const collected = top >= 0 && collectedBy(top, cls);
        if (codeAt[parent] === 1 || (top >= 0 && top !== cls && !collected)) nested[cls]++;
        if ((top < 0 || collected) && isOwner(o)) topClassAt[depth] = cls;
        const first = onPath[cls] === 0;
        if (first) perClass[cls] += retainedSizes[o];
        if (membersOnPath === 0) total += retainedSizes[o];
        if (memberCount > 0) {
          members.ordinals[memberIndex] = o;
          members.holders[memberIndex] = holderAt[parent];
          members.retained[memberIndex] = first ? retainedSizes[o] : 0;
          memberIndex++;
        }
        onPath[cls]++;
        membersOnPath++;
        const group = groupOf ? groupOf[o] : -1;
        if (group >= 0) {
          if (groupOnPath[group] === 0) perGroup[group] += retainedSizes[o];
          groupOnPath[group]++;
        }
      }
    },
    (o) => {
      const cls = memberClass[o];
      if (cls >= 0) {
        onPath[cls]--;
        membersOnPath--;
        if (groupOf && groupOf[o] >= 0) groupOnPath[groupOf[o]]--;
      }
    },
  );
  return {
    perClass,
    total,
    perGroup,
    nested,
    members: {
      ordinals: members.ordinals.subarray(0, memberIndex),
      holders: members.holders.subarray(0, memberIndex),
      retained: members.retained.subarray(0, memberIndex),
    },
  };
}
