// `leakscan test-server` on a real HTTP server written for the test
// (fixtures/round-server.cjs on a free port, which it prints) and a load loop
// in Node (fixtures/round-load.cjs): a per-request leak found and explained,
// its fixed twin quiet, and the server's processes gone after success,
// failure, timeout and Ctrl-C.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestServerResult } from '../src/types.js';
import { cli, fixture, freePort, root, tempDir } from './helpers.js';

const node = JSON.stringify(process.execPath);
const serverCommand = (patterns: string): string =>
  `${node} ${JSON.stringify(fixture('round-server.cjs'))} ${patterns}`;
const LOAD = `${node} ${JSON.stringify(fixture('round-load.cjs'))}`;
const HANG = `${node} -e "console.log('load pid ' + process.pid); setInterval(() => {}, 1000)"`;
const READY = ['--ready-line', 'listening on (\\d+)'];

interface Running {
  pid: number;
  /** Resolves with the first match of `pattern` in stderr. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [cli, 'test-server', ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    for (const w of [...waiters]) {
      const match = w.pattern.exec(stderr);
      if (match) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(match);
      }
    }
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    pid: child.pid!,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const match = pattern.exec(stderr);
        if (match) return resolve(match);
        waiters.push({ pattern, resolve });
        void done.then(() => reject(new Error(`exited before ${pattern} appeared on stderr:\n${stderr}`)));
      }),
    done,
  };
}

/** Gone: no such process, or a zombie (it exited; only a non-reaping parent keeps its entry). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
}

const serverPidOf = (stderr: string): number => Number(/\[server\] listening on \d+ pid (\d+)/.exec(stderr)?.[1]);
const suspects = (result: TestServerResult): string[] =>
  result.diff.classes.filter((c) => c.suspect).map((c) => c.name);

describe('leakscan test-server', () => {
  test('a per-request leak: exit 1, explained, counts per round; the server is stopped', async () => {
    const out = tempDir();
    const bundle = join(tempDir(), 'bundle');
    const run = start([
      '--server',
      serverCommand('leak,cache,warmup,pool'),
      '--load',
      LOAD,
      ...READY,
      '--rounds',
      '4',
      '--calm',
      '100',
      '--out',
      out,
      '--bundle',
      bundle,
      '--json',
    ]);
    const r = await run.done;
    assert.equal(r.code, 1, r.stderr);
    const result = JSON.parse(r.stdout) as TestServerResult;
    assert.equal(result.status, 'leak');
    // The leaked requests' URL strings grow with them (some shared with the cache's keys, so not all
    // held through a LeakedRequest): they may be listed too; the quiet patterns may not.
    assert.ok(suspects(result).includes('LeakedRequest'), suspects(result).join());
    for (const quiet of ['CacheEntry', 'WarmRow', 'Connection']) assert.ok(!suspects(result).includes(quiet), quiet);
    const leak = result.diff.classes.find((c) => c.name === 'LeakedRequest')!;
    assert.equal(leak.series?.length, 5);
    assert.equal(leak.growthPerStep, 80, 'one per request, 80 requests a round');
    assert.ok(
      leak.retainerPath?.some((step) => step.edge?.name === 'seen'),
      'the path names the array',
    );
    assert.equal(result.rounds.length, 5);
    for (const round of result.rounds) {
      assert.ok(round.rss !== null && round.rss > 0, 'RSS read from /proc');
      assert.ok(round.heapUsed > 0);
      assert.ok(existsSync(round.snapshot), round.snapshot);
    }
    assert.equal(readdirSync(out).length, 5, 'five snapshots, nothing else');
    assert.equal(serverPidOf(r.stderr), result.pid, 'the node process itself, not the shell around it');
    assert.ok(gone(result.pid), `server ${result.pid} stopped`);
    assert.ok(existsSync(join(bundle, 'report.json')) && existsSync(join(bundle, 'snapshots')), 'bundle written');
  });

  test('the fixed twin (a capped cache, a warm-up table, a pool): exit 0, with an HTML report', async () => {
    const html = join(tempDir(), 'report.html');
    const run = start([
      '--server',
      serverCommand('cache,warmup,pool'),
      '--load',
      LOAD,
      ...READY,
      '--rounds',
      '4',
      '--calm',
      '100',
      '--out',
      tempDir(),
      '--html',
      html,
    ]);
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No suspected leak: no class rose at every step of the 5 snapshots/);
    assert.match(r.stdout, /Snapshot +After +RSS +Heap used/);
    assert.match(readFileSync(html, 'utf8'), /<html/);
    assert.ok(gone(serverPidOf(r.stderr)), 'server stopped');
  });

  test('a leak of plain objects is named by its shape, not blamed on its strings', async () => {
    const run = start([
      '--server',
      serverCommand('plain'),
      '--load',
      LOAD,
      ...READY,
      '--rounds',
      '3',
      '--calm',
      '100',
      '--out',
      tempDir(),
      '--json',
    ]);
    const r = await run.done;
    assert.equal(r.code, 1, r.stderr);
    const result = JSON.parse(r.stdout) as TestServerResult;
    const leaked = result.diff.classes.filter((c) => c.suspect);
    assert.deepEqual(
      leaked.map((c) => [c.constructorName, c.growthPerStep]),
      [['Object', 80]],
    );
    assert.ok(gone(result.pid), 'server stopped');
  });

  test('a load that fails (exit 3): exit 2 with its code; the server is stopped, no snapshot left', async () => {
    const out = tempDir();
    const run = start([
      '--server',
      serverCommand('leak'),
      '--load',
      `${node} -e "process.exit(3)"`,
      ...READY,
      '--out',
      out,
    ]);
    const r = await run.done;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /leakscan: warm-up 1 of 1: --load .* exited with code 3/);
    assert.ok(gone(serverPidOf(r.stderr)), 'server stopped');
    assert.deepEqual(readdirSync(out), []);
  });

  test('--timeout: exit 2; the server and the hanging load are stopped', async () => {
    const run = start([
      '--server',
      serverCommand('leak'),
      '--load',
      HANG,
      ...READY,
      '--timeout',
      '10',
      '--out',
      tempDir(),
    ]);
    const r = await run.done;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /leakscan: timed out after 10 s while running the load \(warm-up 1 of 1\)/);
    assert.ok(gone(serverPidOf(r.stderr)), 'server stopped');
    assert.ok(gone(Number(/load pid (\d+)/.exec(r.stderr)?.[1])), 'load stopped');
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}: exit ${code}; the server and the load are stopped`, async () => {
      const run = start(['--server', serverCommand('leak'), '--load', HANG, ...READY, '--out', tempDir()]);
      const loadPid = Number((await run.waitFor(/load pid (\d+)/))[1]);
      process.kill(run.pid, signal);
      const r = await run.done;
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, new RegExp(`interrupted \\(${signal}\\)`));
      assert.ok(gone(serverPidOf(r.stderr)), 'server stopped');
      assert.ok(gone(loadPid), 'load stopped');
    });
  }

  test('--ready-port: ready when the port accepts; the load gets it as LEAKSCAN_PORT', async () => {
    const port = await freePort();
    const run = start(
      [
        '--server',
        serverCommand('cache'),
        '--load',
        LOAD,
        '--ready-port',
        String(port),
        '--rounds',
        '2',
        '--calm',
        '0',
        '--out',
        tempDir(),
      ],
      { PORT: String(port) },
    );
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`\\[server\\] listening on ${port} pid`));
    assert.ok(gone(serverPidOf(r.stderr)), 'server stopped');
  });
});
