// The root trace on graphs built in code: which way a retainer path goes
// (the program's own objects first, then Node's embedder objects, leakscan's
// runner, V8's transient tables, the stack last), how each node is held (Via),
// and the holder labels read off the paths.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { holderLabel, retainerPath } from '../src/analysis/paths.js';
import { RUNNER_MARKER, traceFromRoots, UNREACHED, type ViaName, viaName } from '../src/analysis/trace.js';
import { formatPath } from '../src/report/path.js';
import type { RetainerPath } from '../src/types.js';
import { buildGraph, type EdgeSpec, type GraphSpec, type NodeSpec, node } from './graph-builder.js';

const BASE_NODES: NodeSpec[] = [
  node('(root)'),
  node('(GC roots)', 0, 'synthetic'),
  node('(Stack roots)', 0, 'synthetic'),
  node('(Strong roots)', 0, 'synthetic'),
  node('(Internalized strings)', 0, 'synthetic'),
  node('global', 100),
  node('X', 10, 'object', { key: 'x' }),
];
const BASE_EDGES: EdgeSpec[] = [
  ['(root)', '(GC roots)', 'element', 1],
  ['(root)', 'global', 'shortcut', 'global'],
  ['(GC roots)', '(Stack roots)', 'element', 1],
  ['(GC roots)', '(Strong roots)', 'element', 2],
  ['(GC roots)', '(Internalized strings)', 'element', 3],
];

/** A long way from the program's global object to x: global.a.b.c.x. */
const LONG_NODES = [node('A', 1, 'object', { key: 'a' }), node('B', 1, 'object', { key: 'b' }), node('C', 1)];
const LONG_EDGES: EdgeSpec[] = [
  ['global', 'a', 'property', 'a'],
  ['a', 'b', 'property', 'b'],
  ['b', 'C', 'property', 'c'],
  ['C', 'x', 'property', 'x'],
];

/** A closure of leakscan's runner (dist/src/runner/child.js) that the program reaches, and its context, which holds x. */
const RUNNER_NODES = [
  node('runScenario', 32, 'closure', { key: 'runnerFn' }),
  node('runScenario', 32, 'code', { key: 'shared' }),
  node('/app/node_modules/leakscan/dist/src/runner/child.js', 8, 'code', { key: 'script' }),
  node('system / Context', 16, 'object', { key: 'runnerContext' }),
];
const RUNNER_EDGES: EdgeSpec[] = [
  ['global', 'runnerFn', 'property', 'pending'],
  ['runnerFn', 'shared', 'internal', 'shared'],
  ['shared', 'script', 'internal', 'script'],
  ['runnerFn', 'runnerContext', 'internal', 'context'],
  ['runnerContext', 'x', 'context', 'scenario'],
];

interface Case {
  name: string;
  nodes?: NodeSpec[];
  edges: EdgeSpec[];
  strings?: string[];
  /** How x is held (null: nothing strong reaches it) and the edge names on its path. */
  via: ViaName | null;
  path?: string[];
}

