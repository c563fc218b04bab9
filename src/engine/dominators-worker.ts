// The dominator tree and retained sizes of one graph, on a second thread, as
// DevTools' heap worker computes them: the graph's arrays are shared memory
// (reader.ts), so only the results cross back, transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import { buildDominatorTree, buildRetainers, calculateRetainedSizes } from './algorithms.js';
import { HeapGraph } from './graph.js';
import type { RawSnapshot } from './reader.js';

const { raw, file, firstEdgeIndexes } = workerData as { raw: RawSnapshot; file: string; firstEdgeIndexes: Uint32Array };
const graph = new HeapGraph(raw, file, { firstEdgeIndexes });
const dominators = buildDominatorTree(graph, buildRetainers(graph));
const retainedSizes = calculateRetainedSizes(graph, dominators);
parentPort!.postMessage({ dominators, retainedSizes }, [dominators.buffer as ArrayBuffer, retainedSizes.buffer as ArrayBuffer]);
