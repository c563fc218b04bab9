// What `leakscan run` writes into --out: only over files it wrote itself (a
// rerun), never over a user's file or a link planted at a name it uses unless
// --force, and nothing but its own files left there.
import assert from 'node:assert/strict';
import {
  lstatSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../src/types.js';
import { fixture, runCli, runFixture, tempDir } from './helpers.js';

const NAMES = ['noisy.before.heapsnapshot', 'noisy.after.heapsnapshot', 'noisy.log'];
const runNoisy = (out: string, extra: string[] = []) =>
  runCli(['run', fixture('leaks/noisy.mjs'), '-n', '2', '--interval', '10', '--out', out, '--json', ...extra], {
    env: { CI: 'true' },
  });

/** The one failure line of a run whose only scenario was refused its output files. */
function assertRefused(r: { code: number; stderr: string; stdout: string }, name: string): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('leakscan: '));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0],
    new RegExp(
      `^leakscan: noisy: failed — .*${name.replace('.', '\\.')}: exists and leakscan did not write it; .*--force`,
    ),
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal((JSON.parse(r.stdout) as RunResult).scenarios[0].status, 'failed');
}

test('a rerun into the same --out replaces the files leakscan wrote there, and nothing else', async () => {
  const out = tempDir();
  writeFileSync(join(out, 'notes.txt'), 'mine');
  assert.equal((await runNoisy(out)).code, 0);
  const first = NAMES.map((name) => statSync(join(out, name)).ino);
  const r = await runNoisy(out);
  assert.equal(r.code, 0, r.stderr);
  for (const [i, name] of NAMES.entries()) assert.notEqual(statSync(join(out, name)).ino, first[i], `${name} replaced`);
  assert.deepEqual(readdirSync(out).sort(), [...NAMES, 'notes.txt'].sort(), 'no temp file left, the user’s file kept');
  assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine');
});

test('a file of the user’s at a name run writes is refused (exit 2, one line) and kept; --force replaces it', async () => {
  const out = tempDir();
  // A real heap snapshot, but not one leakscan's runner took (it lacks the runner's marker).
  await runFixture('pair-leak.cjs', out, ['5']);
  renameSync(join(out, 'after.heapsnapshot'), join(out, 'noisy.after.heapsnapshot'));
  rmSync(join(out, 'before.heapsnapshot'));
  const mine = readFileSync(join(out, 'noisy.after.heapsnapshot'));
  const r = await runNoisy(out);
  assertRefused(r, 'noisy.after.heapsnapshot');
  assert.deepEqual(readdirSync(out), ['noisy.after.heapsnapshot'], 'nothing written, nothing removed');
  assert.ok(readFileSync(join(out, 'noisy.after.heapsnapshot')).equals(mine), 'the user’s file is untouched');

  // A log with no snapshot of leakscan's beside it is the user's too.
  const logOnly = tempDir();
  writeFileSync(join(logOnly, 'noisy.log'), 'my notes');
  assertRefused(await runNoisy(logOnly), 'noisy.log');
  assert.equal(readFileSync(join(logOnly, 'noisy.log'), 'utf8'), 'my notes');

  const forced = await runNoisy(out, ['--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(readdirSync(out).sort(), [...NAMES].sort());
  assert.ok(!readFileSync(join(out, 'noisy.after.heapsnapshot')).equals(mine), 'replaced with --force');
});

test('links planted at the snapshot and log names are neither followed nor replaced; --force replaces the links', async () => {
  const out = tempDir();
  const victims = tempDir();
  for (const name of NAMES) {
    writeFileSync(join(victims, name), 'the user’s file');
    symlinkSync(join(victims, name), join(out, name));
  }
  const r = await runNoisy(out);
  assertRefused(r, 'noisy.before.heapsnapshot');
  for (const name of NAMES) assert.ok(lstatSync(join(out, name)).isSymbolicLink(), `${name} left as it was`);

  const forced = await runNoisy(out, ['--force']);
  assert.equal(forced.code, 0, forced.stderr);
  for (const name of NAMES) {
    assert.equal(
      readFileSync(join(victims, name), 'utf8'),
      'the user’s file',
      `${name}: the link's target is untouched`,
    );
    const stat = lstatSync(join(out, name));
    assert.ok(stat.isFile() && !stat.isSymbolicLink(), `${name} is leakscan's own file now`);
    assert.equal(stat.mode & 0o777, 0o600, `${name} is owner-only`);
  }
  assert.deepEqual(readdirSync(out).sort(), [...NAMES].sort(), 'no temp file or folder left');
  assert.deepEqual(readdirSync(victims).sort(), [...NAMES].sort());
});

test('run --bundle: when the bundle cannot be written at the end, the report still comes out', async () => {
  const out = tempDir();
  const bundle = join(tempDir(), 'report');
  const r = await runCli(
    [
      'run',
      fixture('leaks/takes-bundle-path.mjs'),
      '-n',
      '2',
      '--interval',
      '10',
      '--out',
      out,
      '--bundle',
      bundle,
      '--json',
    ],
    {
      env: { CI: 'true', LEAKSCAN_TEST_BUNDLE_PATH: bundle },
    },
  );
  assert.equal(r.code, 2, r.stderr);
  const report = JSON.parse(r.stdout) as {
    scenarios: Array<{ name: string; status: string; snapshots: { before: string } }>;
  };
  assert.deepEqual(
    report.scenarios.map((s) => [s.name, s.status]),
    [['takes-bundle-path', 'no-leak']],
  );
  assert.match(
    r.stderr.trim(),
    /^leakscan: the bundle was not written \(.+\); the report is on stdout and the snapshots are in .+$/,
  );
  assert.equal(readFileSync(bundle, 'utf8'), 'the user’s file');
  assert.ok(readdirSync(out).includes('takes-bundle-path.before.heapsnapshot'));
});
