// `leakscan test-server` as a library: start the user's server (no inspector:
// Node's --heapsnapshot-signal into a private --diagnostic-dir), wait until it
// is ready, load it in rounds with the user's load command, snapshot after
// each calm-down, stop the server and everything it started, and decide by
// the trend over the series (analysis/series.ts). Never prints or exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnalysisProgress } from './analysis/diff.js';
import type { LeakRule } from './analysis/leaks.js';
import { diffSeries, hasLeak } from './analysis/series.js';
import { runBetween } from './capture/between.js';
import { groupAlive, nodeOfGroup, residentSet } from './capture/proc.js';
import { snapshotBySignal } from './capture/signal.js';
import { LeakscanError } from './errors.js';
import { LineSplitter, sanitizeLine } from './runner/output.js';
import type { ServerRound, TestServerResult } from './types.js';

export type Readiness = { port: number } | { line: RegExp };

export interface TestServerOptions {
  /** Shell command that starts the server (node server.js, npm start). */
  server: string;
  /** Shell command that loads it once; must exit 0. */
  load: string;
  /** Rounds of load, a snapshot after each: rounds + 1 snapshots. */
  rounds: number;
  /** Rounds of load before the first snapshot (lazy caches, compiled code). */
  warmup: number;
  ready: Readiness;
  /** Pause after each round before its snapshot, ms: requests in flight finish, sockets close. */
  calmMs: number;
  /** The whole test with the server running, ms; then it is stopped and the test fails. */
  timeoutMs: number;
  /** Folder for the snapshots (created if missing). */
  outDir: string;
  rule: LeakRule;
  /** Classes listed besides the suspects. */
  top?: number;
  signal?: AbortSignal;
  onProgress?: (text: string) => void;
  /** A line the server or the load printed (control sequences removed). */
  onOutput?: (source: 'server' | 'load', line: string) => void;
  onAnalysisProgress?: (event: AnalysisProgress) => void;
}

const SNAPSHOT_SIGNAL = 'SIGUSR2';
/** After SIGTERM, how long the server's group may take to stop before SIGKILL. */
const KILL_GRACE_MS = 5000;
/** Poll period while waiting for a port to accept or a process group to be gone: neither sends an event. */
const POLL_MS = 50;
/** Server lines kept for the message when it exits early. */
const TAIL_LINES = 10;

/** A failure of the server, its load or its readiness: exit 2. */
export class ServerTestError extends LeakscanError {}

/** NODE_OPTIONS for every node the server command starts: the snapshot signal and the private folder. */
function nodeOptions(dir: string): string {
  const quoted = /[\s"\\]/.test(dir) ? JSON.stringify(dir) : dir;
  return [process.env.NODE_OPTIONS, `--heapsnapshot-signal=${SNAPSHOT_SIGNAL}`, `--diagnostic-dir=${quoted}`]
    .filter(Boolean)
    .join(' ');
}

interface Server {
  child: ChildProcess;
  /** Rejects (never resolves) when the server exits before it is stopped. */
  exited: Promise<never>;
  /** The server's last lines. */
  tail: string[];
  /** Lines of the server are matched against this while waiting for readiness. */
  onLine: ((line: string) => void) | null;
}

function startServer(command: string, dir: string, options: TestServerOptions): Server {
  const child = spawn(command, {
    shell: true,
    // Its own process group: stopping it stops what it started (npm → sh → node).
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: nodeOptions(dir) },
  });
  const server: Server = { child, exited: null as unknown as Promise<never>, tail: [], onLine: null };
  const lines = new LineSplitter((raw) => {
    const line = sanitizeLine(raw);
    server.tail.push(line);
    if (server.tail.length > TAIL_LINES) server.tail.shift();
    options.onOutput?.('server', line);
    server.onLine?.(line);
  });
  child.stdout!.setEncoding('utf8').on('data', (text: string) => lines.push(text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => lines.push(text));
  server.exited = new Promise<never>((_, reject) => {
    child.on('error', (err) => reject(new ServerTestError(`--server ${JSON.stringify(command)}: ${err.message}`)));
    child.on('close', (code, signal) => {
      lines.end();
      const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
      const tail = server.tail.length ? `; its last output:\n  ${server.tail.join('\n  ')}` : '';
      reject(new ServerTestError(`the server ${how}${tail}`));
    });
  });
  server.exited.catch(() => {});
  return server;
}

/** Resolves once the server is ready; with the port it listens on when known (LEAKSCAN_PORT for the load). */
async function waitUntilReady(server: Server, ready: Readiness, signal: AbortSignal): Promise<string | null> {
  if ('line' in ready) {
    return new Promise<string | null>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      server.onLine = (line) => {
        const match = ready.line.exec(line);
        if (!match) return;
        server.onLine = null;
        signal.removeEventListener('abort', onAbort);
        resolve(match.groups?.port ?? match[1] ?? null);
      };
    });
  }
  while (!(await accepts(ready.port))) await sleep(POLL_MS, undefined, { signal });
  return String(ready.port);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: 'localhost' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** SIGTERM to the server's group, SIGKILL to what is left after a grace period; resolves when the group is gone. */
