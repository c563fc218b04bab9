// The classify pass of a single snapshot: every reachable node's class, and
// per class the count and shallow size of its objects, as DevTools' Summary
// view counts them.
import type { HeapGraph } from '../engine/index.js';
import { ClassSums, ClassTable } from './class-table.js';
import { type RootTrace, UNREACHED } from './trace.js';

export interface Classified {
  table: ClassTable;
  /** Per node: its class index; -1 when unreachable, or internal and not asked for. */
  memberClass: Int32Array;
  /** Per class: its objects (a backing store of size 0, counted in its owner's size, is none). */
  count: ClassSums;
  /** Per class: its objects' shallow sizes, bytes. */
  selfSize: ClassSums;
}

export function classifyReachable(
  graph: HeapGraph,
  trace: RootTrace,
  shallow: Uint32Array,
  includeInternal: boolean,
  table = new ClassTable(),
): Classified {
  const memberClass = new Int32Array(graph.nodeCount).fill(-1);
  const count = new ClassSums();
  const selfSize = new ClassSums();
  for (let o = 0; o < graph.nodeCount; o++) {
    if (trace.distance[o] === UNREACHED) continue;
    const cls = table.indexOf(graph, o);
    if (table.keys[cls].internal && !includeInternal) continue;
    memberClass[o] = cls;
    if (shallow[o] === 0) continue;
    count.add(cls, 1);
    selfSize.add(cls, shallow[o]);
  }
  return { table, memberClass, count, selfSize };
}
