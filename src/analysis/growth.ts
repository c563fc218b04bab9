// The trend over the snapshots taken after the measured calls (after, then
// one every few calls): per class, how many new objects stay reachable at each
// point; per object that keeps its id, its retained size at each point. The
// leak rule (leaks.ts) reads the trend; this module only measures.
import { stringTypeFlags } from '../classes.js';
import type { HeapGraph } from '../engine/index.js';
import { applyShapes, inferShapeDefinitions, objectSignatures } from '../engine/shapes.js';
import type { ByteGrowth, SnapshotMeta } from '../types.js';
import { browserInternalNodes } from './browser.js';
import type { ClassTable } from './class-table.js';
import { type AnalysisProgress, type Baseline, loadGraph, type PreparedAfter } from './diff.js';
import { type DominatorChildren, dominatorChildren, dominatorPreOrder } from './dominance.js';
import { type IgnoreRule, ignoredNodes } from './ignore.js';
import { isUserLocation } from './ownership.js';
import { holderLabel, retainerPath } from './paths.js';
import { prepareGraph } from './prepare.js';
import { snapshotMeta } from './snapshot-meta.js';
import { type RootTrace, UNREACHED, Via } from './trace.js';

export const classKey = (c: { name: string; type: string }): string => `${c.type}\u0000${c.name}`;

export interface Trend {
  /** Per class key (classKey): new objects (id not in before) reachable at each point. */
  counts: Map<string, number[]>;
  /** Per class key: all its objects reachable at each point, new or not (same objects as counts). */
  totals: Map<string, number[]>;
  /** Objects with the same id at every point whose retained size grows by the byte rule, most specific first. */
  growth: ByteGrowth[];
  /** Each point's snapshot, before first: its sizes (reachableSize is the heap in use after the snapshot's GC). */
  snapshots: SnapshotMeta[];
  /**
   * From after on, per point: for each object that is not new, by node id, how many new objects of each class
   * (by class index) it holds: it is their nearest dominator not new, Chrome's own objects passed through, as
   * the findings' holders.
   */
  holders: Map<number, Map<number, number>>[];
  /**
   * Holders at after (by node id) no longer reachable in the last snapshot: V8's storage replaced as it grew (a
   * Map's table reallocated), whose objects moved to the new one; how many each holds there says nothing.
   */
  replaced: Set<number>;
  /**
   * Growing objects (by ByteGrowth.nodeId) whose growth the count rule explains (countedGrowth): the node ids of
   * the holders of the objects of growing classes that make it up, as the findings' holders.
   */
  counted: Map<number, number[]>;
}

export interface ByteRule {
  /** Calls between two consecutive points. */
  stepCalls: number;
  /** Least growth of retained size per call, bytes. */
  minBytesPerCall: number;
  /**
   * Least growth per call, bytes, of an object in a plain container the user's code holds (a module's object of
   * arrays, a field of their class): no runtime bookkeeping sits there, so less than minBytesPerCall is a leak.
   */
  minOwnedBytesPerCall?: number;
  /** Least retained size at the last point, bytes. */
  minBytes: number;
  /** New objects these rules name (ignore.ts) are left out of the counts. */
  ignore?: readonly IgnoreRule[];
  /**
   * The count rule (leaks.ts): true for a class whose new objects grow in number, from its counts and totals
   * from after on. A growing object made of such objects is their leak (countedGrowth).
   */
  countGrows?: (counts: readonly number[], totals: readonly number[] | undefined) => boolean;
}

/** How measureTrend gets its files. */
export interface TrendReading {
  onProgress?: (event: AnalysisProgress) => void;
  /** Resolves once the file is complete on disk (default: they all are). */
  written?: (file: string) => Promise<void>;
  /** The before snapshot already read (for the baseline, no shapes applied): taken instead of reading it again, and let go. */
  before?: { graph: HeapGraph | null };
  /**
   * The point (index in `files`) the reported diff is taken at: its graph, prepared, is left in `prepared`
   * (its shapes taken off again) for diff.ts diffAgainst, instead of being read and prepared once more. The
   * one graph kept past its point.
   */
  report?: { point: number; prepared: PreparedAfter['prepared'] };
}

