// Which nodes are reachable from the GC roots, how (by the program, through
// Node's embedder objects, through leakscan's own runner, or only from a
// running function's stack), and by which edge each was first reached: the
// shortest-path tree that retainer paths are read from.
import { isRuntimeBookkeeping } from '../classes.js';
import { breadthFirst, NO_NODE } from '../engine/algorithms.js';
import type { HeapGraph } from '../engine/index.js';

/** Distance and parent edge of a node the trace did not reach. */
export const UNREACHED = NO_NODE;

/**
 * GC-root categories that hold only what running code has on its stack or in
 * open handle scopes at that instant: a batch job's locals, a CommonJS
 * module's top-level consts while it still runs. Paths through them are
 * explored last: any other route to an object wins, however long.
 */
const TRANSIENT_ROOTS = new Set(['(Stack roots)', '(Handle scope)']);

/** A step of a path that is one of those roots: what hangs right below it is a running function's local. */
export const isTransientRoot = (step: { name: string; type: string }): boolean =>
  step.type === 'synthetic' && TRANSIENT_ROOTS.has(step.name);

/**
 * Written into the heap by leakscan's scenario runner (src/runner/child.ts,
 * and into the page by src/runner/page.ts) before it takes a snapshot. In such a snapshot only leakscan's own frames
 * are on the stack, so what they alone hold is the runner's, not the program's.
 */
export const RUNNER_MARKER = "leakscan runner snapshot: objects held only by the stack are the runner's";

/** How a node was reached; the order in which the trace explores. */
export const Via = {
  /** From the program's own roots and objects. */
  program: 0,
  /** Only through Node's C++ embedder objects ("Node / Environment", "Node / ModuleWrap"). */
  runtime: 1,
  /** Only through leakscan's scenario runner (its closures, contexts and async frames). */
  runner: 2,
  /** Only through V8's own transient tables (see isInternalStrongRoot). */
  v8: 3,
  /** Only from a running function's stack or a C++ handle scope. */
  stack: 4,
} as const;
export type ViaName = 'program' | 'runtime' | 'runner' | 'stack';
const VIA_NAMES: readonly ViaName[] = ['program', 'runtime', 'runner', 'runtime', 'stack'];
/** How a node is held, as the results say it: V8's transient tables count as the runtime. */
export const viaName = (via: number): ViaName => VIA_NAMES[via];

export interface RootTrace {
  /** Edge ordinal by which each node was first reached; UNREACHED for the root and unreachable nodes. */
  parentEdge: Uint32Array;
  /** Hops from the root along the traced path; UNREACHED if unreachable. */
  distance: Uint32Array;
  /** Per node, how it was reached (Via); meaningless for unreachable nodes. */
  via: Uint8Array;
  reachableCount: number;
  /** The snapshot was taken by leakscan's runner (RUNNER_MARKER): its stack holds only the runner's frames. */
  takenByRunner: boolean;
}

/**
 * Breadth-first search from the synthetic root, edges that do not retain
 * skipped (weak edges, string tables: HeapGraph.holdsWeakly), in phases: the
 * program's own objects first, then through Node's embedder objects, then
 * through leakscan's runner, last from the transient roots. Same idea as
 * DevTools' distance pass, which visits user roots before the rest
 * (HeapSnapshot.ts calculateDistances).
 */
export function traceFromRoots(graph: HeapGraph): RootTrace {
  const takenByRunner = graph.strings.includes(RUNNER_MARKER);
  const level = traceLevels(graph, takenByRunner);
  const strongRoots = rootCategories(graph, '(Strong roots)');
  // In the runner's snapshots of a page (runner/page.ts), the inspector's handles are those of the
  // driver's own DevTools client (puppeteer's element handles): what only they hold is as good as
  // collected. memlab leaves these edges out of its traces too (traverseDevToolsConsole).
  const globalHandles = takenByRunner ? rootCategories(graph, '(Global handles)') : new Set<number>();
  const walk = breadthFirst(
    graph,
    (to, edge, from) => {
      if (globalHandles.has(from) && isInspectorHandle(graph, edge)) return NOT_TAKEN;
      return strongRoots.has(from) && isInternalStrongRoot(graph, edge) ? Math.max(level[to], Via.v8) : level[to];
    },
    Via.stack + 1,
  );
  return {
    parentEdge: walk.parentEdge,
    distance: walk.distance,
    via: walk.level,
    reachableCount: walk.reachedCount,
    takenByRunner,
  };
}

/** The synthetic root categories with this name (children of the root's children; V8 may list one twice). */
function rootCategories(graph: HeapGraph, name: string): Set<number> {
  const found = new Set<number>();
  const root = graph.rootOrdinal;
  for (let e = graph.firstEdge(root); e < graph.firstEdge(root + 1); e++) {
    const category = graph.edgeTarget(e);
    if (graph.nodeTypeName(category) !== 'synthetic') continue;
    for (let c = graph.firstEdge(category); c < graph.firstEdge(category + 1); c++) {
      const to = graph.edgeTarget(c);
      if (graph.nodeTypeName(to) === 'synthetic' && graph.nodeName(to) === name) found.add(to);
    }
  }
  return found;
}

/**
 * Strong roots that V8 registers for its own transient tables (IdentityMaps
 * of the compiler and of the snapshot writer itself): any route through the
 * program's objects names the holder better.
 */
