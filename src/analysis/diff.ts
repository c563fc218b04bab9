// Diff of two snapshots of one process, matched by V8 node id (ids are stable
// for the life of an isolate). The before snapshot contributes only its ids,
// classes, types and shallow sizes, and is dropped before the after snapshot
// is read, as DevTools' Comparison view does with its base snapshot.
// New objects held only by a running function's stack are counted and marked
// (trace.ts), except in snapshots leakscan's own runner took.

import { statSync } from 'node:fs';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { stringTypeFlags } from '../classes.js';
import {
  calculateDistances,
  calculateShallowSizes,
  type HeapGraph,
  type PendingDominance,
  readSnapshot,
  startDominance,
} from '../engine/index.js';
import {
  type ExitCode,
  LeakscanError,
  SnapshotOrderError,
  TwoSessionsError,
  UnrelatedSnapshotsError,
} from '../errors.js';
import type { ClassDiff, DiffResult, SnapshotMeta } from '../types.js';
import { ClassTable } from './class-table.js';
import { dominatorChildren, NEW_UNLISTED, NOT_NEW, setRetainedSizes } from './dominance.js';
import { holdersOf } from './holders.js';
import { type BaselineShapes, baselineShapes, classBaselineShapes, shapeDiff } from './object-shapes.js';
import { snapshotMeta } from './snapshot-meta.js';
import { type RootTrace, traceFromRoots, UNREACHED, Via } from './trace.js';
import { whereOfClasses } from './where.js';

export type AnalysisProgress =
  | { phase: 'read'; file: string; bytesRead: number; totalBytes: number }
  | { phase: 'analyze'; file: string; step: string };

export interface Thresholds {
  /** Least number of new objects that stay reachable for a class to be a suspect. */
  minCount: number;
  /** Least retained size, bytes, of those objects. */
  minBytes: number;
}

export const DEFAULT_DIFF_THRESHOLDS: Thresholds = { minCount: 50, minBytes: 0 };

export interface DiffOptions {
  /** How many classes (from the top, after filtering) get a retainer path. Default 3. */
  paths?: number;
  /** Overrides `paths`: which classes get a retainer path (rank counts from 0 after sorting and filtering). */
  tracePath?: (entry: ClassDiff, rank: number) => boolean;
  /** Keep only the first N classes. Default: all. */
  top?: number;
  /** Keep only classes with this name. */
  className?: string;
  /** Keep only classes with at least this many new objects. Default 1. */
  minCount?: number;
  /** Also report V8's internal types (hidden, code, arrays, ...). */
  includeInternal?: boolean;
  thresholds?: Thresholds;
  /**
   * Classes whose new objects can hold others' (making those nested, see
   * heldByNew). Default: classes with at least thresholds.minCount new objects,
   * so a one-off container does not hide the objects it collects.
   */
  ownerClass?: (key: { name: string; type: string }, added: number) => boolean;
  /** See OwnerRule.collectionLimit (dominance.ts). */
  collectionLimit?: number;
  onProgress?: (event: AnalysisProgress) => void;
}

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

async function loadGraph(file: string, onProgress: DiffOptions['onProgress']): Promise<HeapGraph> {
  return readSnapshot(file, {
    onProgress: onProgress
      ? (bytesRead, totalBytes) => onProgress({ phase: 'read', file, bytesRead, totalBytes })
      : undefined,
  });
}

/**
 * Every object of before, as DevTools' Comparison view takes its base: an id
 * seen in before is not new in after even if nothing strong held it then.
 */