/** Objects that keep their id: ids sorted ascending, and the retained size at each point so far. */
interface Tracked {
  ids: Uint32Array;
  sizes: Float64Array[];
  /** Ordinals in the graph of the latest point. */
  ordinals: Uint32Array;
}

/**
 * Reads before, then the files in order (after, growth-1, growth-2, …), one
 * graph at a time, each once `written` says it is complete (the run may still
 * be writing the next ones); the last one is kept to name what grew, and the
 * reported one (`reading.report`) until the diff takes it. Before is read again
 * unless `reading.before` hands over its graph (the baseline keeps no retained
 * sizes): an object that was there already shows one more step of its growth.
 */
export async function measureTrend(
  baseline: Baseline,
  beforeFile: string,
  files: string[],
  rule: ByteRule,
  reading: TrendReading = {},
): Promise<Trend> {
  const { onProgress, written } = reading;
  const counts = new Map<string, number[]>();
  const totals = new Map<string, number[]>();
  let tracked: Tracked | null = null;
  let growth: ByteGrowth[] = [];
  const snapshots: SnapshotMeta[] = [];
  const holders: Map<number, Map<number, number>>[] = [];
  let counted = new Map<number, number[]>();
  const replaced = new Set<number>();
  // Points: before (only for the sizes of objects already there), after, growth-1, …
  const points = [beforeFile, ...files];
  const afterPoint = 1;
  for (const [point, file] of points.entries()) {
    await written?.(file);
    const read = point === 0 ? reading.before?.graph : null;
    if (read) reading.before!.graph = null; // not held past its point
    const graph = read ?? (await loadGraph(file, onProgress));
    onProgress?.({ phase: 'analyze', file, step: 'trend' });
    // Plain objects named by their shape ({url, at}), as the diff names them (object-shapes.ts): a
    // leak of plain objects is counted under the name the diff reports it by, not as Object.
    const signatures = objectSignatures(graph);
    applyShapes(graph, inferShapeDefinitions(signatures), signatures);
    const prepared = await prepareGraph(graph);
    const { trace, dominators, retainedSizes } = prepared;
    const report = point - afterPoint === reading.report?.point ? reading.report : null;
    // DevTools' retained sizes, as the diff reads them: dataSizes below changes these in place.
    if (report) report.prepared = { ...prepared, retainedSizes: retainedSizes.slice() };
    snapshots.push(snapshotMeta(graph, trace));
    const tree = dominatorChildren(graph, dominators, (o) => trace.distance[o] !== UNREACHED);
    const preOrder = dominatorPreOrder(graph, tree);
    const inState = underRuntimeState(graph, dominators, preOrder);
    const retained = dataSizes(graph, dominators, preOrder, retainedSizes);
    const order = graph.ordinalsById();
    const isNew = point >= afterPoint ? newSinceBaseline(baseline, graph, order) : null;
    const ignored = isNew ? ignoredAt(baseline, graph, trace, dominators, preOrder, isNew, rule.ignore ?? []) : null;
    // Chrome's own objects, read once per snapshot: the holders pass through them, and the walks of the last one.
    const browser = isNew ? browserInternalNodes(graph) : null;
    const perHolder = isNew ? newPerHolder(baseline, graph, trace, dominators, preOrder, isNew, browser) : null;
    if (perHolder) holders.push(perHolder.counts);
    if (isNew)
      countNewObjects(
        baseline,
        graph,
        trace,
        inState,
        order,
        point - afterPoint,
        files.length,
        counts,
        totals,
        ignored,
        isNew,
      );
    // Objects of after that were not in before are tracked too, with no size at before (NaN).
    tracked = track(graph, trace, order, retained, tracked, { keepNew: point === afterPoint });
    if (point === points.length - 1) {
      // Gone, or left in the file unreachable (an obsolete table V8 links to its successor).
      const gone = (o: number): boolean => o < 0 || trace.distance[o] === UNREACHED;
      if (holders.length > 1) for (const id of holders[0].keys()) if (gone(graph.ordinalOfId(id))) replaced.add(id);
      growth = growingObjects(graph, trace, dominators, tree, retained, tracked, rule);
      const isProgram = programObjects(graph, browser);
      if (ignored) markIgnoredGrowth(graph, tree, growth, ignored, rule.ignore ?? [], isProgram);
      if (isNew && perHolder && rule.countGrows) {
        const isCounted = countedClasses(baseline.table, graph, counts, totals, rule.countGrows);
        // Less than the byte rule asks of the growth over the extra calls.
        const slack = rule.minBytesPerCall * (files.length - 1) * rule.stepCalls;
        counted = countedGrowth(graph, tree, retained, growth, isNew, perHolder.holderOf, isCounted, slack, isProgram);
      }
    }
    // The diff's checks that before and after are of one process compare plain objects by their constructor:
    // it applies the shapes again after them.
    if (report) graph.clearObjectShapes();
  }
  return { counts, totals, growth, snapshots, holders, replaced, counted };
}

