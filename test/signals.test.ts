// Ctrl-C (SIGINT) or SIGTERM to `leakscan run`: the scenario's process is
// stopped, its temp folder and partial files are removed, and leakscan exits
// 130 / 143 with one line. A real signal to the real binary.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, fixture, root, tempDir } from './helpers.js';

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
