// Interns (name, type) class keys as small integers, so per-node work compares
// numbers and the two snapshots of a diff share one numbering.

import { INTERNAL_TYPES, isRuntimeBookkeeping, stringTypeFlags } from '../classes.js';
import type { HeapGraph } from '../engine/index.js';

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
  /** Per node type index of the current graph: 1 for the string types (one class whatever the content). */
  private stringTypes: Uint8Array = new Uint8Array(0);
  private lastRaw = NaN;
  private lastIndex = -1;

  get size(): number {
    return this.keys.length;
  }

  /** Class index of a node. String indexes differ between snapshots, so the raw cache is per graph. */
  indexOf(graph: HeapGraph, ordinal: number): number {
    if (graph !== this.graph) {
      this.graph = graph;
      this.byRaw = new Map();
      this.lastRaw = NaN;
      this.stringTypes = stringTypeFlags(graph.nodeTypeNames);
    }
    const typeIndex = graph.nodeTypeIndex(ordinal);
    // Every string node is one class whatever its content: keep one cache entry per type, not per content.
    const raw = this.stringTypes[typeIndex] === 1 ? -1 - typeIndex : graph.nodeNameIndex(ordinal) * 64 + typeIndex;
    // Nodes of one class often come in runs: one entry of cache before the map.
    if (raw === this.lastRaw) return this.lastIndex;
    let index = this.byRaw.get(raw);
    if (index === undefined) {
      index = this.intern(graph.className(ordinal), graph.classType(ordinal));
      this.byRaw.set(raw, index);
    }
    this.lastRaw = raw;
    this.lastIndex = index;
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
