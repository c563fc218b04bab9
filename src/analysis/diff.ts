// Diff of two snapshots of one process, matched by V8 node id (ids are stable
// for the life of an isolate). The before snapshot contributes only its ids,
// classes, types and shallow sizes, and is dropped before the after snapshot
// is read, as DevTools' Comparison view does with its base snapshot.
// New objects held only by a running function's stack are counted and marked
// (trace.ts), except in snapshots leakscan's own runner took.

import {
  type HeapGraph,
  type PendingDominance,
  startDominance,
  startDominatorThread,
  tuning,
} from '../engine/index.js';
import { SnapshotOrderError } from '../errors.js';
import type { ClassDiff, DiffResult, IgnoredObjects } from '../types.js';
import type { Baseline } from './baseline.js';
import { browserInternalNodes, detachedDomGroups } from './browser.js';
import { type ClassSums, type ClassTable, isShapeClass } from './class-table.js';
import {
  ClassKind,
  type DominatorChildren,
  dominatorChildren,
  dominatorPreOrder,
  NOT_NEW,
  type SetRetainedSizes,
  setRetainedSizes,
} from './dominance.js';
import { findingsOf } from './findings.js';
import { holdersOf } from './holders.js';
import { type IgnoreRule, ignoredNodes, newInDiff, parseIgnoreRules } from './ignore.js';
import { type AnalysisProgress, type Engine, fileSize, loadBaseline, loadBaselineInWorker, loadGraph } from './load.js';
import { type Matched, matchById } from './match-by-id.js';
import { afterShapes, classBaselineShapes, useShapes } from './object-shapes.js';
import { Tier, tierOf } from './ownership.js';
import { type PreparedGraph, type PrepareOptions, prepareGraph } from './prepare.js';
import { DEFAULT_DIFF_THRESHOLDS, isSuspect, type Thresholds } from './rules.js';
import { checkPair, checkSameProcess } from './same-process.js';
import { snapshotMeta } from './snapshot-meta.js';
import { type RootTrace, Via } from './trace.js';
import { whereOfClasses } from './where.js';

export { type Baseline, globalOrderOf } from './baseline.js';
export { type AnalysisProgress, type Engine, type LoadOptions, loadBaseline, loadGraph } from './load.js';
export { DEFAULT_DIFF_THRESHOLDS, independentCount, isSuspect, retainedCount, type Thresholds } from './rules.js';

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
  /** Ignore rules (ignore.ts): new objects they name are counted in rows of their own, never suspects. */
  ignore?: readonly string[];
  /** Objects of a suspect class a holder needs to be a finding of its own (per class). Default thresholds.minCount. */
  findingMinCount?: (key: { name: string; type: string }) => number;
  /** Told the holders (node ids) of the accumulations left out of the findings as the runtime's own. */
  runtimeHolders?: (nodeIds: number[]) => void;
  /** Overrides the suspect rule (isSuspect with thresholds): `run`'s rule reads the trend over more snapshots. */
  suspect?: (entry: ClassDiff) => boolean;
  onProgress?: (event: AnalysisProgress) => void;
  /** Whose parser reads the files: leakscan's (default) or memlab's; every pass after the read is the same. */
  engine?: Engine;
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
  const { parallelMinBytes } = tuning();
  const parallel = fileSize(beforeFile) >= parallelMinBytes && fileSize(afterFile) >= parallelMinBytes;
  if (!parallel) return diffAgainst(await loadBaseline(beforeFile, options), afterFile, options);
  const before = loadBaselineInWorker(beforeFile, options);
  // The after graph's dominator thread starts now, its start-up overlapping the reads.
  const thread = startDominatorThread();
  try {
    // A before file that fails ends the diff at once; one that reads well is awaited only
    // when the after graph's own passes (shapes, trace) are done.
    const beforeFailed = before.baseline.then(() => new Promise<never>(() => {}));
    const graph = await Promise.race([loadGraph(afterFile, options.onProgress, options.engine), beforeFailed]);
    // The after graph's dominators start on their own thread as soon as it is read, baseline or not.
    return await diffGraph(before.baseline, graph, options, startDominance(graph, undefined, thread));
  } finally {
    thread.stop(); // taken over by startDominance already, or no longer needed after a failure
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
  const graph = await loadGraph(lastFile, options.onProgress, options.engine);
  return diffGraph(first, graph, options, startDominance(graph), middle);
}