const CASES: Case[] = [
  {
    name: 'the program’s objects are one way',
    nodes: LONG_NODES,
    edges: LONG_EDGES,
    via: 'program',
    path: ['a', 'b', 'c', 'x'],
  },
  {
    name: 'a longer way through the program beats a shorter one through Node’s embedder objects',
    nodes: [...LONG_NODES, node('Node / Environment', 0, 'native', { key: 'env' })],
    edges: [...LONG_EDGES, ['(GC roots)', 'env', 'element', 4], ['env', 'x', 'property', 'handle']],
    via: 'program',
    path: ['a', 'b', 'c', 'x'],
  },
  {
    name: 'only through Node’s embedder objects: the runtime',
    nodes: [node('Node / Environment', 0, 'native', { key: 'env' })],
    edges: [
      ['(GC roots)', 'env', 'element', 4],
      ['env', 'x', 'property', 'handle'],
    ],
    via: 'runtime',
    path: ['4', 'handle'],
  },
  {
    name: 'the stack last: any other way wins, however long',
    nodes: LONG_NODES,
    edges: [...LONG_EDGES, ['(Stack roots)', 'x', 'element', 0]],
    via: 'program',
    path: ['a', 'b', 'c', 'x'],
  },
  {
    name: 'only the stack holds it',
    edges: [['(Stack roots)', 'x', 'element', 0]],
    via: 'stack',
    path: ['1', '0'],
  },
  {
    name: 'in the runner’s snapshot a path avoids the runner’s closures and contexts',
    nodes: [...LONG_NODES, ...RUNNER_NODES],
    edges: [...LONG_EDGES, ...RUNNER_EDGES],
    strings: [RUNNER_MARKER],
    via: 'program',
    path: ['a', 'b', 'c', 'x'],
  },
  {
    name: 'without the runner’s marker its closures are the program’s (the shorter way wins)',
    nodes: [...LONG_NODES, ...RUNNER_NODES],
    edges: [...LONG_EDGES, ...RUNNER_EDGES],
    via: 'program',
    path: ['pending', 'context', 'scenario'],
  },
  {
    name: 'only the runner holds it',
    nodes: RUNNER_NODES,
    edges: RUNNER_EDGES,
    strings: [RUNNER_MARKER],
    via: 'runner',
    path: ['pending', 'context', 'scenario'],
  },
  {
    name: 'an async frame of a runner function is the runner’s, and so is the context of its await',
    nodes: [
      ...RUNNER_NODES,
      node('Generator', 16, 'object', { key: 'generator' }),
      node('system / Context', 16, 'object', { key: 'awaitContext' }),
    ],
    edges: [
      ['runnerFn', 'shared', 'internal', 'shared'],
      ['shared', 'script', 'internal', 'script'],
      ['global', 'generator', 'property', 'pending'],
      ['generator', 'runnerFn', 'internal', 'function'],
      ['global', 'awaitContext', 'property', 'resume'],
      ['awaitContext', 'generator', 'internal', 'extension'],
      ['awaitContext', 'x', 'context', 'result'],
    ],
    strings: [RUNNER_MARKER],
    via: 'runner',
    path: ['resume', 'result'],
  },
  {
    name: 'V8’s own strong roots (IdentityMaps) come after any way through the program',
    nodes: LONG_NODES,
    edges: [...LONG_EDGES, ['(Strong roots)', 'x', 'internal', 'v8::internal::IdentityMapBase']],
    via: 'program',
    path: ['a', 'b', 'c', 'x'],
  },
  {
    name: 'an edge of V8’s IdentityMap is taken only when nothing else reaches, and counts as the runtime',
    edges: [['(Strong roots)', 'x', 'internal', 'v8::internal::IdentityMapBase']],
    via: 'runtime',
    path: ['2', 'v8::internal::IdentityMapBase'],
  },
  {
    name: 'weak edges and string tables do not hold',
    edges: [
      ['global', 'x', 'weak', 'ref'],
      ['(Internalized strings)', 'x', 'element', 0],
    ],
    via: null,
  },
];

describe('root trace: which way a path goes and how a node is held', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const spec: GraphSpec = {
        nodes: [...BASE_NODES, ...(c.nodes ?? [])],
        edges: [...BASE_EDGES, ...c.edges],
        strings: c.strings,
      };
      const graph = buildGraph(spec);
      const trace = traceFromRoots(graph);
      const x = spec.nodes.findIndex((n) => n.key === 'x');
      assert.equal(trace.takenByRunner, c.strings?.includes(RUNNER_MARKER) ?? false);
      if (c.via === null) {
        assert.equal(trace.distance[x], UNREACHED);
        assert.equal(retainerPath(graph, trace, x), null);
        return;
      }
      assert.notEqual(trace.distance[x], UNREACHED, 'x is reached');
      assert.equal(viaName(trace.via[x]), c.via);
      const path = retainerPath(graph, trace, x);
      assert.ok(path);
      assert.deepEqual(
        path.slice(1).map((step) => step.edge?.name),
        c.path,
      );
      assert.equal(path.at(-1)?.nodeId, graph.nodeId(x), 'the path ends at x');
    });
  }
});

