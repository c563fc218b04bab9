// The leakscan engine cross-checked against memlab (the reference engine) on
// real snapshot pairs: same classes, counts and sizes. Retained sizes are not
// compared here: ours follow Chrome DevTools (test/devtools.test.ts checks
// every node), and memlab builds its own dominator tree without DevTools'
// edge rules (e.g. an edge from the stack roots into an object the page owns
// does not retain), so a class can differ from memlab by far more than noise.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { ClassDiff, DiffResult, InspectResult } from '../src/types.js';
import { runCli, runFixture, tempDir } from './helpers.js';

const leakDir = tempDir();
const serverDir = tempDir();

before(async () => {
  await Promise.all([runFixture('pair-leak.cjs', leakDir, ['500']), runFixture('pair-server.cjs', serverDir)]);
});

async function diffWith(engine: string, dir: string, minCount = '1'): Promise<DiffResult> {
  const r = await runCli([
    'diff',
    '--json',
    '--min-count',
    minCount,
    '--top',
    '1000',
    '--engine',
    engine,
    join(dir, 'before.heapsnapshot'),
    join(dir, 'after.heapsnapshot'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'memlab prints nothing');
  return JSON.parse(r.stdout) as DiffResult;
}

/** Rows by type and class; memlab names plain objects Object whatever their shape, so shape rows are summed into their constructor's. */
function byKey(diff: DiffResult): Map<string, Pick<ClassDiff, 'added' | 'removed' | 'heldWeakly'>> {
  const rows = new Map<string, Pick<ClassDiff, 'added' | 'removed' | 'heldWeakly'>>();
  for (const c of diff.classes) {
    const key = `${c.type} ${c.constructorName ?? c.name}`;
    const sum = rows.get(key) ?? { added: 0, removed: 0, heldWeakly: 0 };
    rows.set(key, {
      added: sum.added + c.added,
      removed: sum.removed + c.removed,
      heldWeakly: sum.heldWeakly + c.heldWeakly,
    });
  }
  return rows;
}

describe('leakscan engine vs memlab', () => {
  for (const [label, dir] of [
    ['leaking program', () => leakDir],
    ['HTTP server', () => serverDir],
  ] as const) {
    // Sizes are not compared: leakscan shows DevTools' shallow sizes (a backing store counts in its
    // owner), memlab the file's self sizes; devtools-comparison.test.ts checks ours against DevTools.
    test(`diff, ${label}: same classes and counts`, async () => {
      // Every class, also those with nothing new: summing shape rows into Object needs the Object row too.
      const [ours, theirs] = await Promise.all([diffWith('leakscan', dir(), '0'), diffWith('memlab', dir(), '0')]);
      assert.equal(ours.engine, 'leakscan');
      assert.equal(theirs.engine, 'memlab');
      assert.equal(ours.sharedIds, theirs.sharedIds);
      assert.equal(ours.after.nodeCount, theirs.after.nodeCount);
      assert.equal(ours.after.edgeCount, theirs.after.edgeCount);
      assert.equal(ours.after.totalSize, theirs.after.totalSize);
      const a = byKey(ours);
      const b = byKey(theirs);
      assert.ok(a.size > 0, 'the diff lists classes');
      assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
      for (const [key, x] of a) {
        const y = b.get(key)!;
        assert.deepEqual([x.added - x.heldWeakly, x.removed], [y.added, y.removed], key);
      }
    });
  }

  test('the leak is found by both, with a path through the Map variable', async () => {
    // At the default --min-count: with --min-count 1 the fixture's one pending
    // Timeout is an owner class, and in DevTools' dominator tree it holds the
    // module scope (its callback closes over it), so the Sessions count as held
    // by a new object.
    const [ours, theirs] = await Promise.all([diffWith('leakscan', leakDir, '50'), diffWith('memlab', leakDir, '50')]);
    for (const d of [ours, theirs]) {
      const session = d.classes.find((c) => c.name === 'Session')!;
      assert.equal(session.added, 500);
      assert.equal(session.suspect, true);
      assert.ok(
        session.retainerPath?.some((s) => s.edge?.name === 'sessions'),
        d.engine,
      );
    }
  });

  test('inspect: same class counts', async () => {
    const file = join(leakDir, 'after.heapsnapshot');
    const [ours, theirs] = await Promise.all(
      ['leakscan', 'memlab'].map(
        async (engine) =>
          JSON.parse((await runCli(['inspect', '--json', '--engine', engine, file])).stdout) as InspectResult,
      ),
    );
    assert.equal(ours.snapshot.reachableSize, theirs.snapshot.reachableSize);
    // Plain objects are left out: leakscan splits them by shape ({user, path}) as DevTools does, memlab
    // counts them all as Object, and the top rows listed here cannot be summed back.
    const plain = (c: InspectResult['byCount'][number]): boolean =>
      c.constructorName !== undefined || (c.type === 'object' && c.name === 'Object');
    const counts = (r: InspectResult) =>
      new Map(r.byCount.filter((c) => !plain(c)).map((c) => [`${c.type} ${c.name}`, c.count]));
    const theirCounts = counts(theirs);
    let compared = 0;
    for (const [key, count] of counts(ours)) {
      if (!theirCounts.has(key)) continue;
      assert.equal(theirCounts.get(key), count, key);
      compared++;
    }
    assert.ok(compared > 0, 'the engines list some classes under the same names');
    assert.equal(ours.byCount[0].count, theirs.byCount[0].count);
  });
});
