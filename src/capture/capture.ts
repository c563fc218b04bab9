// Snapshots of a running process, all taken in one inspector session: V8
// clears its object ids when the last session ends, so only snapshots of one
// session can be diffed. Between two snapshots: a pause, a command (a load
// generator), or a signal from the user; a GC before each.
import { lstat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureError, InterruptedError, LeakscanError } from '../errors.js';
import type { CaptureResult } from '../types.js';
import { runBetween } from './between.js';
import { type Connection, closeConnection, openAddress, openProcess, processAlive } from './inspector.js';
import { existsError, type SnapshotProgress, takeSnapshot } from './snapshot.js';
import { describeAddress } from './target.js';

export type CaptureProgress =
  | { kind: 'connect' }
  | { kind: 'snapshot'; index: number; count: number; progress: SnapshotProgress }
  | { kind: 'wait'; index: number; count: number; trigger: 'interval' | 'between' | 'user' };

export interface CaptureOptions {
  /** A Node process to open the inspector of (POSIX). One of pid and inspect. */
  pid?: number;
  /** An inspector that is open: HOST:PORT or a ws:// URL. */
  inspect?: string;
  /** Snapshot files, in order (snapshotFiles). */
  files: string[];
  /** How long the process may take to open its inspector after SIGUSR1, ms (default 10 s). */
  openTimeoutMs?: number;
  /** Pause before each snapshot after the first, ms. */
  intervalMs?: number;
  /** A shell command run (and waited for) before each snapshot after the first. */
  between?: string;
  /** Resolves when the user asks for the next snapshot (Enter, a signal). */
  waitForUser?: (index: number, signal: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  onProgress?: (event: CaptureProgress) => void;
  /** A line the --between command printed (control sequences removed). */
  onOutput?: (line: string) => void;
  /** The session is open: called once, before the first snapshot. */
  onConnected?: (target: CaptureResult['target']) => void;
}

/** `NAME.heapsnapshot` → `NAME.1.heapsnapshot`, … (`.gz` kept last); one file keeps its name. */
export function snapshotFiles(output: string, count: number): string[] {
  if (count === 1) return [output];
  const match = /^(.*?)((?:\.heapsnapshot)?(?:\.gz)?)$/.exec(output)!;
  return Array.from({ length: count }, (_, i) => `${match[1]}.${i + 1}${match[2]}`);
}

async function refuseExisting(files: string[]): Promise<void> {
  for (const file of files) {
    const taken = await lstat(file).then(
      () => true,
      () => false,
    );
    if (taken) throw existsError(file);
  }
}

export async function captureSnapshots(options: CaptureOptions): Promise<Omit<CaptureResult, 'diff'>> {
  const { files } = options;
  await refuseExisting(files);
  const signal = options.signal ?? new AbortController().signal;
  signal.throwIfAborted();
  options.onProgress?.({ kind: 'connect' });
  const connection: Connection =
    options.pid !== undefined
      ? await openProcess(options.pid, { signal, openTimeoutMs: options.openTimeoutMs })
      : await openAddress(options.inspect!);
  // Closed once, whoever gets there first: the end of the work, or a signal mid-snapshot.
  let closing: Promise<boolean | null> | null = null;
  const close = (): Promise<boolean | null> => {
    closing ??= closeConnection(connection);
    return closing;
  };
  const onAbort = (): void => void close();
  signal.addEventListener('abort', onAbort, { once: true });
  const target: CaptureResult['target'] = {
    pid: connection.pid,
    type: connection.target.type,
    title: connection.target.title,
    url: connection.target.url,
    inspector: connection.address ? describeAddress(connection.address) : connection.session.url,
  };
  const snapshots: CaptureResult['snapshots'] = [];
  let stage = 'while the session started';
  try {
    if (signal.aborted) throw signal.reason;
    options.onConnected?.(target);
    const session = connection.session;
    await session.send('HeapProfiler.enable');
    for (let i = 0; i < files.length; i++) {
      const index = i + 1;
      if (i > 0) {
        stage = `while waiting for snapshot ${index} of ${files.length}`;
        await waitForNext(options, index, signal, session.closed);
      }
      stage = `during snapshot ${index} of ${files.length}`;
      options.onProgress?.({ kind: 'snapshot', index, count: files.length, progress: { phase: 'gc' } });
      await session.send('HeapProfiler.collectGarbage');
      const bytes = await takeSnapshot(session, files[i], (progress) =>
        options.onProgress?.({ kind: 'snapshot', index, count: files.length, progress }),
      );
      snapshots.push({ path: files[i], bytes, takenAt: new Date().toISOString() });
    }
  } catch (err) {
    const sessionWasOpen = connection.session.isOpen;
    const closed = await close();
    // A set of snapshots is one result (they are meant to be diffed together): all or nothing.
    await Promise.all(snapshots.map((s) => unlink(s.path).catch(() => {})));
    if (signal.aborted) throw interrupted(signal.reason, connection, closed);
    throw explain(err, connection, stage, sessionWasOpen);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  const inspectorClosed = await close();
  return { target, snapshots, inspectorClosed };
}

/** Waits for the trigger of the next snapshot; fails when the session ends meanwhile. */
async function waitForNext(
  options: CaptureOptions,
  index: number,
  signal: AbortSignal,
  sessionClosed: Promise<void>,
): Promise<void> {
  const count = options.files.length;
  const ended = sessionClosed.then(() => new CaptureError('the session ended'));
  const local = new AbortController();
  const both = AbortSignal.any([signal, local.signal]);
  let wait: Promise<void> = Promise.resolve();
  try {
    if (options.between !== undefined) {
      options.onProgress?.({ kind: 'wait', index, count, trigger: 'between' });
      wait = runBetween(options.between, { signal: both, onOutput: options.onOutput });
    } else if (options.intervalMs !== undefined) {
      options.onProgress?.({ kind: 'wait', index, count, trigger: 'interval' });
      wait = sleep(options.intervalMs, undefined, { signal: both });
    } else if (options.waitForUser) {
      options.onProgress?.({ kind: 'wait', index, count, trigger: 'user' });
      wait = options.waitForUser(index, both);
    }
    const winner = await Promise.race([wait.then(() => null), ended]);
    if (winner) throw winner;
  } finally {
    // The loser of the race is stopped (a --between command killed) and settles before we go on.
    local.abort(new CaptureError('the session ended'));
    await wait.catch(() => {});
  }
}

/** One line about what went wrong: the process exited, the connection dropped. */
function explain(err: unknown, connection: Connection, stage: string, sessionWasOpen: boolean): unknown {
  const pid = connection.pid;
  if (pid !== null && !processAlive(pid)) {
    return new CaptureError(`process ${pid} exited ${stage}; no snapshot was kept`, undefined, { cause: err });
  }
  if (!sessionWasOpen && (err instanceof CaptureError || !(err instanceof LeakscanError))) {
    return new CaptureError(`${connection.session.reason} ${stage}; no snapshot was kept`, undefined, { cause: err });
  }
  return err;
}

/** The interruption, saying what became of the inspector: closed, or left to the watchdog while the process is busy. */
function interrupted(reason: unknown, connection: Connection, closed: boolean | null): unknown {
  if (!(reason instanceof InterruptedError)) return reason;
  const files = '--between stopped, partial files removed';
  if (closed === false) {
    return new InterruptedError(
      reason.signal,
      `the session was closed, ${files}; process ${connection.pid} is busy (in a snapshot?) and its inspector still listens: the watchdog (pid ${connection.watchdog?.pid}) closes it as soon as the process answers`,
    );
  }
  const what =
    closed === null
      ? 'the session was closed (the inspector was open before and stays open)'
      : 'the session and the inspector were closed';
  return new InterruptedError(reason.signal, `${what}, ${files}`);
}
