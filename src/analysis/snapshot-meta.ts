import type { HeapGraph } from '../engine/index.js';
import type { SnapshotMeta } from '../types.js';
import { UNREACHED, type RootTrace } from './trace.js';

/**
 * Node's heaps carry embedder roots named "Node / ..." (e.g. "Node / Environment")
 * below the synthetic root; a browser renderer's carry "Window" objects.
 */
function runtimeOf(graph: HeapGraph): SnapshotMeta['runtime'] {
  let browser = false;
  const root = graph.rootOrdinal;
  for (let e = graph.firstEdge(root); e < graph.firstEdge(root + 1); e++) {
    const name = graph.nodeName(graph.edgeTarget(e));
    if (name.startsWith('Node / ')) return 'node';
    if (name === 'Window' || name.startsWith('Window / ')) browser = true;
  }
  return browser ? 'browser' : 'unknown';
}

/** `trace`: anything with a per-node `distance`, UNREACHED for unreachable nodes (a RootTrace, or calculateDistances' result wrapped). */
export function snapshotMeta(graph: HeapGraph, trace: Pick<RootTrace, 'distance'>): SnapshotMeta {
  let totalSize = 0;
  let reachableSize = 0;
  for (let o = 0; o < graph.nodeCount; o++) {
    const size = graph.nodeSelfSize(o);
    totalSize += size;
    if (trace.distance[o] !== UNREACHED) reachableSize += size;
  }
  return {
    path: graph.file,
    fileBytes: graph.fileBytes,
    nodeCount: graph.nodeCount,
    edgeCount: graph.edgeCount,
    totalSize,
    reachableSize,
    runtime: runtimeOf(graph),
  };
}
