// `leakscan run` tells the whole story: memory outside the V8 heap, what the
// scenario printed and warned, and where a hanging scenario stopped.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { stageText } from '../src/runner/parent.js';
import type { RunResult } from '../src/types.js';
import { fixture, runCli, tempDir } from './helpers.js';

const MiB = 1 << 20;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('heap used and external memory per iteration', () => {
  test('a Buffer pool grows external by batch × 1 MiB per call while the V8 heap stays flat', async () => {
    const iterations = 4;
    const batch = 4;
    const r = await runCli(
      [
        'run',
        '--json',
        '-n',
        String(iterations),
        '--batch',
        String(batch),
        '--interval',
        '20',
        '--out',
        tempDir(),
        fixture('leaks/buffer-pool.mjs'),
      ],
      { env: { CI: 'true' } },
    );
    assert.equal(r.code, 0, r.stderr);
    const s = (JSON.parse(r.stdout) as RunResult).scenarios[0];
    for (const series of [s.rss, s.heapUsed, s.external]) {
      assert.equal(series.withoutGc.length, iterations);
      assert.equal(series.withGc.length, iterations);
      for (const v of [...series.withoutGc, ...series.withGc]) assert.ok(Number.isInteger(v) && v > 0, `bytes: ${v}`);
    }
    const perCall = batch * MiB;
    const calls = iterations - 1;
    const externalGrowth = s.external.withGc.at(-1)! - s.external.withGc[0];
    const heapGrowth = s.heapUsed.withGc.at(-1)! - s.heapUsed.withGc[0];
    assert.ok(
      externalGrowth >= 0.9 * perCall * calls && externalGrowth <= 1.5 * perCall * calls,
      `external grew ${externalGrowth} over ${calls} calls of ${perCall}`,
    );
    assert.ok(Math.abs(heapGrowth) < 0.1 * perCall * calls, `heap used moved ${heapGrowth}`);
  });
});

describe("the scenario's own output", () => {
  const out = tempDir();
  let json: { code: number; stdout: string; stderr: string };
  let result: RunResult;

  test('--json: its lines on stderr, prefixed with its name and stripped of control sequences; stdout is the JSON', async () => {
    json = await runCli(['run', '--json', '-n', '2', '--interval', '20', '--out', out, fixture('leaks/noisy.mjs')], {
      env: { CI: 'true' },
    });
    assert.equal(json.code, 0, json.stderr);
    result = JSON.parse(json.stdout) as RunResult;
    const lines = json.stderr.trimEnd().split('\n');
    for (const line of lines) assert.match(line, /^\[noisy\] /);
    assert.ok(lines.includes('[noisy] setup says hello'), json.stderr);
    assert.ok(lines.includes('[noisy] red and\ttab'), json.stderr);
    assert.ok(lines.includes('[noisy] call with-gc 1'), json.stderr);
    assert.ok(lines.includes('[noisy] bye without newline'), json.stderr);
    assert.ok(
      lines.some((l) => /^\[noisy\] \(node:\d+\) MaxListenersExceededWarning: /.test(l)),
      json.stderr,
    );
    assert.doesNotMatch(json.stderr.replace(/\t/g, ' '), CONTROL);
  });

  test('the full output is kept in <out>/<scenario>.log, owner-only, and named in the JSON', () => {
    const s = result.scenarios[0];
    assert.equal(s.log, join(out, 'noisy.log'));
    assert.equal(statSync(s.log).mode & 0o777, 0o600);
    const log = readFileSync(s.log, 'utf8');
    const forwarded = json.stderr
      .trimEnd()
      .split('\n')
      .map((l) => l.replace(/^\[noisy\] /, ''));
    assert.deepEqual(log.trimEnd().split('\n'), forwarded);
    assert.doesNotMatch(log.replace(/[\t\n]/g, ' '), CONTROL);
    assert.ok(!readdirSync(out).some((n) => n.includes('.tmp-')), readdirSync(out).join(', '));
  });

  test("the child's process warnings are collected in `warnings`", () => {
    const { warnings } = result.scenarios[0];
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(
      warnings[0],
      /^MaxListenersExceededWarning: Possible EventEmitter memory leak detected\. 11 tick listeners/,
    );
  });

  test('the text report names the log and shows the warning', async () => {
    const r = await runCli(['run', '-n', '2', '--interval', '20', '--out', tempDir(), fixture('leaks/noisy.mjs')], {
      env: { CI: 'true' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Output: .*noisy\.log/);
    assert.match(r.stdout, /Warnings\n\s+MaxListenersExceededWarning: Possible EventEmitter memory leak detected/);
    assert.doesNotMatch(r.stdout, /setup says hello/);
    assert.match(r.stderr, /^\[noisy\] setup says hello$/m);
  });
});

describe('a timeout names the stage', () => {
  test('hanging in setup and at the third with-GC call: exit 2, one line each, no stack, no file left', async () => {
    const out = tempDir();
    const r = await runCli(
      [
        'run',
        '--json',
        '-n',
        '4',
        '--interval',
        '20',
        '--timeout',
        '3',
        '--out',
        out,
        fixture('leaks/hangs-in-setup.mjs'),
        fixture('leaks/hangs-at-call.mjs'),
      ],
      { env: { CI: 'true' } },
    );
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0], /^leakscan: hangs-in-setup: .*timed out after 3 s in setup\b/);
    assert.match(lines[1], /^leakscan: hangs-at-call: .*timed out after 3 s in with-gc pass, iteration 3 of 4\b/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const scenarios = (JSON.parse(r.stdout) as RunResult).scenarios;
    assert.deepEqual(
      scenarios.map((s) => s.status),
      ['failed', 'failed'],
    );
    assert.match(scenarios[1].error ?? '', /iteration 3 of 4/);
    assert.deepEqual(readdirSync(out), []);
  });

  test('stageText names every stage the child reports', () => {
    const counts = { iterations: 10, growthIterations: 5 };
    assert.equal(stageText(null, null), 'while loading the scenario');
    assert.equal(stageText(null, counts), 'after loading the scenario');
    assert.equal(stageText({ type: 'progress', phase: 'setup' }, counts), 'in setup');
    assert.equal(
      stageText({ type: 'progress', phase: 'snapshot-before' }, counts),
      'while writing the before snapshot',
    );
    assert.equal(
      stageText({ type: 'progress', phase: 'before-pass', pass: 'with-gc' }, counts),
      'in beforePass of the with-gc pass',
    );
    assert.equal(
      stageText({ type: 'progress', phase: 'iteration', pass: 'with-gc', iteration: 3 }, counts),
      'in with-gc pass, iteration 3 of 10',
    );
    assert.equal(stageText({ type: 'progress', phase: 'snapshot-after' }, counts), 'while writing the after snapshot');
    assert.equal(
      stageText({ type: 'progress', phase: 'growth', pass: 'with-gc', iteration: 2 }, counts),
      'in the extra with-gc calls for the growth check, call 2 of 5',
    );
    assert.equal(
      stageText({ type: 'progress', phase: 'snapshot-growth' }, counts),
      'while writing the growth snapshot',
    );
    assert.equal(stageText({ type: 'progress', phase: 'teardown' }, counts), 'in teardown');
  });
});
