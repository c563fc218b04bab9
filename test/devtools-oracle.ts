// Chrome DevTools' own heap engine (heap-snapshot-toolkit: HeapSnapshot.ts
// compiled), as the oracle for dominators and retained sizes: users check our
// numbers by opening the same file in DevTools.
import { createReadStream } from 'node:fs';
import { parse } from 'heap-snapshot-toolkit';

export interface DevToolsView {
  /** Per node ordinal (file order): node id, the id of its immediate dominator, its retained size. */
  ids: Uint32Array;
  dominatorIds: Uint32Array;
  retainedSizes: Float64Array;
}

export async function devtoolsView(file: string): Promise<DevToolsView> {
  const snapshot = await parse(createReadStream(file, 'utf8'));
  const { nodeCount, nodeFieldCount, nodeIdOffset, nodes, dominatorsTree, retainedSizes } = snapshot;
  const ids = new Uint32Array(nodeCount);
  for (let o = 0; o < nodeCount; o++) ids[o] = nodes.getValue(o * nodeFieldCount + nodeIdOffset);
  const dominatorIds = new Uint32Array(nodeCount);
  for (let o = 0; o < nodeCount; o++) dominatorIds[o] = ids[dominatorsTree[o]];
  return { ids, dominatorIds, retainedSizes };
}

/** One class of DevTools' Comparison view: # New, # Deleted, Alloc. size, Freed size. */
export interface DevToolsClassDiff {
  addedCount: number;
  removedCount: number;
  addedSize: number;
  removedSize: number;
}

/**
 * DevTools' Comparison view of a pair, per class name (class keys of one name,
 * e.g. constructors defined at two places, summed). As DevTools does, the base
 * is grouped with the after snapshot's object shapes.
 */
export async function devtoolsComparison(beforeFile: string, afterFile: string): Promise<Map<string, DevToolsClassDiff>> {
  const start = await parse(createReadStream(beforeFile, 'utf8'));
  const end = await parse(createReadStream(afterFile, 'utf8'));
  const base = await start.aggregatesForDiff(await end.interfaceDefinitions());
  const byKey = (await end.calculateSnapshotDiff(`base:${beforeFile}`, base)) as Record<string, DevToolsClassDiff & { name: string }>;
  const byName = new Map<string, DevToolsClassDiff>();
  for (const d of Object.values(byKey)) {
    const sum = byName.get(d.name) ?? { addedCount: 0, removedCount: 0, addedSize: 0, removedSize: 0 };
    sum.addedCount += d.addedCount;
    sum.removedCount += d.removedCount;
    sum.addedSize += d.addedSize;
    sum.removedSize += d.removedSize;
    byName.set(d.name, sum);
  }
  return byName;
}
