// Which DOM nodes of a Chrome snapshot are out of the document, as DevTools
// decides it (HeapSnapshot.ts propagateDOMState): Blink writes a
// `detachedness` node field (0 unknown, 1 attached, 2 detached) on the nodes
// that know their state; attached spreads first, then detached, each through
// native nodes only (every entry from JavaScript into Blink knows its own
// state), along edges that are not hidden, invisible or weak.
import type { HeapGraph } from './graph.js';

export const DOM_UNKNOWN = 0;
export const DOM_ATTACHED = 1;
export const DOM_DETACHED = 2;

/** Per node ordinal, its DOM state (DOM_UNKNOWN, DOM_ATTACHED, DOM_DETACHED); all unknown when the snapshot has no `detachedness` field. */
export function propagateDOMState(graph: HeapGraph): Uint8Array {
  const states = new Uint8Array(graph.nodeCount);
  const detachedness = graph.nodeDetachedness;
  if (detachedness === null) return states;
  const native = graph.nodeTypeNames.indexOf('native');
  const skipped = new Set(
    ['hidden', 'invisible', 'weak'].map((name) => graph.edgeTypeNames.indexOf(name)).filter((i) => i >= 0),
  );
  const visited = new Uint8Array(graph.nodeCount);
  const attached: number[] = [];
  const detached: number[] = [];
  const visit = (o: number, state: number): void => {
    if (visited[o]) return;
    visited[o] = 1;
    if (graph.nodeTypeIndex(o) !== native) return;
    states[o] = state;
    if (state === DOM_ATTACHED) attached.push(o);
    else if (state === DOM_DETACHED) detached.push(o);
  };
  for (let o = 0; o < graph.nodeCount; o++) {
    const state = detachedness[o] & 3;
    if (state !== DOM_UNKNOWN) visit(o, state);
  }
  const spread = (stack: number[], state: number): void => {
    while (stack.length > 0) {
      const o = stack.pop()!;
      if (states[o] !== state) continue;
      for (let e = graph.firstEdge(o), end = graph.firstEdge(o + 1); e < end; e++) {
        if (!skipped.has(graph.edgeTypeIndex(e))) visit(graph.edgeTarget(e), state);
      }
    }
  };
  spread(attached, DOM_ATTACHED);
  spread(detached, DOM_DETACHED);
  return states;
}