/** Per node, 1 when its id is not in before (both walked in id order: the graph's `order`, the baseline's ids). */
function newSinceBaseline(baseline: Baseline, graph: HeapGraph, order: Uint32Array): Uint8Array {
  const isNew = new Uint8Array(graph.nodeCount);
  const beforeIds = baseline.ids;
  for (let k = 0, j = 0; k < order.length; k++) {
    const id = graph.nodeId(order[k]);
    while (j < beforeIds.length && beforeIds[j] < id) j++;
    if (!(j < beforeIds.length && beforeIds[j] === id)) isNew[order[k]] = 1;
  }
  return isNew;
}

/**
 * How many new objects (id not in before) of each class each object that is not new holds: their nearest
 * dominator that is neither new nor Chrome's own (the diff's transparent nodes), by that holder's node id; and
 * that holder's ordinal for each node (`holderOf`). One pass in dominator pre-order, parents first.
 */
function newPerHolder(
  baseline: Baseline,
  graph: HeapGraph,
  trace: RootTrace,
  dominators: Uint32Array,
  preOrder: Uint32Array,
  isNew: Uint8Array,
  /** browserInternalNodes of the graph. */
  transparent: Uint8Array | null,
): { counts: Map<number, Map<number, number>>; holderOf: Uint32Array } {
  const holderOf = new Uint32Array(graph.nodeCount);
  const counts = new Map<number, Map<number, number>>();
  for (let k = 0; k < preOrder.length; k++) {
    const o = preOrder[k];
    const parent = dominators[o];
    if (k === 0 || parent === o) {
      holderOf[o] = o;
      continue;
    }
    holderOf[o] = isNew[parent] === 1 || transparent?.[parent] === 1 ? holderOf[parent] : parent;
    if (isNew[o] === 1 && trace.distance[o] !== UNREACHED) {
      const id = graph.nodeId(holderOf[o]);
      let perClass = counts.get(id);
      if (!perClass) {
        perClass = new Map();
        counts.set(id, perClass);
      }
      const cls = baseline.table.indexOf(graph, o);
      perClass.set(cls, (perClass.get(cls) ?? 0) + 1);
    }
  }
  return { counts, holderOf };
}

/** Node types whose dominator subtrees are V8's state, not the program's data: compiled code, feedback, allocation sites, hidden classes. */
const RUNTIME_STATE_TYPES = new Set(['code', 'object shape']);

/**
 * Retained sizes without the dominator subtrees of RUNTIME_STATE_TYPES nodes:
 * feedback vectors, inline caches and allocation-site boilerplates fill up
 * over many calls as V8 optimises, which the program's data does not do
 * forever. Computed in place, children before parents (reverse pre-order of
 * the dominator tree), from each node's own retained size minus the retained
 * sizes of the state subtrees right below it.
 */
