// The routes of `leakscan capture --pid` beside the inspector: leakscan's agent
// (--require) and --heapsnapshot-signal, which open no port; what capture says
// when no route is open, when another DevTools client leaves mid-capture, and
// when --between fails. No fixed port: a server's inspector port is one this
// test holds, or found free.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { agentDirectories, unsafeDirectory, unsafeSocket } from '../src/capture/agent-socket.cjs';
import { flagValue } from '../src/capture/proc.js';
import type { CaptureResult } from '../src/types.js';
import { fixture, freePort, root, runCli, tempDir } from './helpers.js';

const AGENT = join(root, 'dist/src/agent.cjs');

interface Server {
  child: ChildProcess;
  pid: number;
  port: number;
  stderr: () => string;
}

const children: ChildProcess[] = [];
const holders: NetServer[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const holder of holders) holder.close();
});

/** The fixture server (a LeakedRequest kept per request) with `flags`; resolves when it listens. */
async function startServer(flags: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Server> {
  const child = spawn(process.execPath, [...flags, fixture('capture-server.cjs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
  children.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').once('data', (text: string) => resolve(Number(text.trim())));
    child.once('exit', () => reject(new Error(`the server exited: ${stderr}`)));
  });
  return { child, pid: child.pid!, port, stderr: () => stderr };
}

/** A port this test listens on (so nothing else can), and the server holding it. */
async function holdPort(): Promise<number> {
  const holder = createServer();
  holders.push(holder);
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  return (holder.address() as { port: number }).port;
}

/** The TCP ports `pid` listens on: its socket inodes matched with /proc/net/tcp{,6} in state LISTEN. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && inodes.has(fields[9])) ports.push(Number.parseInt(fields[1].split(':')[1], 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

const load = (port: number, count: number): string =>
  `${JSON.stringify(process.execPath)} ${JSON.stringify(fixture('capture-load.cjs'))} ${port} ${count}`;

function leaked(result: CaptureResult): { added: number; suspect: boolean } | undefined {
  return result.diff?.classes.find((c) => c.name === 'LeakedRequest');
}

describe('capture routes', { concurrency: 1 }, () => {
  const dir = tempDir();

  test('the agent: a series of 2 that diffs by id while the inspector port is taken, and no port opened', async () => {
    const held = await holdPort();
    const server = await startServer(['--require', AGENT, `--inspect-port=${held}`]);
    const output = join(dir, 'agent.heapsnapshot');
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
    const result = JSON.parse(r.stdout) as CaptureResult;
    assert.equal(result.target.route, 'agent');
    assert.equal(result.target.pid, server.pid);
    assert.equal(result.inspectorClosed, null);
    const socket = lstatSync(result.target.inspector);
    assert.ok(socket.isSocket(), 'the route names the agent socket');
    assert.equal(socket.mode & 0o777, 0o600);
    const folder = lstatSync(join(result.target.inspector, '..'));
    assert.equal(folder.mode & 0o777, 0o700);
    assert.equal(folder.uid, process.getuid!());

    const found = leaked(result);
    assert.equal(found?.added, 300, 'the series diffs by id: exactly the requests of the load');
    assert.equal(found?.suspect, true);
    for (const s of result.snapshots) assert.equal(statSync(s.path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).sort(), ['agent.1.heapsnapshot', 'agent.2.heapsnapshot'], 'no temp file left');
    assert.deepEqual(
      listeningPorts(server.pid),
      [server.port],
      'no inspector port was opened: only the server listens',
    );
    assert.doesNotMatch(server.stderr(), /Debugger listening/);

    const text = await runCli(['capture', '--pid', String(server.pid), '-o', join(dir, 'agent-text.heapsnapshot')]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(
        `^Captured process ${server.pid} .*through its leakscan agent \\(.*${server.pid}\\.sock\\); no inspector and no port were opened$`,
        'm',
      ),
    );

    const failed = await runCli([
      'capture',
      '--pid',
      String(server.pid),
      '--count',
      '2',
      '--between',
      'exit 3',
      '-o',
      join(dir, 'agent-between.heapsnapshot'),
    ]);
    assert.equal(failed.code, 2, failed.stderr);
    assert.equal(
      failed.stderr,
      'leakscan: --between "exit 3" exited with code 3 before snapshot 2 of 2; the capture kept nothing\n',
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('agent-between') || f.includes('.tmp-')),
      [],
      'the first snapshot was removed',
    );
  });

  test('no route open (the port taken, no agent, no signal): the error names each route and its flag', async () => {
    const held = await holdPort();
    const server = await startServer([`--inspect-port=${held}`]);
    const r = await runCli(['capture', '--pid', String(server.pid), '-o', join(dir, 'none.heapsnapshot')]);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], new RegExp(`127\\.0\\.0\\.1:${held} is taken`));
    assert.match(lines[0], /--require leakscan\/agent/);
    assert.match(lines[0], /--heapsnapshot-signal=SIGUSR2/);
    assert.match(lines[0], /--inspect-port=PORT/);
    assert.equal(existsSync(join(dir, 'none.heapsnapshot')), false);
  });

  test('the agent keeps no process alive and removes its socket when the process exits', async () => {
    const child = spawn(process.execPath, ['--require', AGENT, '-e', 'setTimeout(() => {}, 200)'], {
      stdio: 'ignore',
    });
    children.push(child);
    const pid = child.pid!;
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
    const sockets = [join(process.env.TMPDIR || '/tmp', `leakscan-${process.getuid!()}`)]
      .concat(process.env.XDG_RUNTIME_DIR ? [join(process.env.XDG_RUNTIME_DIR, 'leakscan')] : [])
      .map((folder) => join(folder, `${pid}.sock`));
    for (const socket of sockets) assert.equal(existsSync(socket), false, `${socket} removed`);
  });

  test('the agent refuses a folder other users can write, and capture does not use it', async () => {
    const tmp = tempDir();
    const open = join(tmp, `leakscan-${process.getuid!()}`);
    mkdirSync(open);
    chmodSync(open, 0o777);
    const env = { TMPDIR: tmp, XDG_RUNTIME_DIR: '' };
    const child = spawn(process.execPath, ['--require', AGENT, '-e', 'setTimeout(() => {}, 100)'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    });
    children.push(child);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    await new Promise((resolve) => child.once('exit', resolve));
    assert.match(stderr, /^leakscan agent: not listening: .* is open to other users \(mode 777\)$/m);
    assert.deepEqual(readdirSync(open), [], 'no socket there');
  });

  test('--heapsnapshot-signal: a series of 3 that diffs by id, no inspector, no port, nothing left behind', async () => {
    const work = tempDir();
    const diagnostics = join(work, 'diag');
    mkdirSync(diagnostics);
    const server = await startServer([], {
      cwd: work,
      env: { NODE_OPTIONS: '--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=diag' },
    });
    const output = join(dir, 'signal.heapsnapshot');
    const r = await runCli([
      'capture',
      '--pid',
      String(server.pid),
      '--signal',
      '--count',
      '3',
      '--final',
      '--between',
      load(server.port, 150),
      '-o',
      output,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as CaptureResult;
    assert.equal(result.target.route, 'signal');
    assert.equal(result.target.inspector, 'SIGUSR2');
    assert.deepEqual(
      result.snapshots.map((s) => s.path),
      [1, 2, 3].map((i) => join(dir, `signal.${i}.heapsnapshot`)),
    );
    for (const s of result.snapshots) assert.equal(statSync(s.path).mode & 0o777, 0o600);
    // Three snapshots: the objects new in the second that are still there in the third.
    const found = leaked(result);
    assert.equal(found?.added, 150, 'the series diffs by id: the requests of the first load, kept');
    assert.equal(found?.suspect, true);
    assert.deepEqual(readdirSync(diagnostics), [], "Node's snapshot files were moved out");
    assert.deepEqual(listeningPorts(server.pid), [server.port], 'no inspector port was opened');
    assert.doesNotMatch(server.stderr(), /Debugger listening/);

    const wrong = await runCli(['capture', '--pid', String(server.pid), '--signal', 'SIGUSR1', '-o', join(dir, 'w')]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /takes snapshots on SIGUSR2 \(--heapsnapshot-signal\), not SIGUSR1/);
    const plain = await startServer([]);
    const none = await runCli(['capture', '--pid', String(plain.pid), '--signal', '-o', join(dir, 'n')]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /was not started with --heapsnapshot-signal/);
    assert.equal(plain.child.exitCode, null, 'no signal was sent');
  });

  describe('the inspector route', { concurrency: 1 }, () => {
    test('another DevTools client attaches and leaves mid-capture: one line saying so, advice that works, nothing kept', async () => {
      const port = await freePort();
      const server = await startServer([`--inspect-port=${port}`]);
      const attach = `${JSON.stringify(process.execPath)} ${JSON.stringify(fixture('capture-attach.cjs'))} ${port}`;
      const output = join(dir, 'attached.heapsnapshot');
      const r = await runCli([
        'capture',
        '--pid',
        String(server.pid),
        '--count',
        '2',
        '--between',
        attach,
        '-o',
        output,
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^\[between\] attached and left$/m, 'the other client did attach');
      const lines = r.stderr
        .trimEnd()
        .split('\n')
        .filter((line) => !line.startsWith('[between]'));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(
        lines[0],
        new RegExp(
          `^leakscan: another DevTools client attached to process ${server.pid} during the capture; its detach renumbers V8's objects`,
        ),
      );
      assert.match(lines[0], /--require leakscan\/agent/);
      assert.doesNotMatch(lines[0], /--count 2/, 'not the command just run');
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.startsWith('attached') || f.includes('.tmp-')),
        [],
      );
    });

    test('--between "exit 3": its exit code and that nothing was kept, exit 2', async () => {
      const port = await freePort();
      const server = await startServer([`--inspect-port=${port}`]);
      const r = await runCli([
        'capture',
        '--pid',
        String(server.pid),
        '--count',
        '2',
        '--between',
        'exit 3',
        '-o',
        join(dir, 'between.heapsnapshot'),
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(
        r.stderr,
        'leakscan: --between "exit 3" exited with code 3 before snapshot 2 of 2; the capture kept nothing\n',
      );
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.startsWith('between') || f.includes('.tmp-')),
        [],
      );
      const killed = await runCli([
        'capture',
        '--pid',
        String(server.pid),
        '--count',
        '2',
        '--between',
        'kill -TERM $$',
        '-o',
        join(dir, 'between.heapsnapshot'),
      ]);
      assert.equal(killed.code, 2, killed.stderr);
      assert.match(
        killed.stderr,
        /^leakscan: --between "kill -TERM \$\$" was killed by SIGTERM before snapshot 2 of 2; the capture kept nothing\n$/,
      );
    });
  });
});

describe('agent folders and Node flags', () => {
  test('a folder for sockets must be ours, real and closed to others', () => {
    const base = tempDir();
    const good = join(base, 'good');
    mkdirSync(good, { mode: 0o700 });
    assert.equal(unsafeDirectory(good), null);
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o770);
    assert.match(unsafeDirectory(open) ?? '', /open to other users \(mode 770\)/);
    const link = join(base, 'link');
    symlinkSync(good, link);
    assert.match(unsafeDirectory(link) ?? '', /is a symbolic link/);
    assert.match(unsafeDirectory(good, (process.getuid?.() ?? 0) + 1) ?? '', /belongs to uid/);
    const file = join(good, '1.sock');
    writeFileSync(file, '');
    assert.match(unsafeSocket(file) ?? '', /is not a socket/);
  });

  test("the folders follow the target's environment: its runtime folder first, else its temp folder", () => {
    assert.deepEqual(agentDirectories({ XDG_RUNTIME_DIR: '/run/user/7', TMPDIR: '/var/tmp/' }, 7), [
      '/run/user/7/leakscan',
      '/var/tmp/leakscan-7',
    ]);
    assert.deepEqual(agentDirectories({}, 7), ['/tmp/leakscan-7']);
    assert.deepEqual(agentDirectories({ XDG_RUNTIME_DIR: 'relative' }, 7), ['/tmp/leakscan-7']);
  });

  test('flags as Node reads them: --name=value or --name value, the last wins, none after --', () => {
    assert.equal(flagValue(['node', '--heapsnapshot-signal=SIGUSR2', 'a.js'], '--heapsnapshot-signal'), 'SIGUSR2');
    assert.equal(flagValue(['node', '--heapsnapshot-signal', 'SIGUSR1', 'a.js'], '--heapsnapshot-signal'), 'SIGUSR1');
    assert.equal(flagValue(['--diagnostic-dir=a', '--diagnostic-dir=b'], '--diagnostic-dir'), 'b');
    assert.equal(flagValue(['node', '--', '--heapsnapshot-signal=SIGUSR2'], '--heapsnapshot-signal'), null);
    assert.equal(flagValue(['node', '--heapsnapshot-signals=SIGUSR2'], '--heapsnapshot-signal'), null);
  });
});
