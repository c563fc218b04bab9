// Where each leak accumulates: the new objects of a class grouped by their
// holder, the nearest dominator that is not itself new (dominance.ts).
import type { HeapGraph } from '../engine/index.js';
import type { HolderGroup } from '../types.js';
import type { SetRetainedSizes } from './dominance.js';
import { retainerPath } from './paths.js';
import { type RootTrace, viaName } from './trace.js';

/**
 * The `limit` holders of most new objects of class `cls`, largest first, each
 * with its count, the retained size of those objects (each byte once), how it
 * is held and the retainer path of its member nearest the roots. Holders are
 * counted by sorting a typed array of them, so a class spread over a million
 * holders costs no map of a million entries.
 */
export function holdersOf(
  graph: HeapGraph,
  trace: RootTrace,
  walk: SetRetainedSizes,
  memberClass: Int32Array,
  cls: number,
  limit: number,
): HolderGroup[] {
  const { ordinals, holders, retained } = walk.members;
  let count = 0;
  for (let i = 0; i < ordinals.length; i++) if (memberClass[ordinals[i]] === cls) count++;
  if (count === 0) return [];
  const sorted = new Uint32Array(count);
  for (let i = 0, k = 0; i < ordinals.length; i++) if (memberClass[ordinals[i]] === cls) sorted[k++] = holders[i];
  sorted.sort();

  // Runs of equal holders, keeping the `limit` longest (ties: lower ordinal first, for stable output).
  const top: Array<{ holder: number; count: number }> = [];
  for (let i = 0; i < count; ) {
    let j = i;
    while (j < count && sorted[j] === sorted[i]) j++;
    const run = { holder: sorted[i], count: j - i };
    if (top.length < limit || run.count > top[top.length - 1].count) {
      top.push(run);
      top.sort((a, b) => b.count - a.count || a.holder - b.holder);
      if (top.length > limit) top.pop();
    }
    i = j;
  }

  const byHolder = new Map(top.map((t, rank) => [t.holder, rank]));
  const size = new Float64Array(top.length);
  const sample = new Int32Array(top.length).fill(-1);
  for (let i = 0; i < ordinals.length; i++) {
    const o = ordinals[i];
    if (memberClass[o] !== cls) continue;
    const rank = byHolder.get(holders[i]);
    if (rank === undefined) continue;
    size[rank] += retained[i];
    if (sample[rank] < 0 || trace.distance[o] < trace.distance[sample[rank]]) sample[rank] = o;
  }
  return top.map((t, rank) => {
    const o = sample[rank];
    return {
      count: t.count,
      retainedSize: size[rank],
      heldBy: viaName(trace.via[o]),
      holder: {
        nodeId: graph.nodeId(t.holder),
        name: graph.className(t.holder) || `(${graph.nodeTypeName(t.holder)})`,
        type: graph.nodeTypeName(t.holder),
      },
      sampleNodeId: graph.nodeId(o),
      retainerPath: retainerPath(graph, trace, o),
    };
  });
}
