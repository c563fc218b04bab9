// Checks that two snapshots can be diffed by id: one process, one inspector
// session, taken in order. Each throws a LeakscanError naming the fix.
import type { HeapGraph } from '../engine/index.js';
import { SnapshotOrderError, TwoSessionsError, UnrelatedSnapshotsError } from '../errors.js';
import type { SnapshotMeta } from '../types.js';
import { type Baseline, beforeClassMatches, globalOrderOf, newestHeapObjectId, stringHashOf } from './baseline.js';
import { runtimeOf } from './snapshot-meta.js';

/**
 * True when the snapshot's heap object ids run 1, 3, 5, … without a gap: the
 * first snapshot after V8 (re)started numbering, at process start or when an
 * inspector session ended. A later snapshot of one session has gaps where
 * objects died.
 */
function freshNumbering(graph: HeapGraph): boolean {
  let count = 0;
  let lowest = Number.MAX_SAFE_INTEGER;
  let highest = 0;
  for (let o = 0; o < graph.nodeCount; o++) {
    const id = graph.nodeId(o);
    if ((id & 1) === 0) continue;
    count++;
    if (id < lowest) lowest = id;
    if (id > highest) highest = id;
  }
  return count > 0 && (highest - lowest) / 2 + 1 === count;
}

/** The index of `id` in the sorted `ids`, or -1. */
function indexOfId(ids: Uint32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return ids[lo] === id ? lo : -1;
}

/** Ids sampled from `graph` per check of idAgreement. */
const AGREEMENT_SAMPLE = 4096;

/** Of a sample of `graph`'s heap objects whose id is in `baseline`: how many are the same kind of object there. */
function idAgreement(baseline: Baseline, graph: HeapGraph): { shared: number; same: number } {
  const stride = Math.max(1, Math.floor(graph.nodeCount / AGREEMENT_SAMPLE));
  const namedKind = Uint8Array.from(graph.nodeTypeNames, (name) => (name === 'object' || name === 'native' ? 1 : 0));
  let shared = 0;
  let same = 0;
  for (let o = 0; o < graph.nodeCount; o += stride) {
    const id = graph.nodeId(o);
    if ((id & 1) === 0) continue;
    const lo = indexOfId(baseline.ids, id);
    if (lo < 0) continue;
    shared++;
    const type = graph.nodeTypeIndex(o);
    if (baseline.nodeType[lo] === type && (!namedKind[type] || beforeClassMatches(baseline, lo, graph, o))) same++;
  }
  return { shared, same };
}

/**
 * One process, two inspector sessions: V8 clears its object ids when the last
 * session ends and numbers the heap again from 1 at the next snapshot, so the
 * same ids name other objects. The process is the same (globalOrderOf) and the
 * ids disagree: among the few that a later snapshot of one session can show
 * (an id V8 handed on to an object at a dead one's address) when the numbering
 * restarted, or many.
 *
 * A page: Chrome clears the ids whenever any DevTools session of the page ends
 * (a second client that connects and disconnects, DevTools closing), and the
 * global object's property order tells nothing of the process (Chrome's hash
 * seed is fixed). The after snapshot numbered from 1 with ids that disagree
 * is the first of another session.
 */
function checkOneSession(baseline: Baseline, graph: HeapGraph): void {
  const page = baseline.meta.runtime === 'browser' && runtimeOf(graph) === 'browser';
  const sameProcess = baseline.globalOrder !== 0 && baseline.globalOrder === globalOrderOf(graph);
  if (!sameProcess && !page) return;
  const { shared, same } = idAgreement(baseline, graph);
  const differ = shared - same;
  const renumbered = differ >= Math.max(3, shared * 0.01) && freshNumbering(graph);
  if (page) {
    if (!renumbered) return;
    throw new TwoSessionsError(
      `${graph.file} was not taken in the DevTools session of ${baseline.meta.path} (V8 numbered the page's objects anew: it does so whenever a DevTools session of the page ends, such as a second client that connects and disconnects, or DevTools closing), so their ids do not match: take the snapshots in one session with no other client ending between them, e.g. leakscan capture --inspect HOST:PORT --count 2, or from your own client's one session (HeapProfiler.takeHeapSnapshot)`,
    );
  }
  if (differ >= Math.max(3, shared * 0.1) || renumbered) {
    throw new TwoSessionsError(
      `${baseline.meta.path} and ${graph.file} come from one process but two inspector sessions (V8 numbers the objects anew when a session ends, so their ids do not match): take the snapshots in one session, e.g. leakscan capture --pid PID --count 2 --between "your load command"`,
    );
  }
}

