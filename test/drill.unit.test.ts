// The drill-down pass alone (drill.ts), on a graph built in code: which
// dominated children an object lists, in what order, named by which edge.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dominatorChildren } from '../src/analysis/dominance.js';
import { drillDown } from '../src/analysis/drill.js';
import { traceFromRoots } from '../src/analysis/trace.js';
import { buildDominatorTree, buildRetainers, calculateRetainedSizes } from '../src/engine/index.js';
import { buildGraph, node } from './graph-builder.js';

// H holds D directly (two edges: an internal one and a property), X and Y directly, and Z only
// through both X and Y: Z is H's child in the dominator tree with no edge from H. D holds E.
const graph = buildGraph({
  nodes: [
    node('(root)'),
    node('(GC roots)', 0, 'synthetic'),
    node('global', 10),
    node('H', 10),
    node('D', 100),
    node('E', 50),
    node('X', 20),
    node('Y', 30),
    node('Z', 40),
  ],
  edges: [
    ['(root)', '(GC roots)', 'element', 1],
    ['(root)', 'global', 'shortcut', 'global'],
    ['global', 'H', 'property', 'holder'],
    ['H', 'D', 'internal', 'slot'],
    ['H', 'D', 'property', 'data'],
    ['H', 'X', 'property', 'x'],
    ['H', 'Y', 'property', 'y'],
    ['D', 'E', 'element', 0],
    ['X', 'Z', 'property', 'z'],
    ['Y', 'Z', 'property', 'alsoZ'],
  ],
});
const dominators = buildDominatorTree(graph, buildRetainers(graph));
const retained = calculateRetainedSizes(graph, dominators);
const tree = dominatorChildren(graph, dominators);
const trace = traceFromRoots(graph);
const self = Array.from({ length: graph.nodeCount }, (_, o) => graph.nodeSelfSize(o));
const H = 3;

test('children by retained size, named by the best direct edge or the shortest path down', () => {
  const { retains, omitted } = drillDown(graph, tree, trace, self, retained, H, { depth: 2, top: 10 });
  assert.equal(omitted, undefined);
  assert.deepEqual(
    retains.map((r) => [r.name, r.retainedSize, r.direct, r.edge?.name, r.via?.map((e) => e.name)]),
    [
      ['D', 150, true, 'data', undefined],
      ['Z', 40, false, 'z', ['x', 'z']],
      ['Y', 30, true, 'y', undefined],
      ['X', 20, true, 'x', undefined],
    ],
  );
  assert.deepEqual(
    retains[0].retains?.map((r) => [r.name, r.selfSize, r.retainedSize, r.edge]),
    [['E', 50, 50, { type: 'element', name: '0' }]],
  );
  const sum = retains.reduce((s, r) => s + r.retainedSize, 0);
  assert.equal(
    sum + self[H],
    retained[H],
    "the children's retained sizes and its own self size make its retained size",
  );
});

test('--top cuts each level and says what it left out; --depth stops the levels', () => {
  const { retains, omitted } = drillDown(graph, tree, trace, self, retained, H, { depth: 1, top: 2 });
  assert.deepEqual(
    retains.map((r) => r.name),
    ['D', 'Z'],
  );
  assert.deepEqual(omitted, { count: 2, retainedSize: 50 });
  assert.ok(retains.every((r) => r.retains === undefined));
});