/** An after file whose graph may be read and prepared already (run's trend, growth.ts), no shapes applied. */
export interface PreparedAfter {
  file: string;
  prepared: PreparedGraph | null;
}

/**
 * The diff of `after` against a baseline. A graph prepared already is taken
 * instead of reading and preparing the file again, and let go: the diff holds
 * it no longer than it runs.
 */
export async function diffAgainst(
  baseline: Baseline,
  after: string | PreparedAfter,
  options: DiffOptions = {},
): Promise<DiffResult> {
  const read = typeof after === 'string' ? { file: after, prepared: null } : after;
  const { prepared } = read;
  read.prepared = null;
  if (prepared) return diffPasses(baseline, prepared.graph, options, { prepared }, null);
  return diffGraph(baseline, await loadGraph(read.file, options.onProgress, options.engine), options);
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
  baseline: Baseline | Promise<Baseline>,
  graph: HeapGraph,
  options: DiffOptions,
  dominance: PendingDominance = startDominance(graph),
  middle: Baseline | null = null,
): Promise<DiffResult> {
  try {
    return await diffPasses(baseline, graph, options, { dominance }, middle);
  } finally {
    dominance.cancel(); // done already, or no longer needed after a failure
  }
}

/**
 * The diff as a list of named passes over the after graph, each one function
 * (DevTools' HeapSnapshot.initialize reads the same way): checks, object
 * shapes, prepare (trace from the roots, shallow sizes, dominators: prepare.ts)
 * with the diff by id meanwhile, ignore rules, retained sizes per class, rows,
 * findings, where, holders and paths.
 */
