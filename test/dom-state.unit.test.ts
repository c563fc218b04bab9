// DOM classes and detached DOM on graphs built in code, against DevTools' own
// engine (heap-snapshot-toolkit) node by node: the tag as class, the
// `detachedness` field spread as HeapSnapshot.ts propagateDOMState spreads it.
import assert from 'node:assert/strict';
import { ReadableStream } from 'node:stream/web';
import { test } from 'node:test';
import { parse } from 'heap-snapshot-toolkit';
import { domClassName, isBrowserInternal } from '../src/classes.js';
import { buildGraph, type GraphSpec, node, snapshotJson } from './graph-builder.js';

const ATTACHED = { detachedness: 1 };
const DETACHED = { detachedness: 2 };

/** A page in miniature: an attached tree, a detached one with JS and weak and hidden edges in it. */
const PAGE: GraphSpec = {
  nodes: [
    node(''),
    node('(GC roots)', 0, 'synthetic'),
    node('Window', 10, 'object', { key: 'window' }),
    node('<div id="app" class="main">', 40, 'native', { key: 'app', ...ATTACHED }),
    node('<span>', 40, 'native', { key: 'span' }),
    node('Text', 20, 'native', { key: 'text1' }),
    node('Array', 16, 'object', { key: 'kept' }),
    node('<li data-value="a-1">', 40, 'native', { key: 'li', ...DETACHED }),
    node('<b class="x">', 40, 'native', { key: 'b' }),
    node('Text', 20, 'native', { key: 'text2' }),
    node('blink::UniqueElementData', 24, 'native', { key: 'data' }),
    node('Foo', 12, 'object', { key: 'foo' }),
    node('<i>', 40, 'native', { key: 'behindJs' }),
    node('<em>', 40, 'native', { key: 'weakly' }),
    node('<u>', 40, 'native', { key: 'hidden' }),
    node('<p title="both">', 40, 'native', { key: 'both' }),
  ],
  edges: [
    [0, 1, 'element', 1],
    [1, 'window', 'element', 1],
    ['window', 'app', 'property', 'app'],
    ['window', 'kept', 'property', 'kept'],
    ['app', 'span', 'element', 0],
    ['span', 'text1', 'element', 0],
    ['kept', 'li', 'element', 0],
    ['li', 'b', 'element', 0],
    ['b', 'text2', 'element', 0],
    ['li', 'data', 'internal', 'element_data'],
    ['li', 'foo', 'property', 'expando'],
    ['foo', 'behindJs', 'property', 'el'],
    ['li', 'weakly', 'weak', 'w'],
    ['li', 'hidden', 'hidden', 0],
    ['li', 'both', 'element', 1],
    ['span', 'both', 'element', 1],
  ],
};

test('class names: the tag for elements, Detached as DevTools decides it, node by node', async () => {
  const graph = buildGraph(PAGE);
  const devtools = await parse(ReadableStream.from([snapshotJson(PAGE)]));
  const mine: string[] = [];
  const theirs: string[] = [];
  for (let o = 1; o < graph.nodeCount; o++) {
    // DevTools names other types by type ('(synthetic)'); leakscan's folding of those is tested elsewhere.
    if (graph.nodeTypeName(o) !== 'object' && graph.nodeTypeName(o) !== 'native') continue;
    mine.push(`${graph.nodeName(o)} → ${graph.className(o)}`);
    theirs.push(`${graph.nodeName(o)} → ${devtools.createNode(o * devtools.nodeFieldCount).className()}`);
  }
  assert.deepEqual(mine, theirs);
  const classOf = (key: string): string => graph.className(PAGE.nodes.findIndex((n) => n.key === key));
  assert.equal(classOf('app'), '<div>');
  assert.equal(classOf('li'), 'Detached <li>');
  assert.equal(classOf('b'), 'Detached <b>');
  assert.equal(classOf('text2'), 'Detached Text');
  assert.equal(classOf('text1'), 'Text');
  assert.equal(classOf('behindJs'), '<i>', 'the state does not spread through JavaScript');
  assert.equal(classOf('weakly'), '<em>', 'nor along weak edges');
  assert.equal(classOf('hidden'), '<u>', 'nor along hidden ones');
  assert.equal(classOf('both'), '<p>', 'attached wins');
  assert.equal(graph.displayName(PAGE.nodes.findIndex((n) => n.key === 'li')), 'Detached <li data-value="a-1">');
});

test('domClassName: the tag, with or without Detached, anything else unchanged', () => {
  const cases: [string, string][] = [
    ['<li data-value="a b">', '<li>'],
    ['<li>', '<li>'],
    ['Detached <div class="x">', 'Detached <div>'],
    ['Detached Text', 'Detached Text'],
    ['HTMLDocument', 'HTMLDocument'],
    ['', '(anonymous)'],
  ];
  for (const [name, expected] of cases) assert.equal(domClassName(name), expected, name);
});

test("isBrowserInternal: Blink's and V8's own, never the page's objects or DOM", () => {
  const cases: [string, string, boolean][] = [
    ['blink::RegisteredEventListener', 'native', true],
    ['Detached blink::UniqueElementData', 'native', true],
    ['blink::HeapVectorBacking<cppgc::internal::BasicMember<blink::StyleRule>>', 'native', true],
    ['DOMTimer', 'native', true],
    ['ScheduledAction', 'native', true],
    ['V8EventListener', 'native', true],
    ['V8Function', 'native', true],
    ['system / WeakArrayList', 'native', true],
    ['system / Context / scope @52179', 'object', true],
    ['<div>', 'native', false],
    ['Detached <li>', 'native', false],
    ['Text', 'native', false],
    ['MutationObserver', 'native', false],
    ['Widget', 'object', false],
    ['system / Context', 'object', false],
    ['handler', 'closure', false],
  ];
  for (const [name, type, expected] of cases) assert.equal(isBrowserInternal(name, type), expected, `${type} ${name}`);
});
