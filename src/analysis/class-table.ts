// Interns (name, type) class keys as small integers, so per-node work compares
// numbers and the two snapshots of a diff share one numbering.
import type { HeapGraph } from '../engine/index.js';
import { classTypeOf, INTERNAL_TYPES, isRuntimeBookkeeping } from '../classes.js';

export interface ClassKey {
  name: string;
  type: string;
  /** True for V8's and Node's bookkeeping (INTERNAL_TYPES, isRuntimeBookkeeping). */
  internal: boolean;
}

export class ClassTable {
  readonly keys: ClassKey[] = [];
  private readonly byKey = new Map<string, number>();
  /** Per-graph cache from raw (name index, type index) to class index. */
  private byRaw = new Map<number, number>();
  private graph: HeapGraph | null = null;

  get size(): number {
    return this.keys.length;
  }

  /** Class index of a node. String indexes differ between snapshots, so the raw cache is per graph. */
  indexOf(graph: HeapGraph, ordinal: number): number {
    if (graph !== this.graph) {
      this.graph = graph;
      this.byRaw = new Map();
    }
    const typeIndex = graph.nodeTypeIndex(ordinal);
    const nameIndex = graph.nodes[ordinal * graph.nodeFieldCount + graph.nodeNameOffset];
    // Every string node is one class whatever its content: keep one cache entry per type, not per content.
    const raw = classTypeOf(graph.nodeTypeName(ordinal)) === 'string' ? -1 - typeIndex : nameIndex * 64 + typeIndex;
    let index = this.byRaw.get(raw);
    if (index === undefined) {
      index = this.intern(graph.className(ordinal), graph.classType(ordinal));
      this.byRaw.set(raw, index);
    }
    return index;
  }

  intern(name: string, type: string): number {
    const key = `${type}\u0000${name}`;
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.keys.length;
      this.keys.push({ name, type, internal: INTERNAL_TYPES.has(type) || isRuntimeBookkeeping(type, name) });
      this.byKey.set(key, index);
    }
    return index;
  }
}
