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
