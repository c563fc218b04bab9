// The one breadth-first walk (engine/algorithms.ts breadthFirst) on graphs
// built in code: hop counts over the edges that retain, and the levels that
// make a walk take every route of a lower level before any edge of a higher one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { breadthFirst, type EdgeLevel, NO_NODE } from '../src/engine/algorithms.js';
import type { HeapGraph } from '../src/engine/index.js';
import { buildGraph, type EdgeSpec, type NodeSpec, node } from './graph-builder.js';

interface Case {
  name: string;
  nodes: NodeSpec[];
  edges: EdgeSpec[];
  /** Per node name, the level of the edges into it (the walk's levelOf); default 0. */
  levels?: Record<string, number>;
  levelCount?: number;
  /** Per node name: [distance, level, name of the edge it was reached by], or null when unreached. */
  expected: Record<string, [distance: number, level: number, via: string] | null>;
}

const CASES: Case[] = [
  {
    name: 'hops from the root, by the first edge found',
    nodes: [node('(root)'), node('a'), node('b'), node('c')],
    edges: [
      ['(root)', 'a', 'property', 'ra'],
      ['(root)', 'b', 'property', 'rb'],
      ['a', 'c', 'property', 'ac'],
      ['b', 'c', 'property', 'bc'],
    ],
    expected: { a: [1, 0, 'ra'], b: [1, 0, 'rb'], c: [2, 0, 'ac'] },
  },
  {
    name: 'weak edges and the string tables do not retain',
    nodes: [
      node('(root)'),
      node('(Internalized strings)', 0, 'synthetic'),
      node('s', 8, 'string'),
      node('w'),
      node('gone'),
    ],
    edges: [
      ['(root)', '(Internalized strings)', 'element', 1],
      ['(Internalized strings)', 's', 'element', 1],
      ['(root)', 'w', 'weak', 'w'],
    ],
    expected: { '(Internalized strings)': [1, 0, '1'], s: null, w: null, gone: null },
  },
  {
    name: 'a longer route of a lower level wins over a shorter one of a higher level',
    nodes: [node('(root)'), node('stack'), node('a'), node('b'), node('x')],
    edges: [
      ['(root)', 'stack', 'element', 1],
      ['(root)', 'a', 'property', 'a'],
      ['stack', 'x', 'element', 1],
      ['a', 'b', 'property', 'b'],
      ['b', 'x', 'property', 'x'],
    ],
    levels: { stack: 2 },
    levelCount: 3,
    expected: { stack: [1, 2, '1'], a: [1, 0, 'a'], b: [2, 0, 'b'], x: [3, 0, 'x'] },
  },
  {
    name: 'what only a higher level reaches is reached at that level, and what it reaches too',
    nodes: [node('(root)'), node('runtime'), node('y'), node('z')],
    edges: [
      ['(root)', 'runtime', 'element', 1],
      ['runtime', 'y', 'property', 'y'],
      ['y', 'z', 'property', 'z'],
    ],
    levels: { runtime: 1 },
    levelCount: 3,
    expected: { runtime: [1, 1, '1'], y: [2, 1, 'y'], z: [3, 1, 'z'] },
  },
  {
    name: 'an edge that waits for a level found while that level is walked is still taken',
    nodes: [node('(root)'), node('l1'), node('l1b'), node('deep')],
    edges: [
      ['(root)', 'l1', 'element', 1],
      ['l1', 'l1b', 'property', 'next'],
      ['l1b', 'deep', 'property', 'deep'],
    ],
    levels: { l1: 1, l1b: 1, deep: 1 },
    levelCount: 2,
    expected: { l1: [1, 1, '1'], l1b: [2, 1, 'next'], deep: [3, 1, 'deep'] },
  },
];

function levelOf(graph: HeapGraph, levels: Record<string, number>): EdgeLevel {
  return (to) => levels[graph.nodeName(to)] ?? 0;
}

describe('breadthFirst: the one walk from the root', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const graph = buildGraph({ nodes: c.nodes, edges: c.edges });
      const walk = c.levels ? breadthFirst(graph, levelOf(graph, c.levels), c.levelCount) : breadthFirst(graph);
      assert.equal(walk.distance[graph.rootOrdinal], 0);
      assert.equal(walk.parentEdge[graph.rootOrdinal], NO_NODE);
      let reached = 1;
      for (const [name, expected] of Object.entries(c.expected)) {
        const o = c.nodes.findIndex((n) => n.name === name);
        if (expected === null) {
          assert.equal(walk.distance[o], NO_NODE, `${name} unreached`);
          assert.equal(walk.parentEdge[o], NO_NODE, `${name} has no parent edge`);
          continue;
        }
        reached++;
        const [distance, level, via] = expected;
        assert.equal(walk.distance[o], distance, `${name}: distance`);
        assert.equal(walk.level[o], level, `${name}: level`);
        assert.equal(graph.edgeName(walk.parentEdge[o]), via, `${name}: reached by`);
        assert.equal(graph.edgeTarget(walk.parentEdge[o]), o);
      }
      if (Object.keys(c.expected).length === c.nodes.length - 1) assert.equal(walk.reachedCount, reached);
    });
  }
});
