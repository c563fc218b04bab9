// leakscan's own heap snapshot engine: streaming reader, flat graph, analyses.
import { HeapGraph } from './graph.js';
import { readRawSnapshot, type ReadOptions } from './reader.js';

export { HeapGraph } from './graph.js';
export { startDominance, type Dominance, type PendingDominance } from './dominators.js';
export type { ReadOptions, RawSnapshot, SnapshotMetaJson } from './reader.js';
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

/** Reads a .heapsnapshot (plain JSON or gzip) into a HeapGraph; SnapshotFormatError on bad input. */
export async function readSnapshot(file: string, options: ReadOptions = {}): Promise<HeapGraph> {
  return new HeapGraph(await readRawSnapshot(file, options), file);
}
