// The dominator tree and retained sizes of one graph, on a second thread, as
// DevTools' heap worker computes them: the graph's arrays are shared memory
// (reader.ts), so only the results cross back, transferred, not copied.
import { parentPort } from 'node:worker_threads';
import { buildDominance, buildRetainers, calculateRetainedSizes } from './algorithms.js';
import { HeapGraph } from './graph.js';
import type { RawSnapshot } from './raw-snapshot.js';
import { StringTable, type StringTableData } from './strings.js';

type Message =
  | { type: 'graph'; raw: RawSnapshot; strings: StringTableData; file: string }
  | { type: 'shallowSizes'; shallowSizes: Uint32Array };

// The thread may start before the graph is read (startDominatorThread): the graph comes as the
// first message, and the shallow sizes, which the caller computes meanwhile, as the second.
const port = parentPort!;
let resolveGraph: (message: Extract<Message, { type: 'graph' }>) => void;
let resolveShallow: (sizes: Uint32Array) => void;
const given = new Promise<Extract<Message, { type: 'graph' }>>((resolve) => {
  resolveGraph = resolve;
});
const shallowSizes = new Promise<Uint32Array>((resolve) => {
  resolveShallow = resolve;
});
port.on('message', (message: Message) => {
  if (message.type === 'graph') resolveGraph(message);
  else resolveShallow(message.shallowSizes);
});
const { raw, strings, file } = await given;
raw.strings = StringTable.fromData(strings);
const graph = new HeapGraph(raw, file, true);
const { dominators, searchOrder } = buildDominance(graph, buildRetainers(graph));
const retainedSizes = calculateRetainedSizes(graph, dominators, await shallowSizes, searchOrder);
port.postMessage({ dominators, retainedSizes }, [
  dominators.buffer as ArrayBuffer,
  retainedSizes.buffer as ArrayBuffer,
]);
// Nothing more will come: with no listener left the thread ends, as a finished script does.
port.removeAllListeners('message');
