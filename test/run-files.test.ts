// What `leakscan run` writes into --out: never through a link planted at a
// name it uses, and nothing but its own files left there.
import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixture, runCli, tempDir } from './helpers.js';

test('links planted at the snapshot and log names are replaced, their targets untouched', async () => {
  const out = tempDir();
  const victims = tempDir();
  const names = ['noisy.before.heapsnapshot', 'noisy.after.heapsnapshot', 'noisy.log'];
  for (const name of names) {
    writeFileSync(join(victims, name), 'the user’s file');
    symlinkSync(join(victims, name), join(out, name));
  }
  const r = await runCli(['run', fixture('leaks/noisy.mjs'), '-n', '2', '--interval', '10', '--out', out, '--json'], {
    env: { CI: 'true' },
  });
  assert.equal(r.code, 0, r.stderr);
  for (const name of names) {
    assert.equal(
      readFileSync(join(victims, name), 'utf8'),
      'the user’s file',
      `${name}: the link's target is untouched`,
    );
    const stat = lstatSync(join(out, name));
    assert.ok(stat.isFile() && !stat.isSymbolicLink(), `${name} is leakscan's own file now`);
    assert.equal(stat.mode & 0o777, 0o600, `${name} is owner-only`);
  }
  assert.deepEqual(readdirSync(out).sort(), [...names].sort(), 'no temp file or folder left');
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
