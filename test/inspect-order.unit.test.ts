// inspect's order when nothing of the user's is named: a batch script's lines, plain strings in an array its
// running top level keeps, fill the heap. The one object holding most of it is what to say first, before the
// class tables, in the terminal and in Markdown alike.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspectSnapshot } from '../src/analysis/inspect.js';
import { htmlInspect } from '../src/report/html.js';
import { markdownInspect } from '../src/report/markdown.js';
import { renderInspect } from '../src/report/terminal.js';
import { type EdgeSpec, type NodeSpec, node, writeGraph } from './graph-builder.js';
import { tempDir } from './helpers.js';

const lines = Array.from({ length: 40 }, (_, i) => node(`line ${i}`, 200, 'string', { key: `line${i}` }));
const nodes: NodeSpec[] = [
  node('(root)'),
  node('(GC roots)', 0, 'synthetic'),
  node('(Stack roots)', 0, 'synthetic'),
  node('global', 100),
  node('Array', 32, 'object', { key: 'seenLines' }),
  ...lines,
];
const edges: EdgeSpec[] = [
  ['(root)', '(GC roots)', 'element', 1],
  ['(root)', 'global', 'shortcut', 'global'],
  ['(GC roots)', '(Stack roots)', 'element', 1],
  ['(Stack roots)', 'seenLines', 'element', 0],
  ...lines.map((line, i): EdgeSpec => ['seenLines', line.key ?? line.name, 'element', i]),
];

test('an object holding most of the heap comes before the class tables when none of the user’s is named', async () => {
  const file = writeGraph(join(tempDir(), 'batch.heapsnapshot'), { nodes, edges });
  const result = await inspectSnapshot(file);
  assert.deepEqual(result.yours ?? [], []);
  const text = renderInspect(result, { color: false }).split('\n');
  const largest = text.indexOf('Largest objects');
  assert.equal(largest, 3, text.slice(0, 8).join('\n'));
  assert.match(text[4], /^ {2}Array @\d+ object .*retained [\d.]+ KB/);
  assert.ok(largest < text.indexOf('Classes by retained size'));
  assert.equal(text.lastIndexOf('Largest objects'), largest, 'listed once');
  const markdown = markdownInspect(result).split('\n');
  assert.ok(markdown.indexOf('## Largest objects') < markdown.indexOf('## Classes by retained size'));
  assert.equal(markdown.filter((l) => l === '## Largest objects').length, 1);
  const html = htmlInspect(result);
  assert.match(html, /Largest object: Array @\d+, [\d.]+ KB retained of [\d.]+ KB reachable\./);
  assert.ok(html.indexOf('"id":"objects"') < html.indexOf('"id":"classes"'), 'the object before the tables');
});

test("a scope holding one object that is most of it is listed as that object: the module's array, not its Context", async () => {
  const scoped: NodeSpec[] = [
    node('(root)'),
    node('(GC roots)', 0, 'synthetic'),
    node('(Strong roots)', 0, 'synthetic'),
    node('global', 100),
    node('system / Context', 48, 'object', { key: 'scope' }),
    node('Array', 32, 'object', { key: 'errors' }),
    ...lines,
  ];
  const scopedEdges: EdgeSpec[] = [
    ['(root)', '(GC roots)', 'element', 1],
    ['(root)', 'global', 'shortcut', 'global'],
    ['(GC roots)', '(Strong roots)', 'element', 1],
    ['(Strong roots)', 'scope', 'element', 0],
    ['scope', 'errors', 'context', 'errors'],
    ...lines.map((line, i): EdgeSpec => ['errors', line.key ?? line.name, 'element', i]),
  ];
  const file = writeGraph(join(tempDir(), 'scoped.heapsnapshot'), { nodes: scoped, edges: scopedEdges });
  const result = await inspectSnapshot(file);
  const [first] = result.largestObjects;
  assert.equal(first?.name, 'Array', JSON.stringify(result.largestObjects.map((o) => o.name)));
  assert.equal(first.retainerPath?.at(-1)?.edge?.name, 'errors');
});
