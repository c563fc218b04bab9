// Signals behave as the exit-code table says in every command, whatever
// phase the work is in: the bundle phase of `run --bundle`, `leakscan
// bundle` itself, and a --between command that leaves a process behind.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CaptureResult } from '../src/types.js';
import { alive, cli, fixture, root, runCli, runFixture, tempDir } from './helpers.js';

const started: ChildProcess[] = [];
after(() => {
  for (const child of started) child.kill('SIGKILL');
});

/** The bundle's temp folder once its snapshots folder exists: the bundle phase has begun. */
function bundleUnderWay(bundle: string): boolean {
  const parent = dirname(bundle);
  return readdirSync(parent).some(
    (name) => name.startsWith('bundle.tmp-') && existsSync(join(parent, name, 'snapshots')),
  );
}

/** Starts leakscan with `args`, sends `signal` once `ready()` holds; its exit code, stdout and stderr. */
async function interruptWhen(args: string[], ready: () => boolean, signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let exited = false;
  void exit.then(() => (exited = true));
  while (!exited && !ready()) await sleep(5);
  assert.ok(!exited, `leakscan ended before the moment to signal it: ${stderr}`);
  child.kill(signal);
  return { code: await exit, stdout, stderr };
}

describe('signals in every phase', () => {
  const pair = tempDir();
  before(async () => {
    // Snapshots big enough that compressing them takes a moment.
    await runFixture('pair-leak.cjs', pair, ['150000']);
  });

  test('SIGTERM during leakscan bundle: exit 143, one line, no DIR.tmp-XXXXXX left', async () => {
    const bundle = join(tempDir(), 'bundle');
    const r = await interruptWhen(
      ['bundle', join(pair, 'before.heapsnapshot'), join(pair, 'after.heapsnapshot'), '-o', bundle],
      () => bundleUnderWay(bundle),
      'SIGTERM',
    );
    assert.equal(r.code, 143, r.stderr);
    assert.match(r.stderr, /^leakscan: interrupted \(SIGTERM\): the partial bundle folder was removed$/m);
    assert.equal(r.stdout, '');
    assert.deepEqual(readdirSync(dirname(bundle)), [], 'no bundle, no temp folder');
  });

  test('SIGTERM during the bundle phase of run --bundle: exit 143, no report', async () => {
    const dir = tempDir();
    const scenario = join(dir, 'big.mjs');
    writeFileSync(
      scenario,
      `const kept = [];
export default { name: 'big', iterations: 2, batch: 1,
  setup() { for (let i = 0; i < 300000; i++) kept.push({ label: 'item ' + i }); },
  run() {} };\n`,
    );
    const bundle = join(tempDir(), 'bundle');
    const r = await interruptWhen(
      ['run', scenario, '--out', join(dir, 'out'), '--interval', '0', '--bundle', bundle, '--json'],
      () => bundleUnderWay(bundle),
      'SIGTERM',
    );
    assert.equal(r.code, 143, r.stderr);
    assert.equal(r.stdout, '', 'no report');
    assert.match(r.stderr, /^leakscan: interrupted \(SIGTERM\)/m);
    assert.deepEqual(readdirSync(dirname(bundle)), [], 'no bundle, no temp folder');
  });

  test('--between "sleep 600 & echo x": the capture goes on when the command exits, the background process is stopped', {
    timeout: 120_000,
  }, async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const target = spawn(process.execPath, [`--inspect-port=127.0.0.1:${port}`, fixture('capture-target.cjs')], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    started.push(target);
    await new Promise<void>((resolve) => target.stdout!.once('data', () => resolve()));
    const dir = tempDir();
    const marker = join(dir, 'sleep.pid');
    const r = await runCli([
      'capture',
      '--pid',
      String(target.pid),
      '--count',
      '2',
      '--between',
      `sleep 600 & echo $! > ${JSON.stringify(marker)}; echo x`,
      '-o',
      join(dir, 's.heapsnapshot'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\[between\] x$/m);
    assert.equal((JSON.parse(r.stdout) as CaptureResult).inspectorClosed, true);
    assert.equal(alive(Number(readFileSync(marker, 'utf8'))), false, 'the background sleep was stopped');
  });
});
