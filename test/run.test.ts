// `leakscan run` on the three built-in scenarios, through the built binary:
// the expected result of the original experiment, measured for real.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { RunResult, ScenarioResult } from '../src/types.js';
import { runCli, tempDir } from './helpers.js';

const ITERATIONS = 5;
const NO_BROWSER = '/nonexistent/chrome';
const BATCH = 100;
const out = tempDir();
let run: { code: number; stdout: string; stderr: string };
let result: RunResult;
const scenario = (name: string): ScenarioResult => result.scenarios.find((s) => s.name === name)!;
/** New objects of a class; a class with none has no row (so 0), but the diff itself must be there. */
const classAdded = (s: ScenarioResult, name: string): number => {
  assert.ok(s.diff, `${s.name} has a diff`);
  return s.diff.classes.find((c) => c.name === name && c.type === 'object')?.added ?? 0;
};

before(async () => {
  run = await runCli(
    ['run', '--json', '--iterations', String(ITERATIONS), '--batch', String(BATCH), '--interval', '20', '--out', out],
    // No browser: the Node built-ins only (the page one has its tests in page-scenario.test.ts).
    { env: { CI: 'true', CHROME_PATH: NO_BROWSER } },
  );
  result = JSON.parse(run.stdout) as RunResult;
});

describe('leakscan run (built-ins)', () => {
  test('JSON contract', () => {
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stderr,
      `leakscan: skipped the built-in page scenario detached-dialogs: CHROME_PATH=${NO_BROWSER} is not an executable file\n`,
      'no progress output in CI or with --json; one line for the page built-in it could not run',
    );
    assert.deepEqual(
      result.scenarios.map((s) => s.name),
      ['cycle', 'weakref', 'global-cache'],
    );
    let rows = 0;
    for (const s of result.scenarios) {
      assert.equal(s.iterations, ITERATIONS);
      assert.equal(s.batch, BATCH);
      for (const series of [s.rss, s.heapUsed, s.external]) {
        assert.equal(series.withoutGc.length, ITERATIONS);
        assert.equal(series.withGc.length, ITERATIONS);
      }
      for (const v of [...s.rss.withoutGc, ...s.rss.withGc])
        assert.ok(Number.isInteger(v) && v > 10_000_000, `rss in bytes: ${v}`);
      for (const v of [...s.heapUsed.withoutGc, ...s.heapUsed.withGc])
        assert.ok(Number.isInteger(v) && v > 1_000_000 && v < s.rss.withGc.at(-1)! * 2, `heapUsed in bytes: ${v}`);
      for (const v of [...s.external.withoutGc, ...s.external.withGc])
        assert.ok(Number.isInteger(v) && v > 0, `external in bytes: ${v}`);
      assert.equal(s.log, null, 'the built-ins print nothing');
      assert.deepEqual(s.warnings, []);
      assert.ok(s.diff && Array.isArray(s.diff.classes));
      const sizes = s.diff.classes.map((c) => c.retainedSize);
      assert.deepEqual(
        sizes,
        [...sizes].sort((a, b) => b - a),
        'sorted by retainedSize',
      );
      rows += s.diff.classes.length;
      for (const c of s.diff.classes) {
        for (const key of ['name', 'type', 'added', 'removed', 'addedSize', 'retainedSize', 'retainerPath'])
          assert.ok(key in c, key);
      }
      assert.equal(typeof s.verdict, 'string');
    }
    assert.ok(rows > 0, 'some class rows had their fields checked');
  });

  test('global-cache retains iterations × batch B and as many A, via cache', () => {
    const s = scenario('global-cache');
    assert.equal(classAdded(s, 'B'), ITERATIONS * BATCH);
    assert.equal(classAdded(s, 'A'), ITERATIONS * BATCH);
    assert.equal(s.status, 'leak');
    assert.equal(s.asExpected, true);
    assert.deepEqual(
      s.leaks.map((c) => c.name),
      ['B'],
      'A is held through B: part of the same leak',
    );
    const path = s.leaks[0].retainerPath!;
    assert.equal(path.at(-1)!.name, 'B');
    assert.ok(
      path.some((step) => step.edge?.name === 'cache'),
      JSON.stringify(path),
    );
    // The scenario module holds the cache: the path runs through it, not through leakscan's runner
    // (its pending microtask, its async frame, its `scenario` variable).
    assert.ok(
      !path.some((step) => step.edge?.name === 'current_microtask' || step.edge?.name === 'scenario'),
      JSON.stringify(path),
    );
    assert.equal(s.leaks[0].holders?.[0].count, ITERATIONS * BATCH);
    assert.equal(s.leaks[0].holders?.[0].heldBy, 'program');
    assert.match(
      s.verdict,
      new RegExp(`^global-cache: ${ITERATIONS * BATCH} B objects in cache \\(collection\\) — leak$`),
    );
  });

  test('cycle and weakref retain nothing', () => {
    assert.equal(classAdded(scenario('cycle'), 'B'), 0);
    assert.equal(classAdded(scenario('cycle'), 'A'), 0);
    assert.equal(classAdded(scenario('weakref'), 'BWeakRef'), 0);
    for (const name of ['cycle', 'weakref']) {
      const s = scenario(name);
      assert.equal(s.status, 'no-leak', s.verdict);
      assert.deepEqual(s.leaks, []);
    }
    assert.equal(scenario('cycle').verdict, `cycle: 0 of ${2 * ITERATIONS * BATCH} B retained — collected`);
  });

  test('with GC, global-cache RSS grows by about batch × 10000 × 8 bytes per call; the others stay flat', () => {
    const perCall = BATCH * 10_000 * 8;
    const growth = (s: ScenarioResult): number => s.rss.withGc.at(-1)! - s.rss.withGc[0];
    // ITERATIONS-1 calls between the first and last sample; allow for allocator slack.
    assert.ok(
      growth(scenario('global-cache')) >= 0.6 * perCall * (ITERATIONS - 1),
      `global-cache grew ${growth(scenario('global-cache'))}`,
    );
    for (const name of ['cycle', 'weakref']) {
      assert.ok(growth(scenario(name)) < 0.5 * perCall * (ITERATIONS - 1), `${name} grew ${growth(scenario(name))}`);
    }
  });

  test('six snapshots, named by scenario and phase, owner-only, no temp files', () => {
    const files = readdirSync(out).sort();
    assert.deepEqual(files, [
      'cycle.after.heapsnapshot',
      'cycle.before.heapsnapshot',
      'global-cache.after.heapsnapshot',
      'global-cache.before.heapsnapshot',
      'weakref.after.heapsnapshot',
      'weakref.before.heapsnapshot',
    ]);
    for (const f of files) {
      assert.equal(statSync(join(out, f)).mode & 0o777, 0o600, f);
      const head = readFileSync(join(out, f)).subarray(0, 200).toString();
      assert.match(head, /^\{"snapshot":\{"meta":/);
    }
    for (const s of result.scenarios) {
      assert.ok(existsSync(s.snapshots.before) && existsSync(s.snapshots.after));
    }
  });

  test('--fail-on-leak passes on the built-ins (each behaves as it declares)', async () => {
    const r = await runCli([
      'run',
      'global-cache',
      '--fail-on-leak',
      '-n',
      '2',
      '--batch',
      '10',
      '--interval',
      '10',
      '--out',
      tempDir(),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Without GC\s+With GC\nIteration\s+RSS\s+Heap\s+External\s+RSS\s+Heap\s+External\n/);
    assert.match(r.stdout, /global-cache: 20 B objects in cache \(collection\) — leak/);
  });
});
