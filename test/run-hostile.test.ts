// `leakscan run` against scenarios that behave badly on purpose: --out
// removed mid-run, a flood of output while leakscan's stderr is a pipe,
// processes the scenario starts, and leakscan itself killed with SIGKILL.
// Each ends in a clear line (or a clean run), with nothing left behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunResult } from '../src/types.js';
import { alive, cli, fixture, root, runCli, tempDir } from './helpers.js';

async function eventually(check: () => boolean, ms = 30_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !check()) await sleep(100);
  return check();
}

/** A scenario file in `dir`: `body` is the module's text after its imports. */
function scenario(dir: string, name: string, body: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, body);
  return file;
}

describe('leakscan run against hostile scenarios', () => {
  test('--out removed during the run: a clear failure for that scenario, the next one runs, no temp folder left', async () => {
    const dir = tempDir();
    const out = join(tempDir(), 'out');
    const temp = tempDir();
    const remover = scenario(
      dir,
      'remover',
      `import { rmSync } from 'node:fs';
export default { name: 'remover', iterations: 2, batch: 1, run() { rmSync(${JSON.stringify(out)}, { recursive: true, force: true }); } };\n`,
    );
    const fine = scenario(dir, 'fine', `export default { name: 'fine', iterations: 2, batch: 1, run() {} };\n`);
    // One at a time: with both at once, fine's files would go with the folder too.
    const r = await runCli(['run', remover, fine, '--out', out, '--json', '--interval', '0', '--jobs', '1'], {
      env: { TMPDIR: temp },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^leakscan: remover: failed — .*no such file or directory/);
    const result = JSON.parse(r.stdout) as RunResult;
    assert.deepEqual(
      result.scenarios.map((s) => [s.name, s.status === 'failed']),
      [
        ['remover', true],
        ['fine', false],
      ],
    );
    assert.deepEqual(readdirSync(temp), [], 'no temp folder left');
  });

  test('a scenario flooding its output while stderr is a pipe: a capped log with a "truncated" line, no hidden temp', async () => {
    const dir = tempDir();
    const out = tempDir();
    const flood = scenario(
      dir,
      'flood',
      `const line = 'x'.repeat(1023) + '\\n';
export default { name: 'flood', iterations: 2, batch: 1,
  async setup() {
    for (let i = 0; i < 48 * 1024; i++)
      if (!process.stdout.write(line)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  },
  run() {} };\n`,
    );
    const r = await runCli(['run', flood, '--out', out, '--json', '--interval', '0']);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const log = join(out, 'flood.log');
    assert.ok(statSync(log).size < 17 * 2 ** 20, `log capped: ${statSync(log).size}`);
    assert.match(
      readFileSync(log, 'utf8').slice(-200),
      /\[leakscan: output truncated after 16 MB; the rest was not kept\]\n$/,
    );
    assert.ok(r.stderr.length < 17 * 2 ** 20, 'the echo on stderr is capped too');
    assert.match(r.stderr, /\[flood\] \[leakscan: output truncated after 16 MB/);
    assert.deepEqual(
      readdirSync(out).filter((f) => f.startsWith('.')),
      [],
      'no hidden temp left',
    );
  });

  test("processes a scenario starts don't outlive the run", async () => {
    const dir = tempDir();
    const pids = join(dir, 'pids');
    const spawner = scenario(
      dir,
      'spawner',
      `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
export default { name: 'spawner', iterations: 2, batch: 1,
  setup() { const c = spawn('sleep', ['600'], { stdio: 'ignore' }); c.unref(); writeFileSync(${JSON.stringify(pids)}, String(c.pid)); },
  run() {} };\n`,
    );
    const r = await runCli(['run', spawner, '--out', tempDir(), '--json', '--interval', '0']);
    assert.equal(r.code, 0, r.stderr);
    const sleeper = Number(readFileSync(pids, 'utf8'));
    assert.ok(await eventually(() => !alive(sleeper)), 'the process the scenario started was stopped');
  });

  test("SIGKILL of leakscan: the scenario's process and what it started die too", async () => {
    const dir = tempDir();
    const pids = join(dir, 'pids');
    const out = tempDir();
    const stuck = scenario(
      dir,
      'stuck',
      `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
export default { name: 'stuck', iterations: 2, batch: 1,
  setup() { const c = spawn('sleep', ['600'], { stdio: 'ignore' }); writeFileSync(${JSON.stringify(pids)}, process.pid + ' ' + c.pid); },
  run() { return new Promise(() => setInterval(() => {}, 1000)); } };\n`,
    );
    const leakscan = spawn(process.execPath, [cli, 'run', stuck, '--out', out, '--timeout', '600'], {
      cwd: root,
      stdio: 'ignore',
    });
    assert.ok(await eventually(() => existsSync(pids)), 'the scenario started');
    const [scenarioPid, sleeper] = readFileSync(pids, 'utf8').split(' ').map(Number);
    leakscan.kill('SIGKILL');
    assert.ok(await eventually(() => !alive(scenarioPid)), "the scenario's process ended");
    assert.ok(await eventually(() => !alive(sleeper)), 'what it started ended');
  });

  test('one run at a time per --out; --out naming a file; escape codes in a name are escaped', async () => {
    const out = tempDir();
    const first = spawn(process.execPath, [cli, 'run', fixture('leaks/hangs.mjs'), '--out', out, '--timeout', '60'], {
      cwd: root,
      stdio: 'ignore',
    });
    assert.ok(await eventually(() => existsSync(join(out, '.leakscan-run.lock'))), 'the first run holds --out');
    const second = await runCli(['run', 'cycle', '--out', out]);
    assert.equal(second.code, 2, second.stderr);
    assert.match(
      second.stderr,
      new RegExp(`^leakscan: .*: another leakscan run \\(pid ${first.pid}\\) is writing there`),
    );
    first.kill('SIGTERM');
    await new Promise((resolve) => first.on('close', resolve));
    assert.deepEqual(readdirSync(out), [], 'the lock is released');

    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'mine\n');
    const onFile = await runCli(['run', 'cycle', '--out', file]);
    assert.equal(onFile.code, 2, onFile.stderr);
    assert.equal(onFile.stderr, `leakscan: ${file}: exists and is not a folder; --out takes a folder\n`);
    assert.equal(readFileSync(file, 'utf8'), 'mine\n');

    const dir = tempDir();
    const evil = scenario(
      dir,
      'evil',
      `export default { name: 'evil\\u001b[2J\\u001b]0;owned\\u0007', description: 'red \\u001b[31mtext\\u009b1m', iterations: 2, batch: 1, run() {} };\n`,
    );
    const r = await runCli(['run', evil, '--out', tempDir(), '--interval', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /[\u001b\u0007\u009b]/, 'no raw control character');
    assert.match(r.stdout, /evil\\x1b\[2J/);
  });
});