async function diffPasses(
  pendingBaseline: Baseline | Promise<Baseline>,
  graph: HeapGraph,
  options: DiffOptions,
  /** The dominance under way, or the graph prepared already. */
  from: Pick<PrepareOptions<unknown>, 'dominance' | 'prepared'>,
  middle: Baseline | null,
): Promise<DiffResult> {
  const onProgress = options.onProgress;
  const thresholds = options.thresholds ?? DEFAULT_DIFF_THRESHOLDS;
  const afterFile = graph.file;
  // The after graph's shapes and trace need no baseline: they run while the before file may still be read.
  const inferred = afterShapes(graph);
  const {
    trace,
    shallowSizes: shallow,
    dominators,
    retainedSizes,
    meanwhile: { baseline, afterMeta, m },
  } = await prepareGraph(graph, {
    ...from,
    onProgress,
    // The diff by id needs no dominators: it runs while they are computed.
    meanwhile: async ({ trace, shallowSizes }) => {
      const baseline = await pendingBaseline;
      checkPair(baseline, graph, middle);
      const shapes = useShapes(graph, baseline.table, baseline, inferred);
      // The middle snapshot's plain objects take the same shape names, or none of them would match by kind.
      if (middle) classBaselineShapes(middle.table, middle, shapes);
      const afterMeta = snapshotMeta(graph, trace);
      const m = matchById(baseline, graph, trace, shallowSizes, options.includeInternal === true, middle);
      checkSameProcess(baseline, afterMeta, m.shared, m.sample, trace.reachableCount);
      return { baseline, afterMeta, m };
    },
  });
  const table = baseline.table;
  const tree = dominatorChildren(graph, dominators);
  // Before anything is decided about the new objects: those the rules name move to rows of their own.
  const rules = parseIgnoreRules(options.ignore ?? []);
  const ruleOf = markIgnored(graph, trace, dominators, tree, table, m, shallow, rules);
  onProgress?.({ phase: 'analyze', file: afterFile, step: 'holders' });
  const walk = setRetainedSizes(graph, tree, retainedSizes, m.memberClass, table.size, {
    ownerClass: ownerClasses(table, m.added, options.ownerClass, thresholds),
    classKinds: classKinds(table),
    collectionLimit: options.collectionLimit,
    transparent: options.includeInternal === true ? null : browserInternalNodes(graph),
    groupOf: ruleOf,
    groupCount: rules.length,
  });
  const rows = classRows(table, m, walk, thresholds, rules);
  const suspect = new Uint8Array(table.size);
  for (const entry of rows.classes) {
    if (options.suspect && !entry.ignored) entry.suspect = options.suspect(entry);
    if (entry.suspect) suspect[rows.classIndex.get(entry)!] = 1;
  }
  const findings = findingsOf({
    graph,
    trace,
    tree,
    retainedSizes,
    walk,
    memberClass: m.memberClass,
    table,
    suspect,
    includeInternal: options.includeInternal,
    minCount: options.findingMinCount ?? thresholds.minCount,
    runtimeHolders: options.runtimeHolders,
  });
  const classes = filterClasses(rows.classes, options);
  annotateWhere(graph, m.memberClass, classes, rows.classIndex, shallow);
  for (const entry of classes) {
    const constructorName = table.keys[rows.classIndex.get(entry)!].constructorName;
    if (constructorName !== undefined) entry.constructorName = constructorName;
  }
  addHolders(graph, trace, walk, m.memberClass, classes, rows.classIndex, options);
  const detachedDom =
    afterMeta.runtime === 'browser'
      ? detachedDomGroups(graph, trace, { retainedSizes, isNew: (o) => m.memberClass[o] !== NOT_NEW })
      : null;

  return {
    before: baseline.meta,
    ...(middle ? { middle: middle.meta } : {}),
    after: afterMeta,
    sharedIds: m.shared,
    classes,
    totals: rows.totals,
    thresholds,
    ...(detachedDom ? { detachedDom } : {}),
    ...(rules.length > 0 ? { ignored: ignoredSummary(rules, ruleOf, m.memberClass, walk) } : {}),
    findings,
    engine: options.engine ?? 'leakscan',
  };
}

/**
 * The ignore pass: each new object a rule names (ignore.ts ignoredNodes) moves
 * from its class to the class's ignored twin for that rule, with its counts.
 * Returns, per node, the rule that took it or -1.
 */
function markIgnored(
  graph: HeapGraph,
  trace: RootTrace,
  dominators: Uint32Array,
  tree: DominatorChildren,
  table: ClassTable,
  m: Matched,
  shallow: Uint32Array,
  rules: IgnoreRule[],
): Int32Array | undefined {
  if (rules.length === 0) return undefined;
  const { memberClass } = m;
  const ruleOf = ignoredNodes(
    graph,
    trace,
    dominators,
    dominatorPreOrder(graph, tree),
    rules,
    newInDiff(memberClass),
    (o) => (memberClass[o] >= 0 ? table.keys[memberClass[o]].name : graph.className(o)),
  );
  for (let o = 0; o < graph.nodeCount; o++) {
    const cls = memberClass[o];
    if (cls < 0 || ruleOf[o] < 0) continue;
    const twin = table.internIgnored(cls, ruleOf[o]);
    memberClass[o] = twin;
    m.added.add(cls, -1);
    m.added.add(twin, 1);
    m.addedSize.add(cls, -shallow[o]);
    m.addedSize.add(twin, shallow[o]);
    if (trace.via[o] === Via.stack) {
      m.heldByStack.add(cls, -1);
      m.heldByStack.add(twin, 1);
    }
  }
  return ruleOf;
}

