// capture against a hostile machine: the inspector leakscan opens is closed
// (and seen closed) on every exit path, wherever the process opens it; an
// inspector that is not the process's own is refused; what an inspector sends
// is bounded and validated. Every inspector here is on a free port given to
// the target with Node's --inspect-port (never 9229), so these tests run
// beside others.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer } from 'ws';
import { CdpSession } from '../src/capture/cdp.js';
import type { CaptureResult } from '../src/types.js';
import { cli, fixture, freePort, root, runCli, tempDir } from './helpers.js';

const started: ChildProcess[] = [];
const servers: Server[] = [];
after(() => {
  for (const child of started) child.kill('SIGKILL');
  for (const server of servers) server.close();
});

function listening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls until `check` holds (or `ms` pass): for what happens in another process after an event we cannot see. */
async function eventually(check: () => Promise<boolean> | boolean, ms = 30_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return check();
}

interface Target {
  child: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  send(line: string): void;
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<void>;
}

/** The target fixture with Node options `nodeArgs` and program arguments `args`. */
async function startTarget(nodeArgs: string[], args: string[] = []): Promise<Target> {
  const child = spawn(process.execPath, [...nodeArgs, fixture('capture-target.cjs'), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const target: Target = {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    send: (line) => child.stdin!.write(`${line}\n`),
    waitFor: async (pattern, stream = 'stdout') => {
      assert.ok(
        await eventually(() => pattern.test(stream === 'stdout' ? out : err)),
        `${pattern} in the target's ${stream}: ${stream === 'stdout' ? out : err}`,
      );
    },
  };
  await target.waitFor(/ready/);
  return target;
}

/** leakscan capture in the background: its output, its exit. */
function spawnCapture(args: string[]) {
  const child = spawn(process.execPath, [cli, 'capture', ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exit, stderr: () => stderr };
}

/** A fake inspector: /json/list, and a WebSocket that answers each method with `answer` (undefined: no answer). */
async function fakeInspector(
  port: number,
  answer: (method: string, send: (message: unknown) => void) => unknown,
  list?: (res: import('node:http').ServerResponse) => void,
): Promise<Server> {
  const server = createServer((_req, res) => {
    if (list) return list(res);
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify([{ type: 'node', title: 'fake', url: '', webSocketDebuggerUrl: `ws://127.0.0.1:${port}/fake` }]),
    );
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const { id, method } = JSON.parse(String(data)) as { id: number; method: string };
      const send = (message: unknown): void => socket.send(JSON.stringify(message));
      const result = answer(method, send);
      if (result !== undefined) send({ id, result });
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('capture: the inspector is closed on every exit path', { concurrency: 1 }, () => {
  test("--inspect-port in the program's own arguments: the real inspector port is used and closed", async () => {
    const [real, decoy] = [await freePort(), await freePort()];
    const target = await startTarget([`--inspect-port=127.0.0.1:${real}`], [`--inspect-port=${decoy}`]);
    const dir = tempDir();
    const r = await runCli(['capture', '--pid', String(target.pid), '-o', join(dir, 's.heapsnapshot'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as CaptureResult;
    assert.equal(result.target.inspector, `127.0.0.1:${real}`);
    assert.equal(result.inspectorClosed, true);
    assert.equal(await listening(real), false, 'closed again');
    assert.equal(await listening(decoy), false);
  });

  test('a process busy in synchronous work answers after leakscan gave up: its inspector is closed then', async () => {
    const port = await freePort();
    const target = await startTarget([`--inspect-port=127.0.0.1:${port}`]);
    target.send('block 3000');
    await target.waitFor(/blocking/);
    const dir = tempDir();
    const r = await runCli([
      'capture',
      '--pid',
      String(target.pid),
      '--open-timeout',
      '300ms',
      '-o',
      join(dir, 's.heapsnapshot'),
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /within 0\.3 s \(busy in synchronous work\?\); the watchdog \(pid \d+\) closes its inspector/,
    );
    await target.waitFor(/unblocked/);
    await target.waitFor(/Debugger listening on ws:\/\/127\.0\.0\.1:\d+/, 'stderr');
    assert.ok(await eventually(async () => !(await listening(port))), 'the late inspector is closed');
    assert.deepEqual(readdirSync(dir), []);
  });

  for (const [how, signal, code] of [
    ['SIGINT during a snapshot', 'SIGINT', 130],
    ['SIGKILL of leakscan', 'SIGKILL', null],
  ] as const) {
    test(`${how}: the inspector does not stay open`, async () => {
      const port = await freePort();
      const target = await startTarget([`--inspect-port=127.0.0.1:${port}`]);
      // A heap big enough that its snapshot takes a while.
      target.send('grow 600000');
      await target.waitFor(/grown/);
      const dir = tempDir();
      const capture = spawnCapture(['--pid', String(target.pid), '-o', join(dir, 's.heapsnapshot')]);
      // The snapshot's temp file appears when the snapshot starts.
      assert.ok(await eventually(() => readdirSync(dir).length > 0), 'the snapshot started');
      assert.equal(await listening(port), true, 'open mid-capture');
      capture.child.kill(signal);
      assert.equal(await capture.exit, code, capture.stderr());
      if (signal === 'SIGINT') {
        const lines = capture.stderr().trimEnd().split('\n');
        assert.equal(lines.length, 1, capture.stderr());
        assert.match(lines[0], /^leakscan: interrupted \(SIGINT\): the session/);
        // Truthful either way: closed (and so no longer listening), or handed to the watchdog.
        if (/the session and the inspector were closed/.test(lines[0])) assert.equal(await listening(port), false);
        else assert.match(lines[0], /the watchdog \(pid \d+\) closes it as soon as the process answers/);
      }
      assert.ok(await eventually(async () => !(await listening(port)), 150_000), 'the inspector is closed');
      target.send('block 0');
      await target.waitFor(/unblocked/);
    });
  }

  test('a process started with --inspect-port=0.0.0.0:PORT is refused: never exposed, never called 127.0.0.1', async () => {
    const port = await freePort();
    const target = await startTarget([`--inspect-port=0.0.0.0:${port}`]);
    const dir = tempDir();
    const r = await runCli(['capture', '--pid', String(target.pid), '-o', join(dir, 's.heapsnapshot')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^leakscan: process ${target.pid} .*0\\.0\\.0\\.0:${port}, which other machines can reach`, 'm'),
    );
    assert.doesNotMatch(r.stderr + r.stdout, /(through|on) 127\.0\.0\.1:/);
    assert.equal(await listening(port), false, 'not opened');
    assert.deepEqual(readdirSync(dir), []);
  });

  test('a program that is not Node, with a SIGUSR1 handler, is not signalled', async () => {
    const dir = tempDir();
    const marker = join(dir, 'usr1');
    const shell = spawn('sh', ['-c', `trap 'echo got > ${marker}' USR1; while :; do sleep 0.05; done`]);
    started.push(shell);
    await sleep(200);
    const r = await runCli(['capture', '--pid', String(shell.pid), '-o', join(dir, 's.heapsnapshot')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /is not a Node\.js program/);
    await sleep(300);
    assert.equal(existsSync(marker), false, 'no SIGUSR1 was sent');
  });
});

describe('capture: only the process it means, bounded and validated', { concurrency: 1 }, () => {
  test("a cluster's primary is captured, with a note naming its workers", async () => {
    const dir = tempDir();
    const script = join(dir, 'cluster.cjs');
    writeFileSync(
      script,
      `const cluster = require('node:cluster');
      if (cluster.isPrimary) {
        const pids = [];
        for (let i = 0; i < 2; i++)
          cluster.fork().on('online', function () {
            pids.push(this.process.pid);
            if (pids.length === 2) console.log('workers', pids.join(' '));
          });
      } else setInterval(() => {}, 1000);`,
    );
    const port = await freePort();
    const primary = spawn(process.execPath, [`--inspect-port=127.0.0.1:${port}`, script], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    primary.stdout.on('data', (chunk) => {
      out += chunk;
    });
    try {
      assert.ok(await eventually(() => /^workers \d+ \d+$/m.test(out)), out);
      const workers = /^workers (\d+) (\d+)$/m.exec(out)!.slice(1);
      const r = await runCli(['capture', '--pid', String(primary.pid), '-o', join(dir, 'primary.heapsnapshot')]);
      assert.equal(r.code, 0, r.stderr);
      const note = r.stdout.split('\n')[1];
      assert.match(
        note,
        /^ {2}note: it runs 2 Node child processes \(cluster workers, forks\), whose heaps are not in/,
      );
      for (const pid of workers) assert.match(note, new RegExp(`--pid ${pid} \\(`));
      assert.equal(await listening(port), false, 'closed again');
    } finally {
      process.kill(-primary.pid!, 'SIGKILL');
    }
  });

  test('npm start: npm is refused, untouched, and the error names the Node process it runs', async () => {
    const project = tempDir();
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'app', private: true, scripts: { start: 'node server.cjs' } }),
    );
    writeFileSync(join(project, 'server.cjs'), "console.log('ready', process.pid);\nsetInterval(() => {}, 1000);\n");
    // Its own process group, so that npm, its shell and the server all end with the test.
    const npm = spawn('npm', ['start'], { cwd: project, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    npm.stdout.on('data', (chunk) => {
      out += chunk;
    });
    npm.stderr.on('data', (chunk) => {
      err += chunk;
    });
    try {
      assert.ok(await eventually(() => /^ready \d+$/m.test(out)), `the server started: ${out}${err}`);
      const server = /^ready (\d+)$/m.exec(out)![1];
      const r = await runCli(['capture', '--pid', String(npm.pid), '-o', join(project, 's.heapsnapshot')]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`^leakscan: process ${npm.pid} is npm .*--pid ${server} \\(node server\\.cjs\\)`),
      );
      assert.deepEqual(readdirSync(project).sort(), ['package.json', 'server.cjs']);
      assert.doesNotMatch(err, /Debugger listening/, 'npm was not signalled');
      assert.equal(npm.exitCode, null, 'npm still runs');
    } finally {
      process.kill(-npm.pid!, 'SIGKILL');
    }
  });

  test("a fake inspector on the process's port, answering with its pid, is refused", async () => {
    const port = await freePort();
    const target = await startTarget([`--inspect-port=127.0.0.1:${port}`]);
    await fakeInspector(port, (method) => {
      if (method === 'Runtime.evaluate') return { result: { type: 'number', value: target.pid } };
      return {};
    });
    const dir = tempDir();
    const r = await runCli(['capture', '--pid', String(target.pid), '-o', join(dir, 's.heapsnapshot')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^leakscan: 127\\.0\\.0\\.1:${port} is taken by another program`, 'm'));
    assert.deepEqual(readdirSync(dir), []);
  });

  test('a 29-byte malformed snapshot is refused: exit 2, nothing saved', async () => {
    const port = await freePort();
    await fakeInspector(port, (method, send) => {
      if (method === 'HeapProfiler.takeHeapSnapshot')
        send({ method: 'HeapProfiler.addHeapSnapshotChunk', params: { chunk: '{"snapshot":{"meta":{}},"x":1' } });
      if (method === 'Runtime.evaluate') return { result: { type: 'object', value: null } };
      return {};
    });
    const dir = tempDir();
    const r = await runCli(['capture', '--inspect', `127.0.0.1:${port}`, '-o', join(dir, 's.heapsnapshot')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /s\.heapsnapshot: the inspector sent a malformed snapshot \(.*\); nothing was saved/);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.deepEqual(readdirSync(dir), []);
  });

  test('an endless /json/list: one line, exit 2', async () => {
    const port = await freePort();
    await fakeInspector(
      port,
      () => ({}),
      (res) => {
        res.write('[');
        const chunk = `${JSON.stringify({ type: 'x', webSocketDebuggerUrl: 'ws://x' })},`.repeat(1000);
        const more = (): void => {
          while (res.write(chunk)) {}
          res.once('drain', more);
        };
        res.on('error', () => {});
        more();
      },
    );
    const r = await runCli(['capture', '--inspect', `127.0.0.1:${port}`, '-o', join(tempDir(), 's.heapsnapshot')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^leakscan: 127\.0\.0\.1:\d+ is not an inspector: \/json\/list sent more than \d+ bytes$/m);
  });

  test('a protocol call that is never answered fails after the silence limit', async () => {
    const port = await freePort();
    await fakeInspector(port, () => undefined);
    const session = await CdpSession.connect(`ws://127.0.0.1:${port}/fake`);
    await assert.rejects(session.send('HeapProfiler.enable', {}, 200), /did not answer within 0\.2 s/);
    await session.close();
  });
});