function baselineOf(graph: HeapGraph): Baseline {
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

/** Ids sampled from `graph` per check of idAgreement. */
const AGREEMENT_SAMPLE = 4096;

/** Of a sample of `graph`'s heap objects whose id is in `baseline`: how many are the same kind of object there. */
function idAgreement(baseline: Baseline, graph: HeapGraph): { shared: number; same: number } {
  const stride = Math.max(1, Math.floor(graph.nodeCount / AGREEMENT_SAMPLE));
  const namedKind = Uint8Array.from(graph.nodeTypeNames, (name) => (name === 'object' || name === 'native' ? 1 : 0));
  const ids = baseline.ids;
  let shared = 0;
  let same = 0;
  for (let o = 0; o < graph.nodeCount; o += stride) {
    const id = graph.nodeId(o);
    if ((id & 1) === 0) continue;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    if (ids[lo] !== id) continue;
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
 */
function checkOneSession(baseline: Baseline, graph: HeapGraph): void {
  if (baseline.globalOrder === 0 || baseline.globalOrder !== globalOrderOf(graph)) return;
  const { shared, same } = idAgreement(baseline, graph);
  const differ = shared - same;
  if (differ >= Math.max(3, shared * 0.1) || (differ >= Math.max(3, shared * 0.01) && freshNumbering(graph))) {
    throw new TwoSessionsError(
      `${baseline.meta.path} and ${graph.file} come from one process but two inspector sessions (V8 numbers the objects anew when a session ends, so their ids do not match): take the snapshots in one session, e.g. leakscan capture --pid PID --count 2 --between "your load command"`,
    );
  }
}

/** FNV-1a of a string node's content (first 256 chars), never 0; 0 for other nodes. */
function stringHashOf(graph: HeapGraph, ordinal: number): number {
  if (graph.classType(ordinal) !== 'string') return 0;
  const text = graph.nodeName(ordinal);
  let hash = 0x811c9dc5;
  for (let i = 0, n = Math.min(text.length, 256); i < n; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash | 1) >>> 0;
}

/** Every SAME_PROCESS_SAMPLE-th shared object is checked for the same class and text. */
const SAME_PROCESS_SAMPLE = 32;

function beforeClassMatches(baseline: Baseline, index: number, graph: HeapGraph, ordinal: number): boolean {
  return baseline.classOf[index] === baseline.table.indexOf(graph, ordinal);
}

/**
 * Two snapshots of different processes can share ids by chance (ids count up
 * from the same start in every isolate), so a shared id is only evidence when
 * it names the same object in both: same class, and for strings, which are
 * immutable, the same text. Two runs of one program start alike (same ids and
 * classes) but soon differ in text.
 */
function checkSameProcess(
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

/** New objects of a class that stay (strongly) reachable: the ones a leak is made of. */
export function retainedCount(c: Pick<ClassDiff, 'added' | 'heldWeakly'>): number {
  return c.added - c.heldWeakly;
}

/** New objects of a class not held through other new objects, nor only weakly: the ones a leak would be blamed on. */
export function independentCount(c: Pick<ClassDiff, 'added' | 'heldByNew' | 'heldWeakly'>): number {
  return c.added - c.heldByNew - c.heldWeakly;
}

/**
 * A class whose new objects stay reachable and outnumber the freed ones by the
 * thresholds, counting only those not held through other new objects (a leaked
 * Session's strings are part of the Session leak, not suspects of their own).
 */
export function isSuspect(
  c: Pick<ClassDiff, 'added' | 'removed' | 'retainedSize' | 'heldByNew' | 'heldWeakly'>,
  thresholds: Thresholds,
): boolean {
  const independent = independentCount(c);
  return (
    independent - c.removed >= thresholds.minCount &&
    independent >= thresholds.minCount &&
    c.retainedSize >= thresholds.minBytes
  );
}

/** --class, --min-count and --top, in that order, on classes already sorted. */
export function filterClasses(
  classes: ClassDiff[],
  options: Pick<DiffOptions, 'className' | 'minCount' | 'top'>,
): ClassDiff[] {
  const minCount = options.minCount ?? 1;
  const kept = classes.filter(
    (c) => c.added >= minCount && (options.className === undefined || c.name === options.className),
  );
  return options.top === undefined ? kept : kept.slice(0, options.top);
}

export async function diffSnapshots(
  beforeFile: string,
  afterFile: string,
  options: DiffOptions = {},
): Promise<DiffResult> {
  // Big pairs: read the two files at once, the before one on the second core.
  const parallel = fileSize(beforeFile) >= PARALLEL_MIN_BYTES && fileSize(afterFile) >= PARALLEL_MIN_BYTES;
  if (!parallel) return diffAgainst(await loadBaseline(beforeFile, options), afterFile, options);
  const before = loadBaselineInWorker(beforeFile, options);
  try {
    // The after graph's dominators start on their own thread as soon as it is read, baseline or not.
    const after = loadGraph(afterFile, options.onProgress).then((graph) => ({
      graph,
      dominance: startDominance(graph),
    }));
    const [baseline, { graph, dominance }] = await Promise.all([before.baseline, after]);
    return await diffGraph(baseline, graph, options, dominance);
  } finally {
    void before.worker.terminate(); // done already, or no longer needed after a failure
  }
}

/**
 * Three snapshots of one process (A, B, C): the objects allocated between A
 * and B that are still alive in C, as DevTools' "Objects allocated between
 * snapshots" and memlab's baseline/target/final. Caches that warm up once
 * before B and objects only in flight at B drop out. Counts, holders and
 * paths are those of C (what holds the objects now); "deleted" is what of A
 * is gone in C.
 */
export async function diffThreeSnapshots(
  firstFile: string,
  middleFile: string,
  lastFile: string,
  options: DiffOptions = {},
): Promise<DiffResult> {
  const first = await loadBaseline(firstFile, options);
  const middle = await loadBaseline(middleFile, options);
  if (middle.maxNodeId < first.maxNodeId) {
    throw new SnapshotOrderError(
      `${middleFile} was taken before ${firstFile} (its newest object is @${middle.maxNodeId}, ${firstFile} has @${first.maxNodeId}; V8 ids only grow): give the snapshots in the order they were taken`,
    );
  }
  const graph = await loadGraph(lastFile, options.onProgress);
  return diffGraph(first, graph, options, startDominance(graph), middle);
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

/** Below this, a worker's start-up costs more than it saves. */
const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // the reader reports it
  }
}

/** loadBaseline on a worker thread (baseline-worker.ts); errors come back as LeakscanErrors with their exit code. */
function loadBaselineInWorker(
  file: string,
  options: Pick<DiffOptions, 'onProgress'>,
): { baseline: Promise<Baseline>; worker: Worker } {
  const worker = new Worker(new URL('./baseline-worker.js', import.meta.url), {
    workerData: { file },
    // The worker gets this process's heap limit (it may have been raised for a big file).
    resourceLimits: { maxOldGenerationSizeMb: Math.floor(v8.getHeapStatistics().heap_size_limit / (1024 * 1024)) },
  });
  const baseline = new Promise<Baseline>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') {
        options.onProgress?.(message.event);
      } else if (message.type === 'done') {
        const table = new ClassTable();
        for (const key of message.keys) table.intern(key.name, key.type);
        resolve({
          ids: message.ids,
          classOf: message.classOf,
          selfSize: message.selfSize,
          stringHash: message.stringHash,
          nodeType: message.nodeType,
          meta: message.meta,
          table,
          maxNodeId: message.maxNodeId,
          globalOrder: message.globalOrder,
          shapes: message.shapes,
        });
      } else {
        const error =
          message.exitCode === null ? new Error(message.message) : new LeakscanError(message.message, message.exitCode);
        if (message.stack) error.stack = message.stack;
        reject(error);
      }
    });
    worker.on('error', reject);
  });
  // A failure of the after file settles the diff first; this one must not go unhandled.
  baseline.catch(() => {});
  return { baseline, worker };
}

