// `leakscan diff` on the leak shapes that per-class counting gets wrong
// (test/fixtures/pair-shapes.cjs writes each pair in a child process): objects
// only a running function holds, chains of new objects, the collection a leak
// accumulates in, and a pair given in the wrong order.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { ClassDiff, DiffResult } from '../src/types.js';
import { runCli, runFixture, tempDir } from './helpers.js';

const COUNT = 3000;
const SHAPES = ['stack', 'toplevel', 'list', 'closures', 'promises', 'holders'] as const;
type Shape = (typeof SHAPES)[number];
const dirs = Object.fromEntries(SHAPES.map((shape) => [shape, tempDir()])) as Record<Shape, string>;
const pair = (shape: Shape): string[] => [
  join(dirs[shape], 'before.heapsnapshot'),
  join(dirs[shape], 'after.heapsnapshot'),
];

async function diff(shape: Shape): Promise<{ json: DiffResult; text: string }> {
  const [json, text] = await Promise.all([
    runCli(['diff', '--json', ...pair(shape)]),
    runCli(['diff', '--paths', '1', ...pair(shape)]),
  ]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(text.code, 0, text.stderr);
  return { json: JSON.parse(json.stdout) as DiffResult, text: text.stdout };
}

function row(result: DiffResult, name: string, type = 'object'): ClassDiff {
  const found = result.classes.find((c) => c.name === name && c.type === type);
  assert.ok(found, `${name} is listed: ${result.classes.map((c) => c.name).join(', ')}`);
  return found;
}

const suspects = (result: DiffResult): string[] => result.classes.filter((c) => c.suspect).map((c) => c.name);
const verdict = (text: string): string => text.trimEnd().split('\n').at(-1)!;

before(async () => {
  // Two at a time: the machine has two cores.
  for (let i = 0; i < SHAPES.length; i += 2) {
    await Promise.all(
      SHAPES.slice(i, i + 2).map((shape) => runFixture('pair-shapes.cjs', dirs[shape], [shape, String(COUNT)])),
    );
  }
});

describe('objects held by a running function', () => {
  for (const shape of ['stack', 'toplevel'] as const) {
    test(`${shape}: counted, and said to be held by a running function`, async () => {
      const { json, text } = await diff(shape);
      const rows = row(json, 'Row');
      assert.equal(rows.added, COUNT);
      assert.equal(rows.heldByStack, COUNT);
      assert.equal(rows.suspect, true);
      assert.equal(rows.holders?.[0].heldBy, 'stack');
      assert.equal(rows.holders?.[0].count, COUNT);
      assert.ok(
        rows.retainerPath?.some((step) => step.name === '(Stack roots)'),
        JSON.stringify(rows.retainerPath),
      );
      // The last column, when the snapshot says, is where Row is defined.
      assert.match(text, /^Row .* suspect held by a running function(\s+\S+:\d+)?$/m);
      assert.match(verdict(text), /Row \+3,000 .* held by a running function/);
    });
  }
});

describe('chains of new objects are one leak, held by the first old object above them', () => {
  test('a module-level linked list', async () => {
    const { json, text } = await diff('list');
    const entries = row(json, 'Entry');
    assert.equal(entries.added, COUNT);
    assert.equal(entries.heldByNew, 0, 'each link is the leak, not a part of the previous one');
    assert.deepEqual(suspects(json), ['Entry']);
    const [first] = entries.holders!;
    assert.equal(first.count, COUNT - 1, 'all but the tail hang from the old head');
    assert.equal(first.holder.name, 'Entry');
    assert.match(verdict(text), /Entry \+3,000 .* via head\.next/);
  });

  test('closures whose context keeps the previous object (replaceThing)', async () => {
    const { json, text } = await diff('closures');
    const things = row(json, '{longStr, someMethod}');
    assert.ok(things.added >= COUNT);
    assert.equal(things.suspect, true);
    assert.equal(things.holders![0].count, COUNT);
    assert.equal(things.holders![0].holder.name, 'system / Context');
    // The closures and their contexts are the chain's links, not leaks of their own.
    assert.equal(row(json, 'someMethod', 'closure').suspect, false);
    assert.match(verdict(text), /\{longStr, someMethod\} \+\d[\d,]* .* via theThing$/);
  });

  test('a promise chain hanging off a promise that never settles', async () => {
    const { json } = await diff('promises');
    const promises = row(json, 'Promise');
    assert.equal(promises.added, COUNT);
    assert.deepEqual(suspects(json), ['Promise']);
    assert.equal(promises.holders![0].count, COUNT - 1);
  });
});

describe('holders', () => {
  test('the collection a leak accumulates in is named, not the nearest path', async () => {
    const { json, text } = await diff('holders');
    const events = row(json, '{user, path}');
    assert.equal(events.suspect, true);
    const [trail, recent] = events.holders!;
    assert.ok(trail.count >= COUNT - 11 && trail.count <= COUNT, `trail holds ${trail.count}`);
    assert.equal(trail.holder.name, 'Array');
    assert.ok(trail.retainerPath?.some((step) => step.edge?.name === 'trail'));
    assert.ok(recent.count <= 11, `recent's share: ${recent.count}`);
    assert.ok(recent.retainerPath?.some((step) => step.edge?.name === 'recent'));
    assert.ok(trail.retainedSize > recent.retainedSize);
    assert.match(verdict(text), /\{user, path\} \+\d[\d,]* .* via trail\[…\]$/);
    assert.match(text, /^ {4}\d[\d,]* in trail\[…\] \(Array @\d+\)/m);
    assert.match(text, /^ {4}\d+ in recent\[…\]/m);
  });
});

describe('snapshots in the wrong order', () => {
  test('are refused with the swap to make', async () => {
    const [beforeFile, afterFile] = pair('list');
    const r = await runCli(['diff', afterFile, beforeFile]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      /was taken before .*: swap them: leakscan diff .*before\.heapsnapshot .*after\.heapsnapshot$/,
    );
  });
});
