// The detached-DOM view of one snapshot, on a page-like graph built in code:
// trees kept by a Map in a script's top-level const are kept by `tooltipCache`,
// as the page's author typed it, and `inspect` shows them before its tables.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspectSnapshot } from '../src/analysis/inspect.js';
import { renderInspect } from '../src/report/terminal.js';
import { type EdgeSpec, type NodeSpec, node, writeGraph } from './graph-builder.js';
import { tempDir } from './helpers.js';

// V8's detachedness: 0 unknown, 1 attached, 2 detached.
const DETACHED = 2;
const tips = Array.from({ length: 3 }, (_, i) =>
  node('<div class="tooltip">', 100, 'native', { key: `tip${i}`, detachedness: DETACHED }),
);
const nodes: NodeSpec[] = [
  node('(root)'),
  node('(GC roots)', 0, 'synthetic'),
  node('Window / file://', 40, 'native', { key: 'window' }),
  node('system / ScriptContextTable', 16, 'hidden', { key: 'scripts' }),
  node('system / Context', 16, 'object', { key: 'script' }),
  node('Map', 16, 'object', { key: 'tooltipCache' }),
  node('', 16, 'array', { key: 'entries' }),
  ...tips,
];
const edges: EdgeSpec[] = [
  ['(root)', '(GC roots)', 'element', 1],
  ['(root)', 'window', 'element', 2],
  ['window', 'scripts', 'internal', 'script_context_table'],
  ['scripts', 'script', 'hidden', 2],
  ['script', 'tooltipCache', 'context', 'tooltipCache'],
  ['tooltipCache', 'entries', 'internal', 'table'],
  ...tips.map((tip, i): EdgeSpec => ['entries', tip.key ?? tip.name, 'element', i]),
];

test("trees kept by a script's top-level const: the keeper is named by the const; inspect shows them first", async () => {
  const file = writeGraph(join(tempDir(), 'page.heapsnapshot'), { nodes, edges });
  const result = await inspectSnapshot(file);
  assert.equal(result.snapshot.runtime, 'browser');
  const [group] = result.detachedDom ?? [];
  assert.equal(group?.keeper?.name, 'Map', JSON.stringify(result.detachedDom));
  assert.deepEqual(group.keeper?.edge, { type: 'context', name: 'tooltipCache' });
  assert.equal(group.trees, 3);
  const text = renderInspect(result, { color: false }).split('\n');
  assert.equal(text[3], 'Detached DOM', text.slice(0, 6).join('\n'));
  assert.match(text[6], /^tooltipCache \(Map @\d+\) +3 +3 /);
});