type WorkerMessage =
  | { type: 'progress'; event: AnalysisProgress }
  | {
      type: 'done';
      ids: Uint32Array;
      classOf: Uint32Array;
      selfSize: Uint32Array;
      stringHash: Uint32Array;
      nodeType: Uint8Array;
      meta: SnapshotMeta;
      maxNodeId: number;
      globalOrder: number;
      keys: { name: string; type: string }[];
      shapes: BaselineShapes | null;
    }
  | { type: 'error'; message: string; stack?: string; exitCode: ExitCode | null };

/** Reads the before snapshot and keeps only its ids, classes and self sizes; the graph itself is dropped. */
export async function loadBaseline(file: string, options: Pick<DiffOptions, 'onProgress'> = {}): Promise<Baseline> {
  const graph = await loadGraph(file, options.onProgress);
  options.onProgress?.({ phase: 'analyze', file, step: 'tracing' });
  return baselineOf(graph);
}

export async function diffAgainst(
  baseline: Baseline,
  afterFile: string,
  options: DiffOptions = {},
): Promise<DiffResult> {
  return diffGraph(baseline, await loadGraph(afterFile, options.onProgress), options);
}

/**
 * Largest id of a V8 heap object. V8 numbers heap objects with odd ids in the
 * order it first sees them; embedder objects (Node's and Blink's C++ objects)
 * get even ids derived from their addresses, which say nothing of age.
 */
