import type { HeapGraph } from '../engine/index.js';
import type { SnapshotMeta } from '../types.js';
import { type RootTrace, UNREACHED } from './trace.js';

const isWindow = (name: string): boolean =>
  name === 'Window' || name.startsWith('Window / ') || name.startsWith('Window [JSGlobalObject]');

/**
 * Which runtime a heap comes from, by names, for both engines. Node's heaps
 * carry embedder roots named "Node / ..." (e.g. "Node / Environment") below
 * the synthetic root; a browser renderer's carry "Window" objects (the global
 * proxy "Window / URL", the global "Window [JSGlobalObject] / URL"), which
 * newer Chromes no longer hang from the root: `objectNames` (the names of the
 * heap's objects, read only when the root's children do not tell) are
 * searched for those.
 */
export function runtimeOfNames(
  rootChildNames: Iterable<string>,
  objectNames: () => Iterable<string>,
): SnapshotMeta['runtime'] {
  for (const name of rootChildNames) {
    if (name.startsWith('Node / ')) return 'node';
    if (isWindow(name)) return 'browser';
  }
  for (const name of objectNames()) if (name.charCodeAt(0) === 87 /* W */ && isWindow(name)) return 'browser';
  return 'unknown';
}

function* rootChildNames(graph: HeapGraph): Generator<string> {
  const root = graph.rootOrdinal;
  for (let e = graph.firstEdge(root); e < graph.firstEdge(root + 1); e++) yield graph.nodeName(graph.edgeTarget(e));
}

function* objectNames(graph: HeapGraph): Generator<string> {
  const object = graph.nodeTypeNames.indexOf('object');
  for (let o = 0; o < graph.nodeCount; o++) if (graph.nodeTypeIndex(o) === object) yield graph.nodeName(o);
}

/** The runtime a graph comes from (runtimeOfNames). */
export function runtimeOf(graph: HeapGraph): SnapshotMeta['runtime'] {
  return runtimeOfNames(rootChildNames(graph), () => objectNames(graph));
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