function dataSizes(
  graph: HeapGraph,
  dominators: Uint32Array,
  order: Uint32Array,
  retained: Float64Array,
): Float64Array {
  const stateTypes = graph.nodeTypeNames.map((name) => RUNTIME_STATE_TYPES.has(name));
  const isState = (o: number): boolean => stateTypes[graph.nodeTypeIndex(o)];
  const count = order.length;
  // removed[o]: bytes of state subtrees below o (within o's retained size).
  const removed = new Float64Array(graph.nodeCount);
  for (let i = count - 1; i > 0; i--) {
    const o = order[i];
    const parent = dominators[o];
    removed[parent] += isState(o) ? retained[o] : removed[o];
  }
  for (let i = 0; i < count; i++) {
    const o = order[i];
    retained[o] = isState(o) ? 0 : retained[o] - removed[o];
  }
  return retained;
}

/**
 * 1 for nodes inside the dominator subtree of a RUNTIME_STATE_TYPES node: the
 * boilerplates and feedback V8 makes as it optimises, which appear over many
 * calls without being the program's objects (the diff counts them as parts of
 * compiled code, never as a leak of their own).
 */
function underRuntimeState(graph: HeapGraph, dominators: Uint32Array, order: Uint32Array): Uint8Array {
  const stateTypes = graph.nodeTypeNames.map((name) => RUNTIME_STATE_TYPES.has(name));
  const inState = new Uint8Array(graph.nodeCount);
  for (let i = 1; i < order.length; i++) {
    const o = order[i];
    const parent = dominators[o];
    if (inState[parent] === 1 || stateTypes[graph.nodeTypeIndex(parent)]) inState[o] = 1;
  }
  return inState;
}

/** The objects the diff counts as new (diff.ts matchById): reachable, not only from the stack, not V8 internals; and not parts of V8's runtime state (underRuntimeState). */
function countNewObjects(
  baseline: Baseline,
  graph: HeapGraph,
  trace: RootTrace,
  inState: Uint8Array,
  order: Uint32Array,
  point: number,
  points: number,
  counts: Map<string, number[]>,
  totals: Map<string, number[]>,
  ignored: { ruleOf: Int32Array } | null,
  isNew: Uint8Array,
): void {
  const table = baseline.table;
  const perClass: number[] = [];
  const perClassTotal: number[] = [];
  for (let k = 0; k < order.length; k++) {
    const o = order[k];
    if (trace.distance[o] === UNREACHED || trace.via[o] === Via.stack || inState[o] === 1) continue;
    if (ignored && ignored.ruleOf[o] >= 0) continue;
    const cls = table.indexOf(graph, o);
    if (table.keys[cls].internal) continue;
    perClassTotal[cls] = (perClassTotal[cls] ?? 0) + 1;
    if (isNew[o] === 1) perClass[cls] = (perClass[cls] ?? 0) + 1;
  }
  recordPoint(table, perClassTotal, point, points, totals);
  recordPoint(table, perClass, point, points, counts);
}

/** Each class's count at one point of the series, into its row of `series` (made, all zeros, on its first count). */
function recordPoint(
  table: ClassTable,
  perClass: number[],
  point: number,
  points: number,
  series: Map<string, number[]>,
): void {
  for (let cls = 0; cls < table.size; cls++) {
    const n = perClass[cls] ?? 0;
    if (n === 0) continue;
    const key = classKey(table.keys[cls]);
    let row = series.get(key);
    if (!row) {
      row = new Array<number>(points).fill(0);
      series.set(key, row);
    }
    row[point] = n;
  }
}

/** Node types that are V8's storage for an object's contents: a grown array's new backing store is not the program's object. */
const CONTENT_STORAGE_TYPES = new Set(['hidden', 'array', 'code', 'object shape', 'number']);

/**
 * Per node: false for what the runtime makes around the program's objects, passed through by the walks below:
 * V8's storage (CONTENT_STORAGE_TYPES), its `system / ` records, and Chrome's own bookkeeping (Blink's
 * `NodeRareData` of a DOM node: `browser`, browserInternalNodes), which comes and goes with the nodes the
 * program keeps.
 */