describe('retainer paths', () => {
  test('a path longer than 48 steps keeps its first 6 and last 41 around one elided step', () => {
    const n = 100;
    const spec: GraphSpec = { nodes: [node('(root)')], edges: [] };
    for (let i = 1; i <= n; i++) {
      spec.nodes.push(node(`n${i}`, 1));
      spec.edges.push([i - 1, i, 'property', `p${i}`]);
    }
    const graph = buildGraph(spec);
    const path = retainerPath(graph, traceFromRoots(graph), n);
    assert.ok(path);
    assert.equal(path.length, 48);
    assert.deepEqual(
      path.slice(0, 6).map((s) => s.name),
      ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'],
    );
    assert.deepEqual(path[6], { nodeId: 0, name: '… 53 steps …', type: 'elided', edge: null });
    assert.equal(path[7].name, 'n60');
    assert.equal(path.at(-1)?.name, `n${n}`);
  });
});

/** A path from names: 'global', then '.name' for a property, '[i]' for an element, '~name' for a context variable. */
function pathOf(...steps: Array<[name: string, type: string, edge?: [string, string]]>): RetainerPath {
  return steps.map(([name, type, edge], i) => ({
    nodeId: 100 + i,
    name,
    type,
    edge: edge ? { type: edge[0], name: edge[1] } : null,
  }));
}

const cachePath = pathOf(
  ['(GC roots)', 'synthetic'],
  ['global', 'object', ['element', '1']],
  ['Array', 'object', ['property', 'cache']],
  ['(object elements)', 'array', ['internal', 'elements']],
  ['B', 'object', ['element', '39']],
);
const listPath = pathOf(
  ['global', 'object'],
  ['List', 'object', ['property', 'head']],
  ['Node', 'object', ['property', 'next']],
  ['Node', 'object', ['property', 'next']],
);
const contextPath = pathOf(
  ['global', 'object'],
  ['run', 'closure', ['property', 'run']],
  ['system / Context', 'object', ['internal', 'context']],
  ['Thing', 'object', ['context', 'theThing']],
);
const stackPath = pathOf(['(Stack roots)', 'synthetic'], ['B', 'object', ['element', '0']]);
/** A plain object used as a dictionary: `cache['rec-' + i] = record`, `cache['2024 total']`. */
const dictPath = pathOf(
  ['global', 'object'],
  ['Object', 'object', ['property', 'cache']],
  ['Record', 'object', ['property', 'rec-109']],
  ['Array', 'object', ['property', 'tags']],
);

test('a retainer path line quotes a key that is no identifier, as JavaScript does', () => {
  assert.equal(formatPath(dictPath), 'global @100 → .cache Object @101 → ["rec-109"] Record @102 → .tags Array @103');
});

describe('holder labels', () => {
  const cases: Array<{ name: string; path: RetainerPath | null; holderAt?: number; label: string | null }> = [
    { name: 'no path', path: null, label: null },
    { name: 'the last name on the path, with […] when the object sits inside it', path: cachePath, label: 'cache[…]' },
    { name: 'around the holder: the array’s name and […]', path: cachePath, holderAt: 2, label: 'cache[…]' },
    { name: 'a list from its head: head.next', path: listPath, holderAt: 1, label: 'head.next.next' },
    { name: 'a variable of a closure scope names itself', path: contextPath, holderAt: 2, label: 'theThing' },
    { name: 'the stack: a running function', path: stackPath, holderAt: 0, label: 'a running function' },
    { name: 'nothing named on the path', path: stackPath, label: null },
    // A key JavaScript cannot put after a dot reads as typed: cache["rec-109"], never cache.rec-109.
    { name: 'a key that is no identifier, quoted', path: dictPath, holderAt: 1, label: 'cache["rec-109"].tags' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const holder = c.holderAt === undefined ? undefined : c.path?.[c.holderAt].nodeId;
      assert.equal(holderLabel(c.path, holder), c.label);
    });
  }
});
