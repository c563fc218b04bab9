// Retainer paths: why an object is alive, read off the root trace.
import type { HeapGraph } from '../engine/index.js';
import { sourceIndex } from '../engine/locations.js';
import type { RetainerPath, RetainerStep } from '../types.js';
import { propertyAccess } from './ownership.js';
import { isTransientRoot, parentOf, type RootTrace, UNREACHED } from './trace.js';

/** Paths longer than this (linked lists) keep their first and last steps around one 'elided' step. */
const MAX_PATH_STEPS = 48;
const HEAD_STEPS = 6;

function stepOf(graph: HeapGraph, ordinal: number, edge: number | null): RetainerStep {
  const step: RetainerStep = {
    nodeId: graph.nodeId(ordinal),
    // Backing stores have empty names; their type says what they are.
    name: graph.className(ordinal) || `(${graph.nodeTypeName(ordinal)})`,
    type: graph.nodeTypeName(ordinal),
    edge: edge === null ? null : { type: graph.edgeTypeName(edge), name: graph.edgeName(edge) },
  };
  const detail = instanceDetail(graph, ordinal);
  if (detail !== null) step.detail = detail;
  const location = sourceIndex(graph).stepLocation(ordinal);
  if (location) step.location = location;
  return step;
}

/** A DOM element's full name, attributes and all (`<li data-value="a">`), when its class is only the tag; else null. */
export function instanceDetail(graph: HeapGraph, ordinal: number): string | null {
  const name = graph.displayName(ordinal);
  return name !== graph.className(ordinal) && (name.startsWith('<') || name.startsWith('Detached <')) ? name : null;
}

/**
 * The traced path from the first node below the synthetic root to `ordinal`,
 * or null if the node is unreachable. Weak edges never appear: the trace skips them.
 */
export function retainerPath(graph: HeapGraph, trace: RootTrace, ordinal: number): RetainerPath | null {
  if (trace.distance[ordinal] === UNREACHED) return null;
  const ordinals: number[] = [];
  for (let o = ordinal; o !== graph.rootOrdinal; o = parentOf(graph, trace, o)) ordinals.push(o);
  ordinals.reverse();
  const steps = ordinals.map((o, i) => stepOf(graph, o, i === 0 ? null : trace.parentEdge[o]));
  if (steps.length <= MAX_PATH_STEPS) return steps;
  const tail = MAX_PATH_STEPS - HEAD_STEPS - 1;
  const elided = steps.length - HEAD_STEPS - tail;
  return [
    ...steps.slice(0, HEAD_STEPS),
    { nodeId: 0, name: `… ${elided} steps …`, type: 'elided', edge: null },
    ...steps.slice(steps.length - tail),
  ];
}

const NAMING_EDGES = new Set(['property', 'context', 'shortcut']);
const isNaming = (edge: RetainerStep['edge']): edge is { type: string; name: string } =>
  edge !== null && NAMING_EDGES.has(edge.type) && !/^\d+$/.test(edge.name);

/**
 * The holder a user would recognise, e.g. "cache[…]" or "leakyMap[…]": the
 * last property or variable name on the path, with "[…]" when the object sits
 * inside it (array elements, Map/Set tables) rather than directly on it.
 * Given the holder (HolderGroup.holder), the name is read around it instead:
 * "head.next" for a list hanging from `head`, "_events.reconnect[…]" for listeners, "theThing" for a variable of a
 * closure context, "auditTrail[…]" for an array.
 */
export function holderLabel(path: RetainerPath | null, holderNodeId?: number): string | null {
  if (!path) return null;
  const at = holderNodeId === undefined ? -1 : path.findIndex((step) => step.nodeId === holderNodeId);
  if (at >= 0 && at < path.length - 1) {
    const holder = path[at];
    if (isTransientRoot(holder)) return 'a running function';
    // The name: the holder's own (the edge into it), or for an unnamed holder (a Map's table) the
    // nearest name above it; a closure scope names nothing itself, its variables do.
    let from = at;
    let base = '';
    if (holder.name !== 'system / Context') {
      while (from > 0 && !isNaming(path[from].edge)) from--;
      base = from > 0 ? path[from].edge!.name : '';
    }
    // Then each step down to the object: `.name` for properties and variables, `[…]` for the rest.
    let label = base;
    for (let i = from + 1; i < path.length; i++) {
      const edge = path[i].edge;
      if (isNaming(edge)) label += label === '' ? edge.name : propertyAccess(edge.name);
      else if (label !== '' && !label.endsWith('[…]')) label += '[…]';
    }
    return label === '' ? null : label;
  }
  for (let i = path.length - 1; i > 0; i--) {
    const edge = path[i].edge;
    if (!isNaming(edge)) continue;
    // A property of an object that has a name too (a module's object of per-route arrays): latencies["/users/:id"].
    const above = path[i - 1].edge;
    const name =
      edge.type === 'property' && i > 1 && isNaming(above) && above.type !== 'shortcut'
        ? `${above.name}${propertyAccess(edge.name)}`
        : edge.name;
    return i === path.length - 1 ? name : `${name}[…]`;
  }
  return null;
}

/** holderLabel of a diff row's first holder (the one of most objects). */
export function classHolderLabel(c: {
  retainerPath: RetainerPath | null;
  holders?: Array<{ holder: { nodeId: number } }> | null;
}): string | null {
  return holderLabel(c.retainerPath, c.holders?.[0]?.holder.nodeId);
}
