// `leakscan diff A B C`: objects allocated between A and B that are still
// alive in C. A cache that fills up once and then only replaces its entries
// is new in a two-snapshot diff, and drops out of the three-snapshot one;
// the real leak stays. DevTools' "Objects allocated between snapshots"
// (an id range over C) is the oracle.
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parse } from 'heap-snapshot-toolkit';
import type { DiffResult } from '../src/types.js';
import { runCli, runFixture, tempDir } from './helpers.js';

const dir = tempDir();
const file = (name: string): string => join(dir, `${name}.heapsnapshot`);

before(async () => {
  await runFixture('three-snapshots.cjs', dir);
});

/** DevTools' count per class name of the objects in C whose id is in (max id of A, max id of B]. */
async function devtoolsAllocatedBetween(): Promise<Map<string, number>> {
  // maxJsNodeId and the id-range filter are what DevTools' summary view calls; the typings keep them private.
  type Snapshot = {
    maxJsNodeId(): number;
    aggregatesWithFilter(filter: {
      minNodeId: number;
      maxNodeId: number;
    }): Promise<Record<string, { name: string; count: number }>>;
  };
  const [a, b, c] = (await Promise.all(
    ['a', 'b', 'c'].map((n) => parse(createReadStream(file(n), 'utf8'))),
  )) as unknown as Snapshot[];
  const aggregates = await c.aggregatesWithFilter({ minNodeId: a.maxJsNodeId(), maxNodeId: b.maxJsNodeId() });
  const counts = new Map<string, number>();
  for (const entry of Object.values(aggregates)) counts.set(entry.name, (counts.get(entry.name) ?? 0) + entry.count);
  return counts;
}

describe('three-snapshot diff', () => {
  test('a cache that fills once: flagged by the two-snapshot diff, not by the three-snapshot one', async () => {
    const two = await runCli(['diff', '--json', file('a'), file('c')]);
    assert.equal(two.code, 0, two.stderr);
    const pair = JSON.parse(two.stdout) as DiffResult;
    const suspects = (d: DiffResult): string[] => d.classes.filter((c) => c.suspect).map((c) => c.name);
    assert.ok(suspects(pair).includes('CacheEntry'), `two snapshots: ${suspects(pair)}`);
    assert.ok(suspects(pair).includes('Leaky'));

    const three = await runCli(['diff', '--final', '--json', file('a'), file('b'), file('c')]);
    assert.equal(three.code, 0, three.stderr);
    const triple = JSON.parse(three.stdout) as DiffResult;
    assert.equal(triple.middle?.path, file('b'));
    assert.deepEqual(suspects(triple), ['Leaky']);
    assert.equal(
      triple.classes.find((c) => c.name === 'CacheEntry'),
      undefined,
    );

    const oracle = await devtoolsAllocatedBetween();
    const leaky = triple.classes.find((c) => c.name === 'Leaky')!;
    assert.equal(leaky.added, oracle.get('Leaky'));
    assert.equal(oracle.get('CacheEntry') ?? 0, 0);
    assert.ok(
      leaky.retainerPath?.some((step) => step.edge?.name === 'leaked'),
      'the path names the array',
    );
  });

  test('terminal output names the middle snapshot', async () => {
    const r = await runCli(['diff', '--final', file('a'), file('b'), file('c')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^middle {2}.*b\.heapsnapshot/m);
  });

  test('three snapshots out of order are refused with one line', async () => {
    const swapped = await runCli(['diff', '--final', file('b'), file('a'), file('c')]);
    assert.equal(swapped.code, 2);
    assert.match(swapped.stderr, /^leakscan: .*a\.heapsnapshot was taken before .*b\.heapsnapshot/);
    assert.equal(swapped.stderr.trimEnd().split('\n').length, 1);
  });
});
