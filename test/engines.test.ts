// memlab's parser against leakscan's reader (--engine memlab): memlab reads
// the file, its arrays become the same HeapGraph, and every pass after that
// is shared, so the two engines must give the same results, field for field,
// on real snapshots. What differs is only the parser: memlab's string-based
// JSON reading against leakscan's byte tokenizer. Retained sizes are checked
// against DevTools elsewhere (test/devtools.test.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { DiffResult, InspectResult } from '../src/types.js';
import { runCli, runFixture, sharedInputs } from './helpers.js';

let leakDir: string;
let serverDir: string;
let threeDir: string;

before(async () => {
  // Both runs of this file in npm test read the same snapshots.
  [leakDir, serverDir, threeDir] = await Promise.all([
    sharedInputs('engines-leak', (into) => runFixture('pair-leak.cjs', into, ['500'])),
    sharedInputs('engines-server', (into) => runFixture('pair-server.cjs', into)),
    sharedInputs('engines-three', (into) => runFixture('three-snapshots.cjs', into)),
  ]);
});

async function json<T extends DiffResult | InspectResult>(engine: string, args: string[]): Promise<T> {
  const r = await runCli([...args, '--json', '--engine', engine]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'memlab prints nothing');
  const result = JSON.parse(r.stdout) as T;
  assert.equal(result.engine, engine);
  return result;
}

/** Both engines on the same command line: the results, `engine` aside, are equal. */
async function sameWithBoth<T extends DiffResult | InspectResult>(args: string[]): Promise<T> {
  const [ours, theirs] = await Promise.all([json<T>('leakscan', args), json<T>('memlab', args)]);
  assert.deepEqual({ ...theirs, engine: 'leakscan' }, ours);
  return ours;
}

describe('leakscan engine vs memlab', () => {
  for (const [label, dir] of [
    ['leaking program', () => leakDir],
    ['HTTP server', () => serverDir],
  ] as const) {
    test(`diff, ${label}: the same result from either parser`, async () => {
      const files = [join(dir(), 'before.heapsnapshot'), join(dir(), 'after.heapsnapshot')];
      const result = await sameWithBoth<DiffResult>(['diff', '--min-count', '0', '--top', '1000', ...files]);
      assert.ok(result.classes.length > 0, 'the diff lists classes');
    });
  }

  test('the leak is found by both, with a path through the Map variable', async () => {
    const files = [join(leakDir, 'before.heapsnapshot'), join(leakDir, 'after.heapsnapshot')];
    const result = await sameWithBoth<DiffResult>(['diff', ...files]);
    const session = result.classes.find((c) => c.name === 'Session')!;
    assert.equal(session.added, 500);
    assert.equal(session.suspect, true);
    assert.ok(session.retainerPath?.some((s) => s.edge?.name === 'sessions'));
  });

  test('three snapshots: the same result from either parser', async () => {
    const files = ['a', 'b', 'c'].map((name) => join(threeDir, `${name}.heapsnapshot`));
    const result = await sameWithBoth<DiffResult>(['diff', '--final', ...files]);
    assert.ok(result.middle, 'a three-snapshot diff');
  });

  test('inspect, with --class and --id: the same result from either parser', async () => {
    const file = join(leakDir, 'after.heapsnapshot');
    const summary = await sameWithBoth<InspectResult>(['inspect', file]);
    assert.ok(summary.byCount.length > 0);
    const sessions = await sameWithBoth<InspectResult>(['inspect', file, '--class', 'Session']);
    assert.ok(sessions.classInstances?.length, 'Session instances are listed');
    const one = await sameWithBoth<InspectResult>([
      'inspect',
      file,
      '--id',
      String(sessions.classInstances![0].nodeId),
    ]);
    assert.equal(one.object?.name, 'Session');
  });
});
