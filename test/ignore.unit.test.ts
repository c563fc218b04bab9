// The ignore pass alone (ignore.ts ignoredNodes) and the per-rule retained
// sizes (dominance.ts setRetainedSizes groups), on a graph built in code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dominatorChildren, dominatorPreOrder, NOT_NEW, setRetainedSizes } from '../src/analysis/dominance.js';
import { ignoredNodes, parseIgnoreRules } from '../src/analysis/ignore.js';
import { traceFromRoots } from '../src/analysis/trace.js';
import { buildDominatorTree, buildRetainers, calculateRetainedSizes } from '../src/engine/index.js';
import { buildGraph, node } from './graph-builder.js';

// global.app.cache is an old array holding two new entries (one with a string of its own);
// global.other is a new object elsewhere.
const graph = buildGraph({
  nodes: [
    node('(root)'),
    node('(GC roots)', 0, 'synthetic'),
    node('global', 10),
    node('App', 10),
    node('Array', 16, 'object', { key: 'cache' }),
    node('Entry', 20, 'object', { key: 'e1' }),
    node('Entry', 20, 'object', { key: 'e2' }),
    node('key-1', 30, 'string'),
    node('Other', 40),
  ],
  edges: [
    ['(root)', '(GC roots)', 'element', 1],
    ['(root)', 'global', 'shortcut', 'global'],
    ['global', 'App', 'property', 'app'],
    ['App', 'cache', 'property', 'cache'],
    ['cache', 'e1', 'element', 0],
    ['cache', 'e2', 'element', 1],
    ['e1', 'key-1', 'property', 'key'],
    ['global', 'Other', 'property', 'other'],
  ],
});
const NEW = new Set(['e1', 'e2', 'key-1', 'Other']);
const keys = ['(root)', '(GC roots)', 'global', 'App', 'cache', 'e1', 'e2', 'key-1', 'Other'];
const isNew = (o: number): boolean => NEW.has(keys[o]);
const dominators = buildDominatorTree(graph, buildRetainers(graph));
const tree = dominatorChildren(graph, dominators);
const trace = traceFromRoots(graph);
const preOrder = dominatorPreOrder(graph, tree);
const ignored = (rules: string[]): Record<string, number> => {
  const ruleOf = ignoredNodes(graph, trace, dominators, preOrder, parseIgnoreRules(rules), isNew, (o) =>
    graph.className(o),
  );
  return Object.fromEntries(keys.map((k, o) => [k, ruleOf[o]]).filter(([, r]) => r !== -1));
};

test('a holder path takes the new objects below it, and what they alone retain; old objects never', () => {
  assert.deepEqual(ignored(['app.cache']), { e1: 0, e2: 0, 'key-1': 0 });
  assert.deepEqual(ignored(['cache[…]']), { e1: 0, e2: 0, 'key-1': 0 });
  assert.deepEqual(ignored(['global.cache']), {}, 'names in a row only');
});

test('a class rule takes its objects and what they alone retain; the first matching rule wins', () => {
  assert.deepEqual(ignored(['Entry']), { e1: 0, e2: 0, 'key-1': 0 });
  assert.deepEqual(ignored(['Oth*', 'Entry']), { e1: 1, e2: 1, 'key-1': 1, Other: 0 });
  assert.deepEqual(ignored(['holder:cache', 'Entry']), { e1: 0, e2: 0, 'key-1': 0 });
});

test("each rule's retained size counts every byte once", () => {
  const rules = parseIgnoreRules(['app.cache', 'Other']);
  const ruleOf = ignoredNodes(graph, trace, dominators, preOrder, rules, isNew, (o) => graph.className(o));
  const memberClass = Int32Array.from(keys, (k) => (NEW.has(k) ? 0 : NOT_NEW));
  const retained = calculateRetainedSizes(graph, dominators);
  const walk = setRetainedSizes(graph, tree, retained, memberClass, 1, {
    ownerClass: new Uint8Array(1),
    groupOf: ruleOf,
    groupCount: rules.length,
  });
  assert.deepEqual(Array.from(walk.perGroup), [20 + 30 + 20, 40]);
});