/** Every SAME_PROCESS_SAMPLE-th shared object is checked for the same class and text. */
export const SAME_PROCESS_SAMPLE = 32;

/**
 * Two snapshots of different processes can share ids by chance (ids count up
 * from the same start in every isolate), so a shared id is only evidence when
 * it names the same object in both: same class, and for strings, which are
 * immutable, the same text. Two runs of one program start alike (same ids and
 * classes) but soon differ in text.
 */
export function checkSameProcess(
  before: Baseline,
  after: SnapshotMeta,
  shared: number,
  sample: { shared: number; sameClass: number; changedStrings: number },
  afterReachable: number,
): void {
  const smaller = Math.min(before.ids.length, afterReachable);
  const names = `${before.meta.path} and ${after.path}`;
  const advice = 'diff needs two snapshots of one running process';
  if (smaller >= 1000 && shared < smaller * 0.02) {
    throw new UnrelatedSnapshotsError(`${names} share almost no objects (${shared} of ${smaller} ids): ${advice}`);
  }
  if (sample.changedStrings >= 3) {
    throw new UnrelatedSnapshotsError(
      `${names} are not snapshots of one process (strings changed their text under the same id): ${advice}`,
    );
  }
  if (sample.shared >= 250 && sample.sameClass < sample.shared * 0.9) {
    const pct = Math.round((100 * (sample.shared - sample.sameClass)) / sample.shared);
    throw new UnrelatedSnapshotsError(
      `${names} are not snapshots of one process (${pct}% of the shared ids name different objects): ${advice}`,
    );
  }
}

/** Strings both snapshots hold under one id, and how many of them have another text (strings never change theirs). */
function stringAgreement(baseline: Baseline, graph: HeapGraph): { shared: number; changed: number } {
  let shared = 0;
  let changed = 0;
  for (let o = 0; o < graph.nodeCount; o++) {
    const hash = stringHashOf(graph, o);
    if (hash === 0) continue;
    const j = indexOfId(baseline.ids, graph.nodeId(o));
    if (j < 0 || baseline.stringHash[j] === 0) continue;
    shared++;
    if (baseline.stringHash[j] !== hash) changed++;
  }
  return { shared, changed };
}

/** The newest object of a later snapshot is newer than any of an earlier one: AFTER older than BEFORE would list freed objects as new. */
function checkOrder(baseline: Baseline, graph: HeapGraph): void {
  const afterMax = newestHeapObjectId(graph);
  if (afterMax < baseline.maxNodeId) {
    const before = baseline.meta.path;
    // Swapping cannot help two processes (ids count up alike in every one): say that instead, as checkSameProcess would.
    const { shared, changed } = stringAgreement(baseline, graph);
    if (changed >= 3 && changed >= shared * 0.01) {
      throw new UnrelatedSnapshotsError(
        `${before} and ${graph.file} are not snapshots of one process (strings changed their text under the same id): diff needs two snapshots of one running process`,
      );
    }
    throw new SnapshotOrderError(
      `${graph.file} was taken before ${before} (its newest object is @${afterMax}, ${before} has @${baseline.maxNodeId}; V8 ids only grow): swap them: leakscan diff ${graph.file} ${before}`,
    );
  }
}

/** The middle snapshot of three must be of the same session as the last: most shared ids name the same objects. */
function checkMiddleMatches(middle: Baseline, graph: HeapGraph): void {
  const { shared, same } = idAgreement(middle, graph);
  if (shared < 100 ? shared === 0 && middle.ids.length >= 1000 : same < shared * 0.9) {
    throw new UnrelatedSnapshotsError(
      `${middle.meta.path} and ${graph.file} are not snapshots of one process session (their ids name different objects): diff needs snapshots of one running process`,
    );
  }
}

/** The checks before a diff of `graph` against `baseline` (and `middle`, the second of three snapshots): one session, in order. */
export function checkPair(baseline: Baseline, graph: HeapGraph, middle: Baseline | null): void {
  checkOneSession(baseline, graph);
  checkOrder(baseline, graph);
  if (middle) {
    checkOneSession(middle, graph);
    checkOrder(middle, graph);
    checkMiddleMatches(middle, graph);
  }
}