function isInternalStrongRoot(graph: HeapGraph, edge: number): boolean {
  return graph.edgeName(edge).endsWith('IdentityMapBase');
}

/** A level past the last: breadthFirst does not take the edge. */
const NOT_TAKEN = Via.stack + 1;

/** A global handle of V8's inspector: an object a DevTools client holds (a remote object, `$0`), named "N / DevTools console". */
function isInspectorHandle(graph: HeapGraph, edge: number): boolean {
  return graph.edgeName(edge).endsWith('DevTools console');
}

/** Which nodes a path should pass through only when nothing else reaches (Via). */
function traceLevels(graph: HeapGraph, takenByRunner: boolean): Uint8Array {
  const levels = new Uint8Array(graph.nodeCount);
  const native = graph.nodeTypeNames.indexOf('native');
  for (let o = 0; o < graph.nodeCount; o++) {
    if (graph.nodeTypeIndex(o) === native && isRuntimeBookkeeping('native', graph.nodeName(o))) levels[o] = Via.runtime;
  }
  if (takenByRunner) markRunnerObjects(graph, levels);
  if (takenByRunner) markTimelineEntries(graph, levels);
  for (const name of TRANSIENT_ROOTS) for (const category of rootCategories(graph, name)) levels[category] = Via.stack;
  return levels;
}

/**
 * Performance-timeline entries that Chrome records for input and paint and
 * keeps in buffers of fixed size (Performance Timeline's maxBufferSize: 150
 * event timings, 150 largest-contentful-paints…). In a page the runner drives
 * (runner/page.ts) each round's click adds some until the buffer is full,
 * which a few dozen rounds never reach: measurements of the runner's own
 * input, not the page's objects. Entries the page makes itself (marks,
 * measures, resources) are not in the list.
 */
const BOUNDED_TIMELINE_ENTRIES = new Set([
  'PerformanceEventTiming',
  'LargestContentfulPaint',
  'InteractionContentfulPaint',
  'LayoutShift',
  'PerformanceElementTiming',
  'PerformanceLongTaskTiming',
  'PerformanceLongAnimationFrameTiming',
  'PerformanceScriptTiming',
]);

/** In a runner's page snapshot, Chrome's bounded timeline entries are not taken by the trace (as collected). */
function markTimelineEntries(graph: HeapGraph, levels: Uint8Array): void {
  const native = graph.nodeTypeNames.indexOf('native');
  for (let o = 0; o < graph.nodeCount; o++) {
    if (graph.nodeTypeIndex(o) === native && BOUNDED_TIMELINE_ENTRIES.has(graph.nodeName(o))) levels[o] = NOT_TAKEN;
  }
}

/** The runner's module (dist/src/runner/child.js, as a file URL or a path). */
const RUNNER_SCRIPT = /[\\/]runner[\\/]child\.js$/;

/**
 * Flags leakscan's runner objects: its closures (found by their script), the
 * contexts they close over, and the async frames (generator objects) of its
 * functions, with the contexts of their awaits. A path through them says
 * only that the runner called the scenario.
 */
function markRunnerObjects(graph: HeapGraph, levels: Uint8Array): void {
  const closure = graph.nodeTypeNames.indexOf('closure');
  const isRunnerClosure = new Uint8Array(graph.nodeCount);
  const child = (o: number, names: readonly string[]): number => {
    for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++)
      if (names.includes(graph.edgeName(e))) return graph.edgeTarget(e);
    return -1;
  };
  for (let o = 0; o < graph.nodeCount; o++) {
    if (graph.nodeTypeIndex(o) !== closure) continue;
    const shared = child(o, ['shared']);
    const script = shared < 0 ? -1 : child(shared, ['script_or_debug_info', 'script']);
    if (script < 0 || !RUNNER_SCRIPT.test(graph.nodeName(script))) continue;
    isRunnerClosure[o] = 1;
    levels[o] = Via.runner;
    const context = child(o, ['context']);
    if (context >= 0) levels[context] = Via.runner;
  }
  const generators: number[] = [];
  for (let o = 0; o < graph.nodeCount; o++) {
    if (graph.nodeName(o) !== 'Generator' && graph.nodeName(o) !== 'AsyncGenerator') continue;
    const fn = child(o, ['function']);
    if (fn < 0 || isRunnerClosure[fn] !== 1) continue;
    levels[o] = Via.runner;
    generators.push(o);
    const context = child(o, ['context']);
    if (context >= 0) levels[context] = Via.runner;
  }
  // An await's resume context points at its generator through 'extension'.
  if (generators.length === 0) return;
  const isGenerator = new Uint8Array(graph.nodeCount);
  for (const g of generators) isGenerator[g] = 1;
  for (let o = 0; o < graph.nodeCount; o++) {
    if (graph.nodeName(o) !== 'system / Context') continue;
    const extension = child(o, ['extension']);
    if (extension >= 0 && isGenerator[extension] === 1) levels[o] = Via.runner;
  }
}

/** The node the traced edge into `ordinal` leaves from (paths are walked rarely: no array per node for this). */
export function parentOf(graph: HeapGraph, trace: RootTrace, ordinal: number): number {
  return graph.edgeSource(trace.parentEdge[ordinal]);
}
