// Ctrl-C (SIGINT) or SIGTERM to `leakscan run` or to a `diff` that relaunched
// itself with a bigger heap: the child process is stopped, temp folders and
// partial files are removed, and leakscan exits 130 / 143 with one line. A real
// signal to the real binary.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, fixture, root, runFixture, tempDir } from './helpers.js';

/** Pids of the processes `pid` started. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function interrupt(
  signal: 'SIGINT' | 'SIGTERM',
): Promise<{ code: number | null; stderr: string; out: string; temp: string; children: number[] }> {
  const out = tempDir();
  // leakscan's own temp folders go here (os.tmpdir() reads TMPDIR), apart from other tests'.
  const temp = tempDir();
  // A scenario whose first call never settles: leakscan is mid-scenario when the signal comes.
  const child = spawn(
    process.execPath,
    [cli, 'run', fixture('leaks/hangs.mjs'), '--out', out, '--timeout', '60', '--json'],
    {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', TMPDIR: temp },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let children: number[] = [];
  for (let i = 0; i < 100 && children.length === 0; i++) {
    await sleep(100);
    children = childrenOf(child.pid!);
  }
  assert.ok(children.length > 0, 'the scenario process started');
  await sleep(800);
  child.kill(signal);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stderr, out, temp, children };
}

describe('signals to leakscan run', () => {
  for (const [signal, expected] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${signal}: the scenario stops, nothing is left behind, exit ${expected}`, async () => {
      const { code, stderr, out, temp, children } = await interrupt(signal);
      assert.equal(code, expected, stderr);
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0], new RegExp(`^leakscan: interrupted \\(${signal}\\)`));
      await sleep(200);
      assert.deepEqual(children.filter(alive), [], 'no scenario process left running');
      assert.deepEqual(readdirSync(out), [], 'no snapshot, log or temp file in --out');
      assert.deepEqual(readdirSync(temp), [], 'no temp folder left');
    });
  }
});

describe('signals to a diff that relaunched itself with a bigger heap', () => {
  const pair = tempDir();
  // Loaded by the parent and by the relaunched child (both get the parent's execArgv): it holds
  // the child (marked by LEAKSCAN_HEAP_RAISED, heap-limit.ts) before its work, so the signal
  // reliably finds it running.
  const hold = join(tempDir(), 'hold.mjs');
  before(async () => {
    await runFixture('pair-leak.cjs', pair, ['20']);
    writeFileSync(hold, 'if (process.env.LEAKSCAN_HEAP_RAISED) await new Promise((r) => setTimeout(r, 60_000));\n');
  });

  for (const [signal, expected, toGroup] of [
    ['SIGINT', 130, true],
    ['SIGTERM', 143, false],
  ] as const) {
    test(`${signal} ${toGroup ? 'from the terminal (to the process group)' : 'to leakscan'}: the child stops, exit ${expected}, one line`, async () => {
      const cwd = tempDir();
      const temp = tempDir();
      // A heap limit far below what the files call for (256 MB at least) makes diff relaunch itself.
      const parent = spawn(
        process.execPath,
        [
          '--max-old-space-size=64',
          '--import',
          hold,
          cli,
          'diff',
          join(pair, 'before.heapsnapshot'),
          join(pair, 'after.heapsnapshot'),
        ],
        {
          cwd,
          env: { ...process.env, NO_COLOR: '1', TMPDIR: temp },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: toGroup,
        },
      );
      let stdout = '';
      let stderr = '';
      parent.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
      parent.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      let children: number[] = [];
      for (let i = 0; i < 100 && children.length === 0; i++) {
        await sleep(100);
        children = childrenOf(parent.pid!);
      }
      assert.equal(children.length, 1, 'diff relaunched itself');
      const args = readFileSync(`/proc/${children[0]}/cmdline`, 'utf8').split('\0');
      assert.ok(
        args.some((a) => /^--max-old-space-size=\d{3,}$/.test(a)),
        `the child has a bigger heap: ${args.join(' ')}`,
      );
      await sleep(300);
      if (toGroup) process.kill(-parent.pid!, signal);
      else parent.kill(signal);
      const code = await new Promise<number | null>((resolve) => parent.on('close', (c) => resolve(c)));
      assert.equal(code, expected, stderr);
      assert.equal(stdout, '');
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0], new RegExp(`^leakscan: interrupted \\(${signal}\\)`));
      await sleep(200);
      assert.deepEqual(children.filter(alive), [], 'the relaunched process is stopped');
      assert.deepEqual(readdirSync(cwd), [], 'nothing written where it ran');
      assert.deepEqual(readdirSync(temp), [], 'no temp file left');
    });
  }
});
