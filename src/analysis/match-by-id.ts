// The diff-by-id pass: one merge of the after snapshot's ids with the
// baseline's, counting per class what is new, deleted, weakly held and held
// only by a stack, and marking each node's class for the passes after it.
import type { HeapGraph } from '../engine/index.js';
import { type Baseline, beforeClassMatches, stringHashOf } from './baseline.js';
import { ClassSums } from './class-table.js';
import { NEW_UNLISTED, NOT_NEW } from './dominance.js';
import { SAME_PROCESS_SAMPLE } from './same-process.js';
import { type RootTrace, UNREACHED, Via } from './trace.js';

export interface Matched {
  /** Per node: class index of a listed new object, NOT_NEW, or NEW_UNLISTED (dominance.ts). */
  memberClass: Int32Array;
  added: ClassSums;
  addedSize: ClassSums;
  heldByStack: ClassSums;
  heldWeakly: ClassSums;
  removed: ClassSums;
  removedSize: ClassSums;
  /** Nodes in both snapshots that are reachable in after. */
  shared: number;
  /** Of a sample of those, how many are the same class, and of those how many strings changed text (checkSameProcess). */
  sample: { shared: number; sameClass: number; changedStrings: number };
}

/**
 * One merge of after's ids (radix-sorted) with before's, counted as DevTools'
 * Comparison view counts: an object is new when its id is not in before (or
 * names another kind of object there), deleted when its id is not in after;
 * objects of shallow size 0 are left out. Only reachable new objects are
 * members (the leak analysis); weakly held ones are counted and marked, and so
 * are those only a stack holds, except in snapshots leakscan's runner took,
 * where the stack holds only the runner's own frames.
 */
export function matchById(
  baseline: Baseline,
  graph: HeapGraph,
  trace: RootTrace,
  shallow: Uint32Array,
  includeInternal: boolean,
  middle: Baseline | null = null,
): Matched {
  const table = baseline.table;
  const memberClass = new Int32Array(graph.nodeCount);
  const added = new ClassSums();
  const addedSize = new ClassSums();
  const heldByStack = new ClassSums();
  const heldWeakly = new ClassSums();
  const internal = (cls: number): boolean => !includeInternal && table.keys[cls].internal;
  const order = graph.ordinalsById();
  const beforeIds = baseline.ids;
  const matched = new Uint8Array(beforeIds.length);
  const check = { shared: 0, sameClass: 0, changedStrings: 0 };
  const dropStack = trace.takenByRunner;
  const namedKind = Uint8Array.from(graph.nodeTypeNames, (name) => (name === 'object' || name === 'native' ? 1 : 0));
  let shared = 0;
  /** Counts `o` in its class's # New and Alloc. size; its class, or -1 when the class is not listed. */
  const countNew = (o: number): number => {
    const cls = table.indexOf(graph, o);
    if (internal(cls)) return -1;
    added.add(cls, 1);
    addedSize.add(cls, shallow[o]);
    return cls;
  };
  // First the merge, in id order, leaving each node's index in before (or -1) in memberClass;
  // then the classification in node order, which reads the per-node arrays in sequence and
  // overwrites that index with the node's class (or NOT_NEW, NEW_UNLISTED).
  // Three snapshots: only what the middle one holds too counts as new (allocated between the first two).
  const inMiddle = middle ? new Uint8Array(graph.nodeCount) : null;
  const middleIds = middle?.ids ?? new Uint32Array(0);
  for (let k = 0, j = 0, i = 0; k < order.length; k++) {
    const o = order[k];
    const id = graph.nodeId(o);
    while (j < beforeIds.length && beforeIds[j] < id) j++;
    memberClass[o] = j < beforeIds.length && beforeIds[j] === id ? j : -1;
    if (!inMiddle || !middle) continue;
    while (i < middleIds.length && middleIds[i] < id) i++;
    inMiddle[o] =
      i < middleIds.length &&
      middleIds[i] === id &&
      middle.nodeType[i] === graph.nodeTypeIndex(o) &&
      (!namedKind[graph.nodeTypeIndex(o)] || beforeClassMatches(middle, i, graph, o))
        ? 1
        : 0;
  }
  for (let o = 0; o < graph.nodeCount; o++) {
    const j = memberClass[o];
    memberClass[o] = NOT_NEW;
    const reachable = trace.distance[o] !== UNREACHED;
    if (j >= 0 && reachable) {
      shared++;
      // The same-process check needs only a sample of the ids in both.
      if ((shared & (SAME_PROCESS_SAMPLE - 1)) === 0) {
        check.shared++;
        if (beforeClassMatches(baseline, j, graph, o)) {
          check.sameClass++;
          if (baseline.stringHash[j] !== 0 && baseline.stringHash[j] !== stringHashOf(graph, o)) check.changedStrings++;
        }
      }
    }
    // V8 gives a new object at the address of one that died since the last snapshot that
    // object's id: under the same id, another kind of object is another object. The kind is
    // DevTools' class: the V8 type, and for objects and native objects the name.
    const inBefore =
      j >= 0 &&
      baseline.nodeType[j] === graph.nodeTypeIndex(o) &&
      (!namedKind[graph.nodeTypeIndex(o)] || beforeClassMatches(baseline, j, graph, o));
    // DevTools' columns leave out objects of size 0 (backing stores it counts in their owner's size),
    // so an object whose size moves into an owner between the two snapshots is deleted there, and new
    // when it moves out again. Such objects are counted so, but are never new to the leak analysis.
    // Allocated after the middle snapshot: neither new nor old, and left out of every count.
    if (inMiddle && !inBefore && inMiddle[o] === 0) continue;
    const beforeSized = inBefore && baseline.selfSize[j] > 0;
    if (inBefore && shallow[o] > 0) matched[j] = 1;
    if (inBefore && !beforeSized && shallow[o] > 0) countNew(o);
    if (!reachable) {
      // Still in the heap, held by nothing strong (a WeakRef's target, a string only V8's tables keep):
      // DevTools counts it as new, the leak rule never does.
      if (inBefore || shallow[o] === 0) continue;
      const cls = countNew(o);
      if (cls >= 0) heldWeakly.add(cls, 1);
      continue;
    }
    if (inBefore) continue;
    memberClass[o] = NEW_UNLISTED;
    const onStack = trace.via[o] === Via.stack;
    if (onStack && dropStack) continue;
    // DevTools' Comparison view skips objects of size 0: backing stores whose size it counts in their owner.
    if (shallow[o] === 0) continue;
    const cls = countNew(o);
    if (cls < 0) continue;
    memberClass[o] = cls;
    if (onStack) heldByStack.add(cls, 1);
  }

  const removed = new ClassSums();
  const removedSize = new ClassSums();
  for (let i = 0; i < beforeIds.length; i++) {
    if (matched[i] === 1 || baseline.selfSize[i] === 0) continue;
    const cls = baseline.classOf[i];
    if (internal(cls)) continue;
    removed.add(cls, 1);
    removedSize.add(cls, baseline.selfSize[i]);
  }
  return { memberClass, added, addedSize, heldByStack, heldWeakly, removed, removedSize, shared, sample: check };
}