function ignoredSummary(
  rules: IgnoreRule[],
  ruleOf: Int32Array | undefined,
  memberClass: Int32Array,
  walk: SetRetainedSizes,
): IgnoredObjects[] {
  const counts = new Array<number>(rules.length).fill(0);
  if (ruleOf) for (let o = 0; o < ruleOf.length; o++) if (ruleOf[o] >= 0 && memberClass[o] >= 0) counts[ruleOf[o]]++;
  return rules.map((rule, i) => ({ rule: rule.text, count: counts[i], retainedSize: walk.perGroup[i] ?? 0 }));
}

/** Per class, 1 when its new objects can hold others' (DiffOptions.ownerClass). */
function ownerClasses(
  table: ClassTable,
  added: ClassSums,
  ownerClass: DiffOptions['ownerClass'],
  thresholds: Thresholds,
): Uint8Array {
  const isOwner =
    ownerClass ?? ((_key: { name: string; type: string }, count: number) => count >= Math.max(1, thresholds.minCount));
  const owners = new Uint8Array(table.size);
  for (let cls = 0; cls < table.size; cls++)
    owners[cls] = added.get(cls) > 0 && isOwner(table.keys[cls], added.get(cls)) ? 1 : 0;
  return owners;
}

/** JavaScript's collections: what a leak is kept in (OwnerRule.classKinds); a plain Object is most often a record. */
const CONTAINER_NAMES: ReadonlySet<string> = new Set(['Array', 'Map', 'Set']);

/** Per class, its ClassKind: containers, plain values and the runtime's, or anything else (OwnerRule.classKinds). */
function classKinds(table: ClassTable): Uint8Array {
  const kinds = new Uint8Array(table.size);
  for (let cls = 0; cls < table.size; cls++) {
    const key = table.keys[cls];
    if (key.type === 'object' && CONTAINER_NAMES.has(key.name)) kinds[cls] = ClassKind.container;
    else if (tierOf(key.name, key.type, null, isShapeClass(key)) >= Tier.plain) kinds[cls] = ClassKind.plain;
  }
  return kinds;
}

/** One row per class with new or deleted objects, largest retained size first, and the totals. */
function classRows(
  table: ClassTable,
  m: Matched,
  walk: SetRetainedSizes,
  thresholds: Thresholds,
  rules: IgnoreRule[],
): { classes: ClassDiff[]; classIndex: Map<ClassDiff, number>; totals: DiffResult['totals'] } {
  const classes: ClassDiff[] = [];
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
    if (key.ignoredBy !== undefined) {
      entry.ignored = true;
      entry.ignoreRule = rules[key.ignoredBy].text;
    }
    entry.suspect = !entry.ignored && isSuspect(entry, thresholds);
    totals.added += entry.added;
    totals.removed += entry.removed;
    totals.addedSize += entry.addedSize;
    totals.removedSize += entry.removedSize;
    classes.push(entry);
    classIndex.set(entry, cls);
  }
  classes.sort((x, y) => y.retainedSize - x.retainedSize || y.added - x.added || x.name.localeCompare(y.name));
  return { classes, classIndex, totals };
}

/** The holders and paths pass: the classes DiffOptions.paths (or tracePath) picks get their holders and one retainer path. */
function addHolders(
  graph: HeapGraph,
  trace: RootTrace,
  walk: SetRetainedSizes,
  memberClass: Int32Array,
  classes: ClassDiff[],
  classIndex: Map<ClassDiff, number>,
  options: DiffOptions,
): void {
  const pathCount = options.paths ?? 3;
  const tracePath = options.tracePath ?? ((_: ClassDiff, rank: number) => rank < pathCount);
  for (const [rank, entry] of classes.entries()) {
    if (!tracePath(entry, rank) || entry.added === 0) continue;
    entry.holders = holdersOf(graph, trace, walk, memberClass, classIndex.get(entry)!, HOLDERS_PER_CLASS);
    const first = entry.holders[0];
    if (!first) continue;
    entry.sampleNodeId = first.sampleNodeId;
    entry.retainerPath = first.retainerPath;
  }
}
