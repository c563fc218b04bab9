// Dominators and retained sizes of a graph, on a second thread for big graphs
// so that the caller's own passes (trace, id merge) run meanwhile.
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { buildDominatorTree, buildRetainers, calculateRetainedSizes } from './algorithms.js';
import type { HeapGraph } from './graph.js';

export interface Dominance {
  /** Immediate dominator per node ordinal (the root dominates itself). */
  dominators: Uint32Array;
  /** Retained size per node ordinal, bytes, as DevTools shows it. */
  retainedSizes: Float64Array;
}

export interface PendingDominance {
  result: Promise<Dominance>;
  /** Stops the second thread if the caller no longer needs the result. */
  cancel(): void;
}

/** Below this many nodes a thread's start-up costs more than the overlap saves. */
const THREAD_MIN_NODES = 400_000;

/**
 * The strings the dominator passes read (root category names, WeakMap edge
 * names, external string data): a sparse copy, so the whole string table is
 * not cloned into the thread.
 */
function stringsForDominators(strings: readonly string[]): string[] {
  const kept: string[] = [];
  kept.length = strings.length;
  for (let i = 0; i < strings.length; i++) {
    const text = strings[i];
    if (text.charCodeAt(0) === 40 /* ( */ || text === 'system / ExternalStringData' || text.includes(' part of key (')) kept[i] = text;
  }
  return kept;
}

function computeHere(graph: HeapGraph): Dominance {
  const dominators = buildDominatorTree(graph, buildRetainers(graph));
  return { dominators, retainedSizes: calculateRetainedSizes(graph, dominators) };
}

export function startDominance(graph: HeapGraph): PendingDominance {
  const shared = graph.nodes.buffer instanceof SharedArrayBuffer && graph.edges.buffer instanceof SharedArrayBuffer && graph.firstEdgeIndexes.buffer instanceof SharedArrayBuffer;
  if (!shared || graph.nodeCount < THREAD_MIN_NODES) {
    // Deferred to a microtask so that the caller's own passes still come first, as with the thread.
    let cancelled = false;
    return {
      result: Promise.resolve().then(() => {
        if (cancelled) throw new Error('cancelled');
        return computeHere(graph);
      }),
      cancel: () => {
        cancelled = true;
      },
    };
  }
  const raw = {
    meta: graph.meta,
    nodeCount: graph.nodeCount,
    edgeCount: graph.edgeCount,
    nodes: graph.nodes,
    edges: graph.edges,
    strings: stringsForDominators(graph.strings),
    fileBytes: graph.fileBytes,
  };
  const worker = new Worker(new URL('./dominators-worker.js', import.meta.url), {
    workerData: { raw, file: graph.file, firstEdgeIndexes: graph.firstEdgeIndexes },
    resourceLimits: { maxOldGenerationSizeMb: Math.floor(v8.getHeapStatistics().heap_size_limit / (1024 * 1024)) },
  });
  const result = new Promise<Dominance>((resolve, reject) => {
    worker.once('message', (message: Dominance) => resolve(message));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the dominator thread stopped (exit ${code})`)));
  });
  result.catch(() => {}); // a cancelled or failed pass is reported where it is awaited
  return { result, cancel: () => void worker.terminate() };
}
