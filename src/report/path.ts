// Retainer paths as text.
import type { RetainerPath } from '../types.js';

/** Edge as it reads in a path: `.name` for properties, `[3]` for elements, plain names for variables. */
export function edgeLabel(edge: { type: string; name: string }): string {
  switch (edge.type) {
    case 'element':
      return `[${edge.name}]`;
    case 'internal':
      // Numbered internal edges are slots of a backing store (a Map's table): read them as elements.
      return /^\d+$/.test(edge.name) ? `[${edge.name}]` : edge.name;
    case 'property':
      return `.${edge.name}`;
    case 'hidden':
      return `(${edge.name})`;
    default:
      return edge.name;
  }
}

/** One line: `(GC roots) → (Global handles) → Array [1] → Timeout ._onTimeout → (closure) …` */
export function formatPath(path: RetainerPath): string {
  return path
    .map((step) => {
      const node = step.type === 'elided' ? step.name : `${step.name}${step.nodeId ? ` @${step.nodeId}` : ''}`;
      return step.edge ? `${edgeLabel(step.edge)} ${node}` : node;
    })
    .join(' → ');
}