function newestHeapObjectId(graph: HeapGraph): number {
  let newest = 0;
  for (let o = 0; o < graph.nodeCount; o++) {
    const id = graph.nodeId(o);
    if ((id & 1) === 1 && id > newest) newest = id;
  }
  return newest;
}

/** The newest object of a later snapshot is newer than any of an earlier one: AFTER older than BEFORE would list freed objects as new. */
function checkOrder(baseline: Baseline, graph: HeapGraph): void {
  const afterMax = newestHeapObjectId(graph);
  if (afterMax < baseline.maxNodeId) {
    const before = baseline.meta.path;
    throw new SnapshotOrderError(
      `${graph.file} was taken before ${before} (its newest object is @${afterMax}, ${before} has @${baseline.maxNodeId}; V8 ids only grow): swap them: leakscan diff ${graph.file} ${before}`,
    );
  }
}

/** Per-class sums in a typed array that grows with the class table. */
class ClassSums {
  private values = new Float64Array(256);
  add(cls: number, value: number): void {
    if (cls >= this.values.length) {
      const bigger = new Float64Array(Math.max(cls + 1, this.values.length * 2));
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[cls] += value;
  }
  get(cls: number): number {
    return cls < this.values.length ? this.values[cls] : 0;
  }
}

interface Matched {
  /** Per node: class index of a listed new object, NOT_NEW, or NEW_UNLISTED (dominance.ts). */
  memberClass: Int32Array;
  added: ClassSums;
  addedSize: ClassSums;
  heldByStack: ClassSums;
  heldWeakly: ClassSums;
  removed: ClassSums;
  removedSize: ClassSums;
  shared: number;
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
function matchById(
  baseline: Baseline,
  graph: HeapGraph,
  trace: RootTrace,
  shallow: Uint32Array,
  afterMeta: SnapshotMeta,
  options: DiffOptions,
  middle: Baseline | null,
): Matched {
  const table = baseline.table;
  const memberClass = new Int32Array(graph.nodeCount);
  const added = new ClassSums();
  const addedSize = new ClassSums();
  const heldByStack = new ClassSums();
  const heldWeakly = new ClassSums();
  const internal = (cls: number): boolean => !options.includeInternal && table.keys[cls].internal;
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
  checkSameProcess(baseline, afterMeta, shared, check, trace.reachableCount);

  const removed = new ClassSums();
  const removedSize = new ClassSums();
  for (let i = 0; i < beforeIds.length; i++) {
    if (matched[i] === 1 || baseline.selfSize[i] === 0) continue;
    const cls = baseline.classOf[i];
    if (internal(cls)) continue;
    removed.add(cls, 1);
    removedSize.add(cls, baseline.selfSize[i]);
  }
  return { memberClass, added, addedSize, heldByStack, heldWeakly, removed, removedSize, shared };
}

/** Each listed class's definition site and, with allocation traces, its new objects' allocation stacks. */
function annotateWhere(
  graph: HeapGraph,
  memberClass: Int32Array,
  classes: ClassDiff[],
  classIndex: Map<ClassDiff, number>,
  shallow: Uint32Array,
): void {
  const wanted = new Set(classes.filter((c) => c.added > 0).map((c) => classIndex.get(c)!));
  const where = whereOfClasses(graph, (o) => memberClass[o], wanted, shallow);
  for (const entry of classes) {
    const found = where.get(classIndex.get(entry)!);
    if (found?.location) entry.location = found.location;
    if (found?.allocationStacks) entry.allocationStacks = found.allocationStacks;
  }
}

/** Holders listed per traced class. */
const HOLDERS_PER_CLASS = 3;

async function diffGraph(
  baseline: Baseline,
  graph: HeapGraph,
  options: DiffOptions,
  dominance: PendingDominance = startDominance(graph),
  middle: Baseline | null = null,
): Promise<DiffResult> {
  try {
    return await diffPasses(baseline, graph, options, dominance, middle);
  } finally {
    dominance.cancel(); // done already, or no longer needed after a failure
  }
}

async function diffPasses(
  baseline: Baseline,
  graph: HeapGraph,
  options: DiffOptions,
  dominance: PendingDominance,
  middle: Baseline | null,
): Promise<DiffResult> {
  const onProgress = options.onProgress;
  const thresholds = options.thresholds ?? DEFAULT_DIFF_THRESHOLDS;
  const table = baseline.table;
  const afterFile = graph.file;
  checkOneSession(baseline, graph);
  checkOrder(baseline, graph);
  if (middle) {
    checkOneSession(middle, graph);
    checkOrder(middle, graph);
    checkMiddleMatches(middle, graph);
  }
  const shapes = shapeDiff(graph, table, baseline);
  // The middle snapshot's plain objects take the same shape names, or none of them would match by kind.
  if (middle) classBaselineShapes(middle.table, middle, shapes);
  onProgress?.({ phase: 'analyze', file: afterFile, step: 'tracing' });
  const trace = traceFromRoots(graph);
  const afterMeta = snapshotMeta(graph, trace);
  const shallow = calculateShallowSizes(graph);
  dominance.useShallowSizes(shallow);
  const m = matchById(baseline, graph, trace, shallow, afterMeta, options, middle);

  onProgress?.({ phase: 'analyze', file: afterFile, step: 'dominators' });
  const { dominators, retainedSizes } = await dominance.result;
  const tree = dominatorChildren(graph, dominators);
  const isOwner =
    options.ownerClass ??
    ((_key: { name: string; type: string }, count: number) => count >= Math.max(1, thresholds.minCount));
  const owners = new Uint8Array(table.size);
  for (let cls = 0; cls < table.size; cls++)
    owners[cls] = m.added.get(cls) > 0 && isOwner(table.keys[cls], m.added.get(cls)) ? 1 : 0;
  onProgress?.({ phase: 'analyze', file: afterFile, step: 'holders' });
  const walk = setRetainedSizes(graph, tree, retainedSizes, m.memberClass, table.size, {
    ownerClass: owners,
    collectionLimit: options.collectionLimit,
  });

  let classes: ClassDiff[] = [];
  const classIndex = new Map<ClassDiff, number>();
  const totals = { added: 0, removed: 0, addedSize: 0, removedSize: 0, retainedSize: walk.total };
  for (let cls = 0; cls < table.size; cls++) {
    const a = m.added.get(cls);
    const r = m.removed.get(cls);
    if (a === 0 && r === 0) continue;
    const key = table.keys[cls];
    const entry: ClassDiff = {
      name: key.name,
      type: key.type,
      added: a,
      removed: r,
      addedSize: m.addedSize.get(cls),
      removedSize: m.removedSize.get(cls),
      retainedSize: walk.perClass[cls],
      heldByNew: walk.nested[cls],
      heldByStack: m.heldByStack.get(cls),
      heldWeakly: m.heldWeakly.get(cls),
      suspect: false,
      sampleNodeId: null,
      retainerPath: null,
      holders: null,
    };
    entry.suspect = isSuspect(entry, thresholds);
    totals.added += entry.added;
    totals.removed += entry.removed;
    totals.addedSize += entry.addedSize;
    totals.removedSize += entry.removedSize;
    classes.push(entry);
    classIndex.set(entry, cls);
  }
  classes.sort((x, y) => y.retainedSize - x.retainedSize || y.added - x.added || x.name.localeCompare(y.name));

  classes = filterClasses(classes, options);
  annotateWhere(graph, m.memberClass, classes, classIndex, shallow);
  for (const entry of classes) {
    const constructorName = table.keys[classIndex.get(entry)!].constructorName;
    if (constructorName !== undefined) entry.constructorName = constructorName;
  }

  const pathCount = options.paths ?? 3;
  const tracePath = options.tracePath ?? ((_: ClassDiff, rank: number) => rank < pathCount);
  for (const [rank, entry] of classes.entries()) {
    if (!tracePath(entry, rank) || entry.added === 0) continue;
    entry.holders = holdersOf(graph, trace, walk, m.memberClass, classIndex.get(entry)!, HOLDERS_PER_CLASS);
    const first = entry.holders[0];
    if (!first) continue;
    entry.sampleNodeId = first.sampleNodeId;
    entry.retainerPath = first.retainerPath;
  }

  return {
    before: baseline.meta,
    ...(middle ? { middle: middle.meta } : {}),
    after: afterMeta,
    sharedIds: m.shared,
    classes,
    totals,
    thresholds,
    engine: 'leakscan',
  };
}