function programObjects(graph: HeapGraph, browser: Uint8Array | null): (o: number) => boolean {
  const storage = graph.nodeTypeNames.map((name) => CONTENT_STORAGE_TYPES.has(name));
  return (o) => !storage[graph.nodeTypeIndex(o)] && browser?.[o] !== 1 && !graph.nodeName(o).startsWith('system / ');
}

/**
 * An object growing in bytes because what an ignore rule names accumulates in
 * it (an array of ignored entries) is expected growth too: every new object it
 * dominates that the program made (programObjects) is ignored, by one rule.
 * Sets ignoreRule on those.
 */
function markIgnoredGrowth(
  graph: HeapGraph,
  tree: DominatorChildren,
  growth: ByteGrowth[],
  ignored: { ruleOf: Int32Array; isNew: Uint8Array },
  rules: readonly IgnoreRule[],
  isProgram: (o: number) => boolean,
): void {
  for (const g of growth) {
    const start = graph.ordinalOfId(g.nodeId);
    if (start < 0) continue;
    let rule = -1;
    let mixed = false;
    const stack = [start];
    while (stack.length > 0 && !mixed) {
      const o = stack.pop()!;
      if (o !== start && ignored.isNew[o] === 1) {
        const by = ignored.ruleOf[o];
        if (by >= 0) {
          if (rule >= 0 && by !== rule) mixed = true;
          rule = by;
          continue; // what it holds is ignored with it
        }
        if (isProgram(o)) mixed = true;
      }
      for (let c = tree.first[o]; c < tree.first[o + 1]; c++) stack.push(tree.children[c]);
    }
    if (!mixed && rule >= 0) g.ignoreRule = rules[rule].text;
  }
}

/** Per node: true when its class grows in count by the count rule (read once per class, from the whole series). */
function countedClasses(
  table: ClassTable,
  graph: HeapGraph,
  counts: Map<string, number[]>,
  totals: Map<string, number[]>,
  countGrows: NonNullable<ByteRule['countGrows']>,
): (o: number) => boolean {
  const byClass = new Map<number, boolean>();
  return (o) => {
    const cls = table.indexOf(graph, o);
    let grows = byClass.get(cls);
    if (grows === undefined) {
      const series = counts.get(classKey(table.keys[cls]));
      grows = series !== undefined && countGrows(series, totals.get(classKey(table.keys[cls])));
      byClass.set(cls, grows);
    }
    return grows;
  };
}

/**
 * The growing objects whose growth is a counted leak's (an array of the leak's objects between their holder and
 * them, one per customer): what they newly hold that the program made (`isProgram`: the runtime's records passed
 * through) is objects of classes that grow in count, with what those hold, but for at most `slack` bytes, too few
 * to grow by the byte rule; and those objects retain at least what the object grew by from after on. For each, by
 * node id, the node ids of those objects' holders: leaks.ts drops it when a finding counts them there. Bounded by
 * `slack`, as markIgnoredGrowth.
 */
function countedGrowth(
  graph: HeapGraph,
  tree: DominatorChildren,
  retained: Float64Array,
  growth: ByteGrowth[],
  isNew: Uint8Array,
  holderOf: Uint32Array,
  isCounted: (o: number) => boolean,
  slack: number,
  isProgram: (o: number) => boolean,
): Map<number, number[]> {
  const found = new Map<number, number[]>();
  const isString = stringTypeFlags(graph.nodeTypeNames);
  for (const g of growth) {
    const start = graph.ordinalOfId(g.nodeId);
    if (start < 0) continue;
    let counted = 0;
    let other = 0;
    const holders = new Set<number>();
    const keyStores = new Set<number>();
    const stack: number[] = [start];
    while (stack.length > 0 && other <= slack) {
      const o = stack.pop()!;
      if (isNew[o] === 1 && o !== start) {
        if (isCounted(o)) {
          counted += retained[o];
          holders.add(graph.nodeId(holderOf[o]));
          continue; // what it holds is counted with it
        }
        if (isProgram(o)) other += graph.nodeSelfSize(o);
      }
      // The keys of a collection's entries go with the entries: an object holding counted values by property
      // (handlers.h12) keeps their names in a backing store of its own, below it beside them.
      const keys = keyStores.has(o);
      const holdsCounted = !keys && hasCountedChild(tree, o, isNew, isCounted);
      for (let c = tree.first[o]; c < tree.first[o + 1]; c++) {
        const child = tree.children[c];
        if (keys && isString[graph.nodeTypeIndex(child)]) continue;
        if (holdsCounted && !isProgram(child)) keyStores.add(child);
        stack.push(child);
      }
    }
    const sizes = g.retainedSizes;
    const grew = sizes[sizes.length - 1] - sizes[0];
    if (holders.size > 0 && other <= slack && counted >= grew) found.set(g.nodeId, [...holders]);
  }
  return found;
}

