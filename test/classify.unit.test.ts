// The classify pass alone (classify.ts), on graphs built in code: which
// nodes get a class, and each class's count and shallow size as DevTools'
// Summary view counts them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyReachable } from '../src/analysis/classify.js';
import { traceFromRoots } from '../src/analysis/trace.js';
import { calculateShallowSizes } from '../src/engine/index.js';
import { buildGraph, type EdgeSpec, type NodeSpec, node } from './graph-builder.js';

const BASE_NODES: NodeSpec[] = [node('(root)'), node('(GC roots)', 0, 'synthetic'), node('global', 100)];
const BASE_EDGES: EdgeSpec[] = [
  ['(root)', '(GC roots)', 'element', 1],
  ['(root)', 'global', 'shortcut', 'global'],
];

interface Case {
  name: string;
  nodes: NodeSpec[];
  edges: EdgeSpec[];
  includeInternal?: boolean;
  /** Per class name: [count, selfSize]; classes not listed have no objects. */
  classes: Record<string, [count: number, selfSize: number]>;
  /** Node keys (or names) that get no class. */
  unclassed?: string[];
}

const CASES: Case[] = [
  {
    name: 'reachable objects counted per class, with their sizes',
    nodes: [node('A', 10, 'object', { key: 'a1' }), node('A', 30, 'object', { key: 'a2' }), node('B', 5)],
    edges: [
      ['global', 'a1', 'property', 'x'],
      ['global', 'a2', 'property', 'y'],
      ['a2', 'B', 'property', 'b'],
    ],
    classes: { A: [2, 40], B: [1, 5], global: [1, 100] },
  },
  {
    name: 'unreachable and weakly held objects get no class',
    nodes: [node('Lost', 10), node('Weak', 10)],
    edges: [['global', 'Weak', 'weak', 'w']],
    classes: { global: [1, 100] },
    unclassed: ['Lost', 'Weak'],
  },
  {
    name: 'every string is one class, (string), whatever its text',
    nodes: [node('hello', 16, 'string'), node('world', 24, 'concatenated string')],
    edges: [
      ['global', 'hello', 'property', 'h'],
      ['global', 'world', 'property', 'w'],
    ],
    classes: { '(string)': [2, 40], global: [1, 100] },
  },
  {
    name: 'a backing store only one object holds weighs in its owner and is no object of its own',
    nodes: [node('Arr', 16), node('', 64, 'array', { key: 'store' })],
    edges: [
      ['global', 'Arr', 'property', 'arr'],
      ['Arr', 'store', 'internal', 'elements'],
    ],
    includeInternal: true,
    classes: { Arr: [1, 80], global: [1, 100] },
  },
  {
    name: 'internal types and Node’s bookkeeping get no class unless asked for',
    nodes: [node('foo', 64, 'code'), node('Node / Environment', 8, 'native', { key: 'env' })],
    edges: [
      ['global', 'foo', 'internal', 'code'],
      ['global', 'env', 'internal', 'env'],
    ],
    classes: { global: [1, 100] },
    unclassed: ['foo', 'env', '(GC roots)'],
  },
  {
    name: 'with includeInternal, they are classes too',
    nodes: [node('foo', 64, 'code')],
    edges: [['global', 'foo', 'internal', 'code']],
    includeInternal: true,
    classes: { foo: [1, 64], global: [1, 100] },
  },
];

describe('classifyReachable: the classify pass', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const nodes = [...BASE_NODES, ...c.nodes];
      const graph = buildGraph({ nodes, edges: [...BASE_EDGES, ...c.edges] });
      const trace = traceFromRoots(graph);
      const { table, memberClass, count, selfSize } = classifyReachable(
        graph,
        trace,
        calculateShallowSizes(graph),
        c.includeInternal === true,
      );
      const got: Record<string, [number, number]> = {};
      for (let cls = 0; cls < table.size; cls++)
        if (count.get(cls) > 0) got[table.keys[cls].name] = [count.get(cls), selfSize.get(cls)];
      assert.deepEqual(got, c.classes);
      for (const key of c.unclassed ?? []) {
        const o = nodes.findIndex((n) => (n.key ?? n.name) === key);
        assert.equal(memberClass[o], -1, `${key} has no class`);
      }
      for (let o = 0; o < graph.nodeCount; o++) {
        if (memberClass[o] >= 0) assert.equal(memberClass[o], table.indexOf(graph, o), `node ${o}: its own class`);
      }
    });
  }
});
