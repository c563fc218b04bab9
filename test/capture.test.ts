// `leakscan capture` against a real Node server started with no flags: its
// inspector is opened with SIGUSR1, snapshots are taken in one session with a
// load script run between them, and the inspector is closed again. All in one
// file, one test at a time: SIGUSR1 opens every inspector on one port, a free
// one given as --inspect-port (as a user's default 9229, but never one in use).
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CaptureResult, DiffResult, InspectResult } from '../src/types.js';
import { cli, fixture, freePort, root, runCli, tempDir } from './helpers.js';

interface Server {
  child: ChildProcess;
  pid: number;
  port: number;
}

const servers: ChildProcess[] = [];
after(() => {
  for (const child of servers) child.kill('SIGKILL');
});

/** The fixture server, with no flag but the port its inspector opens on when SIGUSR1 comes. */
async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, [`--inspect-port=${INSPECTOR_PORT}`, fixture('capture-server.cjs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').once('data', (text: string) => resolve(Number(text.trim())));
    child.once('exit', () => reject(new Error('the server exited')));
  });
  return { child, pid: child.pid!, port };
}

function request(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/check', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (text: string) => (body += text));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const INSPECTOR_PORT = await freePort();
const load = (port: number, count: number): string =>
  `${JSON.stringify(process.execPath)} ${JSON.stringify(fixture('capture-load.cjs'))} ${port} ${count}`;

describe('leakscan capture', { concurrency: 1 }, () => {
  let server: Server;
  const dir = tempDir();

  before(async () => {
    assert.equal(await listening(INSPECTOR_PORT), false, 'nothing else listens on the inspector port');
    server = await startServer();
  });

  test('--count 2 --between a load script: the leaked class, the server still serving, the inspector closed', async () => {
    const output = join(dir, 'load.heapsnapshot');
    const r = await runCli([
      'capture',
      '--pid',
      String(server.pid),
      '--count',
      '2',
      '--between',
      load(server.port, 300),
      '-o',
      output,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\[between\] sent 300 requests$/m, 'the load script ran and its output reached stderr');
    const result = JSON.parse(r.stdout) as CaptureResult;
    assert.equal(result.target.pid, server.pid);
    assert.equal(result.target.inspector, `127.0.0.1:${INSPECTOR_PORT}`);
    assert.equal(result.inspectorClosed, true);
    assert.deepEqual(
      result.snapshots.map((s) => s.path),
      [join(dir, 'load.1.heapsnapshot'), join(dir, 'load.2.heapsnapshot')],
    );
    for (const s of result.snapshots) assert.equal(statSync(s.path).mode & 0o777, 0o600);
    const leaked = result.diff?.classes.find((c) => c.name === 'LeakedRequest');
    assert.ok(leaked, `LeakedRequest in ${result.diff?.classes.map((c) => c.name)}`);
    assert.equal(leaked.added, 300);
    assert.equal(leaked.suspect, true);
    assert.ok(
      leaked.retainerPath?.some((step) => step.edge?.name === 'seen'),
      'the path names the array',
    );

    assert.match(await request(server.port), /^ok \d+/, 'the server keeps serving');
    assert.equal(await listening(INSPECTOR_PORT), false, 'its inspector is closed again');
    assert.deepEqual(readdirSync(dir).sort(), ['load.1.heapsnapshot', 'load.2.heapsnapshot'], 'no temp file left');

    // The files diff cleanly on their own, with the same answer.
    const diff = await runCli(['diff', '--json', ...result.snapshots.map((s) => s.path)]);
    assert.equal(diff.code, 0, diff.stderr);
    const again = (JSON.parse(diff.stdout) as DiffResult).classes.find((c) => c.name === 'LeakedRequest');
    assert.equal(again?.added, 300);
  });

  test('one capture (gzip) of the same server is inspected; a second session does not diff with the first', async () => {
    const first = join(dir, 'one.heapsnapshot.gz');
    const r = await runCli(['capture', '--pid', String(server.pid), '-o', first]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`Captured process \\d+ .* through 127\\.0\\.0\\.1:${INSPECTOR_PORT}; its inspector is closed again`),
    );
    assert.equal(statSync(first).mode & 0o777, 0o600);
    const inspect = await runCli(['inspect', '--json', first]);
    assert.equal(inspect.code, 0, inspect.stderr);
    const summary = JSON.parse(inspect.stdout) as InspectResult;
    assert.ok(JSON.stringify(summary).includes('LeakedRequest'), 'inspect lists the leaked class');

    execFileSync('sh', ['-c', load(server.port, 200)]);
    const second = join(dir, 'two.heapsnapshot.gz');
    assert.equal((await runCli(['capture', '--pid', String(server.pid), '-o', second])).code, 0);
    const diff = await runCli(['diff', first, second]);
    assert.equal(diff.code, 2, diff.stdout);
    assert.match(
      diff.stderr,
      /^leakscan: .* come from one process but two inspector sessions .*leakscan capture --pid PID --count 2/,
    );
    assert.equal(diff.stderr.trimEnd().split('\n').length, 1);
    assert.equal(await listening(INSPECTOR_PORT), false);
  });

  test('snapshots of two runs of the server are not called two sessions', async () => {
    const other = await startServer();
    const a = join(dir, 'run-a.heapsnapshot');
    const b = join(dir, 'run-b.heapsnapshot');
    assert.equal((await runCli(['capture', '--pid', String(server.pid), '-o', a])).code, 0);
    assert.equal((await runCli(['capture', '--pid', String(other.pid), '-o', b])).code, 0);
    other.child.kill();
    const diff = await runCli(['diff', a, b]);
    assert.equal(diff.code, 2);
    assert.doesNotMatch(diff.stderr, /two inspector sessions/);
    assert.match(diff.stderr, /not snapshots of one process|share almost no objects|was taken before/);
  });

  test('a process that exits during the capture: exit 2, one line, no file', async () => {
    const doomed = await startServer();
    const output = join(dir, 'doomed.heapsnapshot');
    const r = await runCli([
      'capture',
      '--pid',
      String(doomed.pid),
      '--count',
      '2',
      '--between',
      `kill ${doomed.pid}`,
      '-o',
      output,
    ]);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    // `kill` returns at once: the exit is seen while waiting or when snapshot 2 starts.
    assert.match(
      lines[0],
      new RegExp(
        `^leakscan: process ${doomed.pid} exited (while waiting for|during) snapshot 2 of 2; no snapshot was kept$`,
      ),
    );
    assert.equal(r.stdout, '');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('doomed') || f.includes('.tmp-')),
      [],
      'no snapshot, no temp file',
    );
  });

  test('refusals: another user, not a Node process, a taken output name, no such process', async () => {
    const sleeper = spawn('sleep', ['30']);
    servers.push(sleeper);
    const notNode = await runCli(['capture', '--pid', String(sleeper.pid), '-o', join(dir, 'x.heapsnapshot')]);
    assert.equal(notNode.code, 2);
    assert.match(notNode.stderr, /does not handle SIGUSR1 .*would end it/);
    assert.equal(sleeper.exitCode, null, 'sleep was not signalled');
    sleeper.kill();

    if (process.getuid?.() === 0) {
      // Root can start a process as another user and check the refusal.
      const other = spawn('sleep', ['30'], { uid: 65534, gid: 65534 });
      servers.push(other);
      await sleep(100);
      const foreign = await runCli(['capture', '--pid', String(other.pid), '-o', join(dir, 'y.heapsnapshot')]);
      assert.equal(foreign.code, 2);
      assert.match(foreign.stderr, /belongs to another user/);
      other.kill();
    }

    const taken = await runCli(['capture', '--pid', String(server.pid), '-o', join(dir, 'load.1.heapsnapshot')]);
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /load\.1\.heapsnapshot: exists/);
    assert.equal(await listening(INSPECTOR_PORT), false, 'refused before the inspector was opened');

    const gone = await runCli(['capture', '--pid', '999999', '-o', join(dir, 'z.heapsnapshot')]);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /^leakscan: no process with pid 999999$/m);
    assert.ok(!existsSync(join(dir, 'z.heapsnapshot')));
  });

  test('--count 2 --interval, and SIGUSR2 to leakscan as the trigger; the settings file and --ignore', async () => {
    // Run where a settings file is: its ignore rule reaches the diff (a rule that matched nothing is listed with 0).
    const project = tempDir();
    writeFileSync(join(project, 'leakscan.config.json'), JSON.stringify({ ignore: ['WarmupEntry'] }));
    const timed = await runCli(
      [
        'capture',
        '--pid',
        String(server.pid),
        '--count',
        '2',
        '--interval',
        '200ms',
        '-o',
        join(dir, 'timed.heapsnapshot'),
        '--json',
      ],
      { cwd: project },
    );
    assert.equal(timed.code, 0, timed.stderr);
    const timedResult = JSON.parse(timed.stdout) as CaptureResult;
    assert.equal(timedResult.snapshots.length, 2);
    assert.deepEqual(
      timedResult.diff?.ignored?.map((i) => i.rule),
      ['WarmupEntry'],
    );

    const out = tempDir();
    const child = spawn(
      process.execPath,
      [
        cli,
        'capture',
        '--pid',
        String(server.pid),
        '--count',
        '2',
        '-o',
        join(out, 'u.heapsnapshot'),
        '--json',
        '--ignore',
        'LeakedRequest',
      ],
      { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    servers.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    for (let i = 0; i < 200 && !/send SIGUSR2/.test(stderr); i++) await sleep(50);
    assert.match(stderr, new RegExp(`send SIGUSR2 to leakscan \\(kill -USR2 ${child.pid}\\) to take snapshot 2`));
    assert.deepEqual(readdirSync(out), ['u.1.heapsnapshot'], 'the first snapshot is written before the trigger');
    child.kill('SIGUSR2');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as CaptureResult;
    assert.equal(result.snapshots.length, 2);
    assert.ok(result.diff, 'the diff of the two');
    assert.deepEqual(
      result.diff.ignored?.map((i) => i.rule),
      ['LeakedRequest'],
      '--ignore reaches the diff',
    );
    assert.equal(await listening(INSPECTOR_PORT), false);
  });

  test('--inspect HOST:PORT and a ws:// URL: a process started with --inspect, left open', async () => {
    const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', fixture('capture-server.cjs')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    servers.push(child);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    for (let i = 0; i < 200 && !/ws:\/\/\S+/.test(stderr); i++) await sleep(50);
    const url = /ws:\/\/\S+/.exec(stderr)![0];
    const hostPort = new URL(url).host;
    for (const [target, name] of [
      [hostPort, 'hp.heapsnapshot'],
      [url, 'url.heapsnapshot'],
    ]) {
      const r = await runCli(['capture', '--inspect', target, '-o', join(dir, name), '--json']);
      assert.equal(r.code, 0, r.stderr);
      const result = JSON.parse(r.stdout) as CaptureResult;
      assert.equal(result.target.pid, child.pid);
      assert.equal(result.inspectorClosed, null, 'an inspector open before is left open');
      assert.ok(statSync(join(dir, name)).size > 0);
    }
    assert.equal(await listening(Number(hostPort.split(':')[1])), true);
    child.kill();
    const refused = await runCli(['capture', '--inspect', hostPort, '-o', join(dir, 'gone.heapsnapshot')]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^leakscan: no inspector at 127\.0\.0\.1:\d+: nothing listens there$/m);
  });

  for (const [signal, expected] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${signal} while --between runs: it is stopped, the inspector closed, nothing left, exit ${expected}`, async () => {
      const out = tempDir();
      const marker = join(out, 'between.pid');
      const child = spawn(
        process.execPath,
        [
          cli,
          'capture',
          '--pid',
          String(server.pid),
          '--count',
          '2',
          '--between',
          `echo $$ > ${JSON.stringify(marker)}; exec sleep 60`,
          '-o',
          join(out, 's.heapsnapshot'),
        ],
        { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      servers.push(child);
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      for (let i = 0; i < 200 && !existsSync(marker); i++) await sleep(50);
      assert.ok(existsSync(marker), 'the --between command started');
      await sleep(200);
      const betweenPid = Number(execFileSync('cat', [marker], { encoding: 'utf8' }).trim());
      assert.equal(await listening(INSPECTOR_PORT), true, 'the inspector is open mid-capture');
      child.kill(signal);
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      assert.equal(code, expected, stderr);
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0], new RegExp(`^leakscan: interrupted \\(${signal}\\)`));
      assert.equal(await listening(INSPECTOR_PORT), false, 'the inspector is closed');
      let betweenAlive = true;
      try {
        process.kill(betweenPid, 0);
      } catch {
        betweenAlive = false;
      }
      assert.equal(betweenAlive, false, 'the --between command was stopped');
      assert.deepEqual(readdirSync(out), ['between.pid'], 'no snapshot or temp file left');
      assert.match(await request(server.port), /^ok \d+/, 'the server keeps serving');
    });
  }
});