/** True when a new object of a counted class hangs right below `o` in the dominator tree. */
function hasCountedChild(
  tree: DominatorChildren,
  o: number,
  isNew: Uint8Array,
  isCounted: (o: number) => boolean,
): boolean {
  for (let c = tree.first[o]; c < tree.first[o + 1]; c++) {
    const child = tree.children[c];
    if (isNew[child] === 1 && isCounted(child)) return true;
  }
  return false;
}

/** Per node, the ignore rule that takes it (ignoredNodes over the objects not in before), or null without rules. */
function ignoredAt(
  baseline: Baseline,
  graph: HeapGraph,
  trace: RootTrace,
  dominators: Uint32Array,
  preOrder: Uint32Array,
  isNew: Uint8Array,
  rules: readonly IgnoreRule[],
): { ruleOf: Int32Array; isNew: Uint8Array } | null {
  if (rules.length === 0) return null;
  const table = baseline.table;
  const ruleOf = ignoredNodes(
    graph,
    trace,
    dominators,
    preOrder,
    rules,
    (o) => isNew[o] === 1,
    (o) => table.keys[table.indexOf(graph, o)].name,
  );
  return { ruleOf, isNew };
}

/**
 * Keeps the objects whose id was at every point so far (a merge of sorted
 * ids), with this point's retained sizes. With `keepNew`, objects new at this
 * point are kept too, with NaN as their earlier sizes (the first point keeps
 * every object whatever it says).
 */
function track(
  graph: HeapGraph,
  trace: RootTrace,
  order: Uint32Array,
  retained: Float64Array,
  previous: Tracked | null,
  options: { keepNew: boolean },
): Tracked {
  const keep = (o: number): boolean =>
    trace.distance[o] !== UNREACHED && trace.via[o] !== Via.stack && o !== graph.rootOrdinal;
  const before = previous ?? { ids: new Uint32Array(0), sizes: [], ordinals: new Uint32Array(0) };
  const all = !previous || options.keepNew;
  // Per ordinal in `order`: index in before.ids, or UNREACHED.
  const match = new Uint32Array(order.length).fill(UNREACHED);
  let count = 0;
  for (let k = 0, j = 0; k < order.length; k++) {
    const o = order[k];
    if (!keep(o)) continue;
    const id = graph.nodeId(o);
    while (j < before.ids.length && before.ids[j] < id) j++;
    if (j < before.ids.length && before.ids[j] === id) match[k] = j;
    if (all || match[k] !== UNREACHED) count++;
  }
  const ids = new Uint32Array(count);
  const ordinals = new Uint32Array(count);
  const sizes = before.sizes.map(() => new Float64Array(count));
  const current = new Float64Array(count);
  for (let k = 0, i = 0; k < order.length; k++) {
    const o = order[k];
    if (!keep(o) || (!all && match[k] === UNREACHED)) continue;
    ids[i] = graph.nodeId(o);
    ordinals[i] = o;
    for (let p = 0; p < sizes.length; p++) sizes[p][i] = match[k] === UNREACHED ? NaN : before.sizes[p][match[k]];
    current[i++] = retained[o];
  }
  return { ids, sizes: [...sizes, current], ordinals };
}

