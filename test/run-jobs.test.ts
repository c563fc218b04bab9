// `run` with several scenarios at once (--jobs): they do run at once, the
// results keep the order of the list, and two scenarios of one name (the same
// files in --out) still run one after the other.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScenarios } from '../src/index.js';
import type { RunResult } from '../src/types.js';
import { fixture, runCli, tempDir } from './helpers.js';

const fast = ['-n', '4', '--batch', '20', '--interval', '10'];

test('jobs: 2 runs two scenarios at once; the results keep the order of the list', async () => {
  // Each one's setup waits for the other's: one at a time, the first would time out.
  process.env.LEAKSCAN_TEST_MEET = tempDir();
  try {
    const { result, failures } = await runScenarios([fixture('jobs/meet-b.mjs'), fixture('jobs/meet-a.mjs')], {
      iterations: 2,
      batch: 1,
      intervalMs: 10,
      jobs: 2,
      timeoutMs: 60_000,
      outDir: tempDir(),
    });
    assert.deepEqual(
      failures.map((f) => f.result.verdict),
      [],
    );
    assert.deepEqual(
      result.scenarios.map((s) => s.name),
      ['meet-b', 'meet-a'],
    );
  } finally {
    delete process.env.LEAKSCAN_TEST_MEET;
  }
});

test('two scenarios of one name: each is analysed on its own snapshots', async () => {
  const r = await runCli(
    [
      'run',
      '--json',
      '--jobs',
      '2',
      ...fast,
      '--out',
      tempDir(),
      fixture('jobs/same-name-apple.mjs'),
      fixture('jobs/same-name-banana.mjs'),
    ],
    { env: { CI: 'true' } },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as RunResult;
  assert.deepEqual(
    out.scenarios.map((s) => [s.name, s.status, s.leaks.map((c) => c.name).filter((n) => /^(Apple|Banana)$/.test(n))]),
    [
      ['same-name', 'leak', ['Apple']],
      ['same-name', 'leak', ['Banana']],
    ],
    out.scenarios.map((s) => s.verdict).join('\n'),
  );
});
