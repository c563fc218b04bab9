// Object shapes in a diff (engine/shapes.ts): the after snapshot's shapes name
// the objects of both snapshots, as in DevTools' Comparison view. The before
// snapshot is read first (or alongside), so its baseline keeps each plain
// object's properties and is named once the after snapshot's shapes are known.
import type { HeapGraph } from '../engine/index.js';
import {
  applyShapes,
  inferShapeDefinitions,
  nameSignatures,
  objectSignatures,
  type ShapeDefinition,
} from '../engine/shapes.js';
import type { ClassTable } from './class-table.js';

/** What a baseline keeps of its plain objects: per node (in the baseline's id order) its signature, or -1. */
export interface BaselineShapes {
  signatureOf: Int32Array;
  properties: string[][];
}

/** The plain objects' signatures of the before graph, in the order `ordinalAt` lists its nodes. */
export function baselineShapes(graph: HeapGraph, ordinalAt: (i: number) => number): BaselineShapes {
  const signatures = objectSignatures(graph);
  const signatureOf = new Int32Array(graph.nodeCount);
  for (let i = 0; i < graph.nodeCount; i++) signatureOf[i] = signatures.ofNode[ordinalAt(i)];
  return { signatureOf, properties: signatures.properties };
}

/**
 * Infers the shapes of `graph` (the after snapshot) and names its plain
 * objects by them; needs no baseline, so it runs while the before file is read.
 */
export function afterShapes(graph: HeapGraph): ShapeDefinition[] {
  const signatures = objectSignatures(graph);
  const definitions = inferShapeDefinitions(signatures);
  applyShapes(graph, definitions, signatures);
  return definitions;
}

/** Makes `table` name every later graph it meets by the after graph's shapes (growth snapshots), and re-classes the baseline's plain objects by them. */
export function useShapes(
  table: ClassTable,
  baseline: { classOf: Uint32Array; shapes: BaselineShapes | null },
  definitions: ShapeDefinition[],
): void {
  table.shapes = definitions;
  classBaselineShapes(table, baseline, definitions);
}

/** Classes an earlier snapshot's plain objects by the later snapshot's shape definitions (both tables see one name per object). */
export function classBaselineShapes(
  table: ClassTable,
  baseline: { classOf: Uint32Array; shapes: BaselineShapes | null },
  definitions: ShapeDefinition[],
): void {
  if (!baseline.shapes) return;
  const { signatureOf, properties } = baseline.shapes;
  const names = nameSignatures({ properties }, definitions);
  const classes = names.map((name) =>
    name === 'Object' ? table.intern('Object', 'object') : table.intern(name, 'object', 'Object'),
  );
  const classOf = baseline.classOf;
  for (let i = 0; i < signatureOf.length; i++) if (signatureOf[i] >= 0) classOf[i] = classes[signatureOf[i]];
}
