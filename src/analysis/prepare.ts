// One graph made ready for every view, as DevTools' HeapSnapshot.initialize()
// does once per snapshot: the trace from the roots, the shallow sizes, and the
// dominance (dominators and retained sizes). diff, inspect and run's trend all
// start from it. For big graphs the dominators run on their own thread
// (engine/dominators.ts, engine/tuning.ts) while this thread traces, and then
// runs the caller's passes that need only the trace and the shallow sizes.

import { calculateShallowSizes, type HeapGraph, type PendingDominance, startDominance } from '../engine/index.js';
import type { AnalysisProgress } from './load.js';
import { type RootTrace, traceFromRoots } from './trace.js';

export interface TracedGraph {
  graph: HeapGraph;
  /** How each object is held from the roots (trace.ts). */
  trace: RootTrace;
  /** Shallow size per node ordinal, bytes, as DevTools counts it (calculateShallowSizes). */
  shallowSizes: Uint32Array;
}

export interface PreparedGraph extends TracedGraph {
  /** Immediate dominator per node ordinal (the root dominates itself). */
  dominators: Uint32Array;
  /** Retained size per node ordinal, bytes, as DevTools shows it. */
  retainedSizes: Float64Array;
}

export interface PrepareOptions<T> {
  /**
   * The dominance, when it was started as soon as the graph was read (startDominance);
   * otherwise started here. Either way it is ended when ready or on a failure.
   */
  dominance?: PendingDominance;
  /** The graph prepared already (run's trend, growth.ts): only `meanwhile` runs. */
  prepared?: PreparedGraph;
  onProgress?: (event: AnalysisProgress) => void;
  /** Passes that need only the trace and the shallow sizes, run while the dominators are computed. */
  meanwhile?: (traced: TracedGraph) => T | Promise<T>;
}

/** The trace, shallow sizes and dominance of a loaded graph, with what `meanwhile` returned. */
export async function prepareGraph<T = undefined>(
  graph: HeapGraph,
  options: PrepareOptions<T> = {},
): Promise<PreparedGraph & { meanwhile: T }> {
  const { onProgress, prepared } = options;
  if (prepared) return { ...prepared, meanwhile: (await options.meanwhile?.(prepared)) as T };
  const dominance = options.dominance ?? startDominance(graph);
  try {
    onProgress?.({ phase: 'analyze', file: graph.file, step: 'tracing' });
    const trace = traceFromRoots(graph);
    const shallowSizes = calculateShallowSizes(graph);
    dominance.useShallowSizes(shallowSizes);
    const traced: TracedGraph = { graph, trace, shallowSizes };
    const meanwhile = (await options.meanwhile?.(traced)) as T;
    onProgress?.({ phase: 'analyze', file: graph.file, step: 'dominators' });
    const { dominators, retainedSizes } = await dominance.result;
    return { ...traced, dominators, retainedSizes, meanwhile };
  } finally {
    dominance.cancel(); // done already, or no longer needed after a failure
  }
}
