// Interns (name, type) class keys as small integers, so per-node work compares
// numbers and the two snapshots of a diff share one numbering.

import { isInternalClass, stringTypeFlags } from '../classes.js';
import type { HeapGraph } from '../engine/index.js';
import { applyShapes, type ShapeDefinition } from '../engine/shapes.js';

export interface ClassKey {
  name: string;
  type: string;
  /** True for V8's and Node's bookkeeping (INTERNAL_TYPES, isRuntimeBookkeeping). */
  internal: boolean;
  /** For an object shape (`{user, path, ts}`): the objects' constructor, `Object`. */
  constructorName?: string;
  /** The ignore rule (its index) whose objects of this class this key counts apart (ignore.ts). */
  ignoredBy?: number;
}

/** A class of plain objects named by their shape (`{user, path, ts}`), not by a constructor. */
export const isShapeClass = (key: Pick<ClassKey, 'name' | 'constructorName'>): boolean =>
  key.constructorName !== undefined && key.name.startsWith('{');

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
  /** Per object shape of the current graph, its class index (-1: not interned yet). */
  private shapeClasses: Int32Array = new Int32Array(0);
  /**
   * Object shapes every graph this table meets is named by (engine/shapes.ts):
   * the later snapshot's, as DevTools' Comparison view does. Null: graphs keep
   * whatever shapes they have.
   */
  shapes: readonly ShapeDefinition[] | null = null;

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
      if (this.shapes && !graph.shapesApplied) applyShapes(graph, this.shapes);
      this.shapeClasses = new Int32Array(graph.shapeNames.length).fill(-1);
    }
    const shape = graph.shapeIndex(ordinal);
    if (shape >= 0) {
      if (shape >= this.shapeClasses.length) {
        // Shapes applied to this graph after the table first met it.
        const bigger = new Int32Array(graph.shapeNames.length).fill(-1);
        bigger.set(this.shapeClasses);
        this.shapeClasses = bigger;
      }
      if (this.shapeClasses[shape] < 0)
        this.shapeClasses[shape] = this.intern(graph.shapeNames[shape], 'object', 'Object');
      return this.shapeClasses[shape];
    }
    const typeIndex = graph.nodeTypeIndex(ordinal);
    // Every string node is one class whatever its content: keep one cache entry per type, not per content.
    // A detached DOM node is a class of its own (`Detached <div>`).
    const raw =
      this.stringTypes[typeIndex] === 1
        ? -1 - typeIndex
        : (graph.nodeNameIndex(ordinal) * 64 + typeIndex) * 2 + (graph.isDetached(ordinal) ? 1 : 0);
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

  /** The class that counts the objects of class `cls` an ignore rule took, apart from the others. */
  internIgnored(cls: number, rule: number): number {
    const base = this.keys[cls];
    const key = `${base.type}\u0000${base.name}\u0000ignored\u0000${rule}`;
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.keys.length;
      this.keys.push({ ...base, ignoredBy: rule });
      this.byKey.set(key, index);
    }
    return index;
  }

  /** The class of that name and type (not an ignore rule's twin), or -1; the table is left as it is. */
  find(name: string, type: string): number {
    return this.byKey.get(`${type}\u0000${name}`) ?? -1;
  }

  intern(name: string, type: string, constructorName?: string): number {
    const key = `${type}\u0000${name}`;
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.keys.length;
      const internal = isInternalClass(type, name);
      this.keys.push(
        constructorName === undefined ? { name, type, internal } : { name, type, internal, constructorName },
      );
      this.byKey.set(key, index);
    }
    return index;
  }
}

/** Per-class sums in a typed array that grows with the class table. */
export class ClassSums {
  private values = new Float64Array(256);
  add(cls: number, value: number): void {
    if (cls >= this.values.length) {
      const bigger = new Float64Array(Math.max(cls + 1, this.values.length * 2));
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[cls] += value;
  }
  get(cls: number): number {
    return cls < this.values.length ? this.values[cls] : 0;
  }
}