/**
 * The byte rule on one object's retained sizes at before (NaN when it was not
 * there yet), after, growth-1, …: it never shrinks from after on, it rose in
 * two intervals or more (a single rise is something allocated once), and from
 * after to the last point it grew by minBytesPerCall per call or more; one of
 * the rises in the later half of the intervals (with before, after, growth-1,
 * growth-2: any rise after after). Two rises and not one per interval: an
 * array's backing store grows by half its length at a time, so an interval can
 * pass without a reallocation.
 */
function grows(sizes: Float64Array[], i: number, rule: ByteRule): boolean {
  let rises = sizes[1][i] > sizes[0][i] ? 1 : 0; // false for NaN
  // A rise in the later half of the intervals too: a cache that filled in the first steps of a
  // long series and then stayed the same size rose twice, early, and stopped.
  const lateFrom = Math.floor((sizes.length - 1) / 2) + 1;
  let lateRise = false;
  for (let p = 2; p < sizes.length; p++) {
    if (sizes[p][i] < sizes[p - 1][i]) return false;
    if (sizes[p][i] > sizes[p - 1][i]) {
      rises++;
      if (p >= lateFrom) lateRise = true;
    }
  }
  const calls = (sizes.length - 2) * rule.stepCalls;
  const last = sizes[sizes.length - 1][i];
  return rises >= 2 && lateRise && last - sizes[1][i] >= rule.minBytesPerCall * calls && last >= rule.minBytes;
}

/** Node types that are V8's storage (backing stores, tables, hidden fields), named only through their owner. */
const STORAGE_TYPES = new Set(['hidden', 'array', 'code', 'object shape', 'number', 'native']);

const isScope = (graph: HeapGraph, o: number): boolean => graph.nodeName(o) === 'system / Context';
const isStorage = (graph: HeapGraph, o: number): boolean =>
  STORAGE_TYPES.has(graph.nodeTypeName(o)) || graph.nodeName(o).startsWith('system / ');

/**
 * The objects whose retained size grows (grows), keeping only the most
 * specific: those below which, in the dominator tree, nothing else grows. When
 * that object is a scope or V8's storage (a module's Context holding a string
 * that is replaced on every call), what is reported is the largest object it
 * dominates, named by the variable or property that holds it.
 */
function growingObjects(
  graph: HeapGraph,
  trace: RootTrace,
  dominators: Uint32Array,
  tree: DominatorChildren,
  retained: Float64Array,
  tracked: Tracked,
  rule: ByteRule,
): ByteGrowth[] {
  const { sizes, ordinals } = tracked;
  const candidate = new Uint8Array(graph.nodeCount);
  const candidates: number[] = [];
  const owned = rule.minOwnedBytesPerCall;
  const slowRule = owned !== undefined && owned < rule.minBytesPerCall ? { ...rule, minBytesPerCall: owned } : null;
  /** Objects growing by the owned rule alone: reported only where the user's code holds them (ownedSlowGrowth). */
  const slow: number[] = [];
  for (let i = 0; i < ordinals.length; i++) {
    if (!grows(sizes, i, rule)) {
      if (slowRule && grows(sizes, i, slowRule)) slow.push(i);
      continue;
    }
    candidate[ordinals[i]] = 1;
    candidates.push(i);
  }
  if (candidates.length === 0 && slow.length === 0) return [];
  // Mark every dominator above a candidate; a candidate left unmarked is the most specific on its branch.
  const below = new Uint8Array(graph.nodeCount);
  for (const i of candidates) {
    for (
      let o = dominators[ordinals[i]];
      o !== graph.rootOrdinal && below[o] === 0 && o < graph.nodeCount;
      o = dominators[o]
    )
      below[o] = 1;
  }
  const calls = (sizes.length - 2) * rule.stepCalls;
  const found: ByteGrowth[] = [];
  for (const i of candidates) {
    const o = ordinals[i];
    if (below[o] === 1) continue;
    const shown = userVisible(graph, dominators, tree, retained, o);
    if (shown < 0) continue;
    const path = retainerPath(graph, trace, shown);
    const series = sizes.slice(1).map((s) => s[i]);
    found.push({
      holder: holderLabel(path),
      name: graph.className(shown),
      type: graph.classType(shown),
      nodeId: graph.nodeId(shown),
      retainedSizes: series,
      bytesPerCall: Math.round((series[series.length - 1] - series[0]) / calls),
      retainerPath: path,
    });
  }
  found.push(...ownedSlowGrowth(graph, trace, dominators, tracked, slow, candidate, calls));
  return found.sort((x, y) => y.bytesPerCall - x.bytesPerCall);
}

