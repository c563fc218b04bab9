// A series of snapshots of a real HTTP server, decided by trend: a capped
// cache that fills during the first rounds, a warm-up allocation and a
// connection pool are new in a first-vs-last diff, and stay quiet over the
// series; a per-request leak is found by both, with its counts per snapshot.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { snapshotBySignal } from '../src/capture/signal.js';
import type { DiffResult } from '../src/types.js';
import { fixture, runCli, tempDir } from './helpers.js';

const ROUNDS = 4;
const ROUND_REQUESTS = 80;
const QUIET = ['CacheEntry', 'WarmRow', 'Connection'];

/** Starts round-server.cjs with the snapshot signal; resolves with its port once it listens. */
function startServer(patterns: string, diagnosticDir: string): Promise<{ child: ChildProcess; port: string }> {
  const child = spawn(
    process.execPath,
    ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${diagnosticDir}`, fixture('round-server.cjs'), patterns],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const port = /listening on (\d+)/.exec(text)?.[1];
      if (port) resolve({ child, port });
    });
    child.on('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
}

function loadRound(port: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [fixture('round-load.cjs')],
      { env: { ...process.env, LEAKSCAN_PORT: port, ROUND_REQUESTS: String(ROUND_REQUESTS) } },
      (err, _stdout, stderr) => (err ? reject(new Error(`load failed: ${stderr}`)) : resolve()),
    );
  });
}

/** S1 before any request, then a snapshot after each round of load. */
async function series(patterns: string): Promise<string[]> {
  const dir = tempDir();
  const diagnosticDir = mkdtempSync(join(dir, 'diag-'));
  const { child, port } = await startServer(patterns, diagnosticDir);
  try {
    const files: string[] = [];
    for (let i = 0; i <= ROUNDS; i++) {
      if (i > 0) await loadRound(port);
      const file = join(dir, `s${i + 1}.heapsnapshot`);
      await snapshotBySignal(child.pid!, file);
      files.push(file);
    }
    return files;
  } finally {
    child.kill();
  }
}

async function diffJson(files: string[]): Promise<DiffResult> {
  const r = await runCli(['diff', '--json', '--min-count', '5', ...files]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as DiffResult;
}

const suspects = (diff: DiffResult): string[] =>
  diff.classes
    .filter((c) => c.suspect)
    .map((c) => c.name)
    .sort();

describe('a series of snapshots of a server, decided by trend', () => {
  let leaky: string[];
  let fixed: string[];
  before(async () => {
    leaky = await series('leak,cache,warmup,pool');
    fixed = await series('cache,warmup,pool');
  });
  after(() => {});

  test('first vs last flags the cache, the warm-up table and the pool; the series flags only the leak', async () => {
    const two = await diffJson([leaky[0], leaky[ROUNDS]]);
    for (const name of [...QUIET, 'LeakedRequest']) assert.ok(suspects(two).includes(name), `${name} flagged by 2`);
    const trend = await diffJson(leaky);
    assert.deepEqual(suspects(trend), ['LeakedRequest']);
    assert.equal(trend.trend?.snapshots.length, ROUNDS + 1);
    const leak = trend.classes.find((c) => c.name === 'LeakedRequest')!;
    assert.deepEqual(
      leak.series,
      Array.from({ length: ROUNDS + 1 }, (_, i) => i * ROUND_REQUESTS),
    );
    assert.equal(leak.growthPerStep, ROUND_REQUESTS);
    assert.ok(
      leak.retainerPath?.some((step) => step.edge?.name === 'seen'),
      'the path names the array',
    );
    // The quiet ones show why: they stopped rising.
    const cache = trend.classes.find((c) => c.name === 'CacheEntry')!;
    assert.equal(cache.growthPerStep, undefined);
    assert.equal(cache.series?.at(-1), cache.series?.at(-2));
  });

  test('the fixed twin: the 2-snapshot diff flags it, the series finds nothing and --fail-on-leak passes', async () => {
    const two = await diffJson([fixed[0], fixed[ROUNDS]]);
    for (const name of QUIET) assert.ok(suspects(two).includes(name), `${name} flagged by 2`);
    const trend = await diffJson(fixed);
    assert.deepEqual(suspects(trend), []);
    assert.deepEqual(trend.trend?.growth, []);
    const gate = await runCli(['diff', '--fail-on-leak', '--min-count', '5', ...fixed]);
    assert.equal(gate.code, 0, gate.stderr);
    assert.match(gate.stdout, /No suspected leak: no class rose at every step of the 5 snapshots/);
  });

  test('the terminal shows the counts per snapshot as a sparkline', async () => {
    const r = await runCli(['diff', '--fail-on-leak', '--min-count', '5', ...leaky]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /decided by trend over 5 snapshots/);
    assert.match(r.stdout, /new at each snapshot: [▁-█]{5} 0 → 80 → 160 → 240 → 320, \+80\/step/);
  });

  test('--final keeps the three-snapshot meaning and needs three snapshots', async () => {
    const three = await runCli(['diff', '--final', '--json', '--min-count', '5', ...leaky.slice(0, 3)]);
    assert.equal(three.code, 0, three.stderr);
    const result = JSON.parse(three.stdout) as DiffResult;
    assert.ok(result.middle, 'a three-snapshot diff');
    assert.equal(result.trend, undefined);
    const wrong = await runCli(['diff', '--final', ...leaky]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--final needs three snapshots, got 5/);
  });
});
