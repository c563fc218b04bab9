// The dominator tree and retained sizes of one graph, on a second thread, as
// DevTools' heap worker computes them: the graph's arrays are shared memory
// (reader.ts), so only the results cross back, transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import { buildDominance, buildRetainers, calculateRetainedSizes } from './algorithms.js';
import { HeapGraph } from './graph.js';
import type { RawSnapshot } from './raw-snapshot.js';
import { StringTable, type StringTableData } from './strings.js';

const { raw, strings, file } = workerData as { raw: RawSnapshot; strings: StringTableData; file: string };
raw.strings = StringTable.fromData(strings);
// The caller computes the shallow sizes meanwhile (it needs them too) and sends them over.
const shallowSizes = new Promise<Uint32Array>((resolve) =>
  parentPort!.once('message', (message: { shallowSizes: Uint32Array }) => resolve(message.shallowSizes)),
);
const graph = new HeapGraph(raw, file, true);
const { dominators, searchOrder } = buildDominance(graph, buildRetainers(graph));
const retainedSizes = calculateRetainedSizes(graph, dominators, await shallowSizes, searchOrder);
parentPort!.postMessage({ dominators, retainedSizes }, [
  dominators.buffer as ArrayBuffer,
  retainedSizes.buffer as ArrayBuffer,
]);