/** Plain containers a path passes through to what the user's code holds: `latencies['/users'] `, `this.rows`. */
const PLAIN_CONTAINER = /^(Object|Array|Map|Set|\{.*\})$/;

/**
 * The objects growing by the owned rule alone (slow, indexes into tracked) that the byte rule reports: the most
 * specific among them, under no object growing by the byte rule, and held by the user's code: above them on
 * their path, past plain containers, a scope or an instance of the user's (a module's `latencies`, a class's
 * field). An array of numbers one per call (8 bytes) is a leak there; elsewhere it is the runtime's noise.
 */
function ownedSlowGrowth(
  graph: HeapGraph,
  trace: RootTrace,
  dominators: Uint32Array,
  tracked: Tracked,
  slow: number[],
  candidate: Uint8Array,
  calls: number,
): ByteGrowth[] {
  const { sizes, ordinals } = tracked;
  // Above another slow one: the less specific.
  const above = new Uint8Array(graph.nodeCount);
  for (const i of slow)
    for (let up = dominators[ordinals[i]]; up !== graph.rootOrdinal && up < graph.nodeCount && above[up] === 0; ) {
      above[up] = 1;
      up = dominators[up];
    }
  const found: ByteGrowth[] = [];
  for (const i of slow) {
    const o = ordinals[i];
    let specific = true;
    for (let up = dominators[o]; up !== graph.rootOrdinal && up < graph.nodeCount && specific; up = dominators[up])
      if (candidate[up] === 1) specific = false;
    if (!specific || above[o] === 1 || graph.nodeTypeName(o) !== 'object') continue;
    const path = retainerPath(graph, trace, o);
    if (!path || path.length < 2) continue;
    let k = path.length - 2;
    while (k > 0 && path[k].type === 'object' && PLAIN_CONTAINER.test(path[k].name) && !path[k].location) k--;
    if (!isUserLocation(path[k].location)) continue;
    const series = sizes.slice(1).map((s) => s[i]);
    found.push({
      holder: holderLabel(path),
      name: graph.className(o),
      type: graph.classType(o),
      nodeId: graph.nodeId(o),
      retainedSizes: series,
      bytesPerCall: Math.round((series[series.length - 1] - series[0]) / calls),
      retainerPath: path,
    });
  }
  return found;
}

/**
 * What to report for a growing object: below a scope (a module's or closure's
 * variables), the largest value it holds, down to one a user would name; above
 * V8's storage (a Map's table, an array's elements), the object owning it.
 * -1 for the roots' own bookkeeping: growth spread over many roots names nothing.
 */
function userVisible(
  graph: HeapGraph,
  dominators: Uint32Array,
  tree: DominatorChildren,
  retained: Float64Array,
  ordinal: number,
): number {
  let o = ordinal;
  while (isScope(graph, o)) {
    let largest = -1;
    for (let c = tree.first[o]; c < tree.first[o + 1]; c++) {
      const child = tree.children[c];
      if (largest < 0 || retained[child] > retained[largest]) largest = child;
    }
    if (largest < 0) break;
    o = largest;
  }
  while (o !== graph.rootOrdinal && graph.nodeTypeName(o) !== 'synthetic' && isStorage(graph, o)) o = dominators[o];
  return o === graph.rootOrdinal || graph.nodeTypeName(o) === 'synthetic' ? -1 : o;
}
