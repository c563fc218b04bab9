// Object shapes in a diff (engine/shapes.ts): the after snapshot's shapes name
// the objects of both snapshots, as in DevTools' Comparison view. The before
// snapshot is read first (or alongside), so its baseline keeps each plain
// object's properties and is named once the after snapshot's shapes are known.
import type { HeapGraph } from '../engine/index.js';
import {
  applyShapes,
  inferShapeDefinitions,
  nameSignatures,
  type ObjectSignatures,
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
 * Infers the shapes of `graph` (the after snapshot): the costly half of a
 * diff's shapes, which needs no baseline, so it runs while the before file is
 * read. Nothing is named yet (useShapes does): the checks that the two
 * snapshots are of one process compare their objects by unshaped class.
 */
export function afterShapes(graph: HeapGraph): { definitions: ShapeDefinition[]; signatures: ObjectSignatures } {
  const signatures = objectSignatures(graph);
  return { definitions: inferShapeDefinitions(signatures), signatures };
}

/**
 * Names the after graph's plain objects by its shapes, makes `table` name
 * every later graph it meets by them (growth snapshots), and re-classes the
 * baseline's plain objects by them.
 */
export function useShapes(
  graph: HeapGraph,
  table: ClassTable,
  baseline: { classOf: Uint32Array; shapes: BaselineShapes | null },
  { definitions, signatures }: { definitions: ShapeDefinition[]; signatures: ObjectSignatures },
): ShapeDefinition[] {
  applyShapes(graph, definitions, signatures);
  table.shapes = definitions;
  classBaselineShapes(table, baseline, definitions);
  return definitions;
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