async function stopServer(server: Server): Promise<void> {
  const group = server.child.pid;
  if (group === undefined) return;
  const send = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-group, signal);
    } catch {
      // gone already
    }
  };
  send('SIGTERM');
  for (const [signal, waitMs] of [
    ['SIGKILL', KILL_GRACE_MS],
    [null, KILL_GRACE_MS],
  ] as const) {
    const deadline = Date.now() + waitMs;
    while (groupAlive(group) && Date.now() < deadline) await sleep(POLL_MS);
    if (!groupAlive(group)) return;
    if (signal) send(signal);
  }
}

/** An AbortSignal that fires on the caller's signal, at the deadline, or when the server exits. */
function stopSignal(
  options: TestServerOptions,
  phase: () => string,
): { signal: AbortSignal; serverExited: (err: unknown) => void; dispose: () => void } {
  const controller = new AbortController();
  const seconds = Math.round(options.timeoutMs / 1000);
  const timer = setTimeout(
    () =>
      controller.abort(
        new ServerTestError(`timed out after ${seconds} s while ${phase()} (--timeout); the server was stopped`),
      ),
    options.timeoutMs,
  );
  const onAbort = (): void => controller.abort(options.signal!.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  return {
    signal: controller.signal,
    serverExited: (err) => controller.abort(err),
    dispose: () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** Starts, loads, snapshots and stops the server; then the trend over the series. */
export async function testServer(options: TestServerOptions): Promise<TestServerResult> {
  const started = Date.now();
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const files = Array.from({ length: options.rounds + 1 }, (_, i) =>
    join(outDir, `server-${stamp}.${i + 1}.heapsnapshot`),
  );
  // Private (0700): the snapshots the server writes land here before they are moved into place.
  const dir = await mkdtemp(join(tmpdir(), 'leakscan-server-'));
  let phase = 'starting the server';
  const stop = stopSignal(options, () => phase);
  const signal = stop.signal;
  let server: Server | null = null;
  const measured: { round: number; rss: number | null }[] = [];
  let pid = 0;
  try {
    server = startServer(options.server, dir, options);
    server.exited.catch((err: unknown) => stop.serverExited(err));
    phase = 'waiting for the server to be ready';
    options.onProgress?.('Waiting for the server to be ready');
    const port = await waitUntilReady(server, options.ready, signal);
    pid = nodeOfGroup(server.child.pid!, SNAPSHOT_SIGNAL, port);
    const env: Record<string, string> = {
      ...(port === null ? {} : { LEAKSCAN_PORT: port }),
      LEAKSCAN_SERVER_PID: String(pid),
    };
    const load = async (label: string): Promise<void> => {
      phase = `running the load (${label})`;
      options.onProgress?.(`Load: ${label}`);
      try {
        await runBetween(options.load, {
          signal,
          env,
          option: '--load',
          onOutput: (line) => options.onOutput?.('load', line),
        });
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        throw new ServerTestError(
          `${label}: ${(err as Error).message.replace(/; no further snapshot was taken$/, '')}`,
        );
      }
    };
    for (let w = 1; w <= options.warmup; w++) await load(`warm-up ${w} of ${options.warmup}`);
    for (let round = 0; round <= options.rounds; round++) {
      if (round > 0) await load(`round ${round} of ${options.rounds}`);
      phase = `calming down before snapshot ${round + 1}`;
      await sleep(options.calmMs, undefined, { signal });
      phase = `taking snapshot ${round + 1}`;
      options.onProgress?.(`Snapshot ${round + 1} of ${files.length}`);
      const rss = residentSet(pid);
      await snapshotBySignal(pid, files[round], { signal: SNAPSHOT_SIGNAL, abort: signal });
      measured.push({ round, rss });
    }
  } catch (err) {
    // A series cut short decides nothing: its snapshots go.
    await Promise.all(files.map((file) => unlink(file).catch(() => {})));
    // A wait ended by the signal rejects with an AbortError: the reason says what happened.
    if (signal.aborted) throw signal.reason;
    throw err;
  } finally {
    stop.dispose();
    if (server) {
      options.onProgress?.('Stopping the server');
      await stopServer(server);
    }
    await rm(dir, { recursive: true, force: true });
  }
  const diff = await diffSeries(files, {
    rule: options.rule,
    top: options.top,
    onProgress: options.onAnalysisProgress,
  });
  // Ctrl-C during the analysis: the server is stopped already; the snapshots go, nothing is reported.
  if (options.signal?.aborted) {
    await Promise.all(files.map((file) => unlink(file).catch(() => {})));
    throw options.signal.reason;
  }
  const snapshots = diff.trend!.snapshots;
  const rounds: ServerRound[] = measured.map((m, i) => ({
    round: m.round,
    snapshot: files[i],
    rss: m.rss,
    heapUsed: snapshots[i].reachableSize,
  }));
  return {
    server: options.server,
    load: options.load,
    pid,
    warmup: options.warmup,
    calmMs: options.calmMs,
    rounds,
    diff,
    status: hasLeak(diff) ? 'leak' : 'no-leak',
    durationMs: Date.now() - started,
  };
}
