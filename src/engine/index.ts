// leakscan's own heap snapshot engine: streaming reader, flat graph, analyses.
import { HeapGraph } from './graph.js';
import { type ReadOptions, readRawSnapshot } from './reader.js';

export {
  buildDominance,
  buildDominatorTree,
  buildRetainers,
  calculateDistances,
  calculateRetainedSizes,
  calculateShallowSizes,
  initEssentialEdges,
  markPageOwnedNodes,
  NO_NODE,
  type Retainers,
} from './algorithms.js';
export {
  type Dominance,
  type DominatorThread,
  type PendingDominance,
  startDominance,
  startDominatorThread,
} from './dominators.js';
export { HeapGraph } from './graph.js';
export type { RawSnapshot, SnapshotMetaJson } from './raw-snapshot.js';
export type { ReadOptions } from './reader.js';
export { DEFAULT_TUNING, type Tuning, tuning, tuningFrom } from './tuning.js';

/** Reads a .heapsnapshot (plain JSON or gzip) into a HeapGraph; SnapshotFormatError on bad input. */
export async function readSnapshot(file: string, options: ReadOptions = {}): Promise<HeapGraph> {
  return new HeapGraph(await readRawSnapshot(file, options), file);
}
