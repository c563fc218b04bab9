import type { HeapGraph } from '../engine/index.js';
import type { SnapshotMeta } from '../types.js';
import { type RootTrace, UNREACHED } from './trace.js';

/**
 * Node's heaps carry embedder roots named "Node / ..." (e.g. "Node / Environment")
 * below the synthetic root; a browser renderer's carry "Window" objects (the
 * global proxy "Window / URL", the global "Window [JSGlobalObject] / URL"),
 * which newer Chromes no longer hang from the root: those are looked for in
 * the whole heap.
 */
function runtimeOf(graph: HeapGraph): SnapshotMeta['runtime'] {
  const isWindow = (name: string): boolean =>
    name === 'Window' || name.startsWith('Window / ') || name.startsWith('Window [JSGlobalObject]');
  const root = graph.rootOrdinal;
  for (let e = graph.firstEdge(root); e < graph.firstEdge(root + 1); e++) {
    const name = graph.nodeName(graph.edgeTarget(e));
    if (name.startsWith('Node / ')) return 'node';
    if (isWindow(name)) return 'browser';
  }
  const object = graph.nodeTypeNames.indexOf('object');
  for (let o = 0; o < graph.nodeCount; o++) {
    if (
      graph.nodeTypeIndex(o) === object &&
      graph.nodeName(o).charCodeAt(0) === 87 /* W */ &&
      isWindow(graph.nodeName(o))
    )
      return 'browser';
  }
  return 'unknown';
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
