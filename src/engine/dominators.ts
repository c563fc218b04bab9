// Dominators and retained sizes of a graph, on a second thread for big graphs
// so that the caller's own passes (trace, id merge) run meanwhile.
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { buildDominance, buildRetainers, calculateRetainedSizes } from './algorithms.js';
import type { HeapGraph } from './graph.js';
import type { RawSnapshot } from './raw-snapshot.js';
import type { StringTable, StringTableData } from './strings.js';
import { tuning } from './tuning.js';

export interface Dominance {
  /** Immediate dominator per node ordinal (the root dominates itself). */
  dominators: Uint32Array;
  /** Retained size per node ordinal, bytes, as DevTools shows it. */
  retainedSizes: Float64Array;
}

export interface PendingDominance {
  /** Hands over the graph's shallow sizes (calculateShallowSizes), which the retained sizes start from. */
  useShallowSizes(shallowSizes: Uint32Array): void;
  result: Promise<Dominance>;
  /** Stops the second thread if the caller no longer needs the result. */
  cancel(): void;
  /** The passes run on a second thread (graphs of threadMinNodes nodes or more). */
  onThread: boolean;
}

/**
 * The string table as the thread gets it: a read file's table is shared
 * memory (no copy); of a table made from strings, only those the dominator
 * passes read (root category names, WeakMap edge names, external string
 * data), a sparse copy, so the whole table is not cloned into the thread.
 */
function stringsForDominators(table: StringTable): StringTableData {
  const data = table.data;
  return 'strings' in data ? { strings: sparseStrings(data.strings) } : data;
}

function sparseStrings(strings: readonly string[]): string[] {
  const kept: string[] = [];
  kept.length = strings.length;
  for (let i = 0; i < strings.length; i++) {
    const text = strings[i];
    if (text.charCodeAt(0) === 40 /* ( */ || text === 'system / ExternalStringData' || text.includes(' part of key ('))
      kept[i] = text;
  }
  return kept;
}

function computeHere(graph: HeapGraph, shallowSizes: Uint32Array): Dominance {
  const { dominators, searchOrder } = buildDominance(graph, buildRetainers(graph));
  return { dominators, retainedSizes: calculateRetainedSizes(graph, dominators, shallowSizes, searchOrder) };
}

/**
 * A dominator thread started before the graph is read, so that its start-up
 * (a new isolate, the engine's modules) overlaps the read; startDominance
 * hands it the graph. Whoever starts one ends it: startDominance takes it
 * over (or ends it when the graph is computed here), and a failed read ends
 * it with stop().
 */
export interface DominatorThread {
  take(): Worker | null;
  stop(): void;
}

export function startDominatorThread(): DominatorThread {
  let worker: Worker | null = newDominatorWorker();
  return {
    take: () => {
      const taken = worker;
      worker = null;
      return taken;
    },
    stop: () => {
      void worker?.terminate();
      worker = null;
    },
  };
}

function newDominatorWorker(): Worker {
  const worker = new Worker(new URL('./dominators-worker.js', import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: Math.floor(v8.getHeapStatistics().heap_size_limit / (1024 * 1024)) },
  });
  // Until it is given a graph, it keeps no one waiting.
  worker.unref();
  return worker;
}

export function startDominance(
  graph: HeapGraph,
  threadMinNodes: number = tuning().threadMinNodes,
  thread: DominatorThread | null = null,
): PendingDominance {
  const columns = {
    nodes: {
      types: graph.nodeTypes,
      names: graph.nodeNames,
      ids: graph.nodeIds,
      selfSizes: graph.nodeSelfSizes,
      // Not read by the dominator passes.
      traceNodeIds: null,
      detachedness: null,
      firstEdgeIndexes: graph.firstEdgeIndexes,
      edgeCountSum: graph.edgeCount,
    },
    edges: { types: graph.edgeTypes, namesOrIndexes: graph.edgeNamesOrIndexes, targets: graph.edgeTargets },
  };
  const shared = [
    graph.nodeTypes,
    graph.nodeNames,
    graph.nodeIds,
    graph.nodeSelfSizes,
    graph.firstEdgeIndexes,
    graph.edgeTypes,
    graph.edgeNamesOrIndexes,
    graph.edgeTargets,
  ].every((column) => column.buffer instanceof SharedArrayBuffer);
  if (!shared || graph.nodeCount < threadMinNodes) {
    thread?.stop();
    // Computed when awaited, after the caller's own passes, as with the thread.
    let cancelled = false;
    let shallow: Uint32Array | null = null;
    let result: Promise<Dominance> | null = null;
    return {
      useShallowSizes: (sizes) => {
        shallow = sizes;
      },
      get result() {
        result ??= Promise.resolve().then(() => {
          if (cancelled || !shallow) throw new Error('cancelled, or no shallow sizes');
          return computeHere(graph, shallow);
        });
        return result;
      },
      cancel: () => {
        cancelled = true;
      },
      onThread: false,
    };
  }
  const raw: RawSnapshot = {
    meta: graph.meta,
    nodeCount: graph.nodeCount,
    edgeCount: graph.edgeCount,
    columns,
    strings: [],
    fileBytes: graph.fileBytes,
  };
  const worker = thread?.take() ?? newDominatorWorker();
  worker.ref();
  worker.postMessage({ type: 'graph', raw, strings: stringsForDominators(graph.strings), file: graph.file });
  const result = new Promise<Dominance>((resolve, reject) => {
    worker.once('message', (message: Dominance) => resolve(message));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the dominator thread stopped (exit ${code})`)));
  });
  result.catch(() => {}); // a cancelled or failed pass is reported where it is awaited
  return {
    result,
    useShallowSizes: (shallowSizes) => worker.postMessage({ type: 'shallowSizes', shallowSizes }),
    cancel: () => void worker.terminate(),
    onThread: true,
  };
}
