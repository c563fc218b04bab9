// Snapshots of a running process. On the inspector route they are all taken
// in one inspector session: V8 clears its object ids when the last session
// ends, so only snapshots of one session can be diffed. The agent and the
// signal (routes.ts) open no session at all. Between two snapshots: a pause,
// a command (a load generator), or a signal from the user; a GC before each.
import { unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureError, InterruptedError, LeakscanError, TwoSessionsError } from '../errors.js';
import { refuseExisting, refuseUnwritableFolder } from '../files.js';
import type { CaptureResult } from '../types.js';
import { BetweenError, runBetween } from './between.js';
import {
  type Connection,
  checkNotLauncher,
  checkProcess,
  closeConnection,
  nodeChildren,
  openAddress,
  openProcess,
  processAlive,
} from './inspector.js';
import { type KeepAliveEndpoint, startKeepAlive } from './keep-alive.js';
import { checkOwnProcess } from './proc.js';
import { IdWatch, RenumberedError, type Renumbering, renumberedError } from './renumbering.js';
import { openPortlessRoute, otherRoutes, type PortlessRoute } from './routes.js';
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
  /** Take the snapshots with the process's --heapsnapshot-signal (pid only); `signal`: the one to send. */
  bySignal?: { signal?: NodeJS.Signals };
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

/** A result with the Node processes its process runs (CaptureResult.target.childProcesses), when it has any. */
function withChildren<T extends Omit<CaptureResult, 'diff'>>(result: T): T {
  const children = result.target.pid === null ? [] : nodeChildren(result.target.pid);
  return children.length === 0 ? result : { ...result, target: { ...result.target, childProcesses: children } };
}

/** `NAME.heapsnapshot` → `NAME.1.heapsnapshot`, … (`.gz` kept last); one file keeps its name. */
export function snapshotFiles(output: string, count: number): string[] {
  if (count === 1) return [output];
  const match = /^(.*?)((?:\.heapsnapshot)?(?:\.gz)?)$/.exec(output)!;
  return Array.from({ length: count }, (_, i) => `${match[1]}.${i + 1}${match[2]}`);
}

export async function captureSnapshots(options: CaptureOptions): Promise<Omit<CaptureResult, 'diff'>> {
  const { files } = options;
  for (const file of files) await refuseExisting(file, { taken: existsError });
  // A folder that is missing or read-only, before the process's inspector is opened for nothing.
  for (const file of files) await refuseUnwritableFolder(file);
  const signal = options.signal ?? new AbortController().signal;
  signal.throwIfAborted();
  options.onProgress?.({ kind: 'connect' });
  if (options.pid !== undefined) {
    checkOwnProcess(options.pid);
    checkNotLauncher(options.pid);
    const route = await openPortlessRoute(options.pid, options.bySignal);
    if (route) return withChildren(await capturePortless(options.pid, route, options, signal));
  }
  const connection: Connection =
    options.pid !== undefined
      ? await openInspector(options.pid, signal, options.openTimeoutMs)
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
    route: 'inspector',
    type: connection.target.type,
    title: connection.target.title,
    url: connection.target.url,
    inspector: connection.address ? describeAddress(connection.address) : connection.session.url,
  };
  const snapshots: CaptureResult['snapshots'] = [];
  let stage = 'while the session started';
  let keepAlive: KeepAliveEndpoint | null = null;
  try {
    if (signal.aborted) throw signal.reason;
    // The --between command's own DevTools clients connect through it, so their sessions outlive them.
    if (options.between !== undefined && files.length > 1 && connection.address)
      keepAlive = await startKeepAlive(connection.address);
    options.onConnected?.(target);
    const session = connection.session;
    await session.send('HeapProfiler.enable');
    const ids = new IdWatch(session);
    for (let i = 0; i < files.length; i++) {
      const index = i + 1;
      if (i > 0) {
        stage = `while waiting for snapshot ${index} of ${files.length}`;
        await waitForNext(options, index, signal, session.closed, keepAlive);
        const before = await ids.clearedBefore();
        if (before) throw renumbered(options, connection, before);
      }
      stage = `during snapshot ${index} of ${files.length}`;
      options.onProgress?.({ kind: 'snapshot', index, count: files.length, progress: { phase: 'gc' } });
      await session.send('HeapProfiler.collectGarbage');
      const bytes = await takeSnapshot(session, files[i], (progress) =>
        options.onProgress?.({ kind: 'snapshot', index, count: files.length, progress }),
      );
      snapshots.push({ path: files[i], bytes, takenAt: new Date().toISOString() });
      if (i === 0) await ids.start();
      else {
        const during = await ids.clearedDuring();
        if (during) throw renumbered(options, connection, during);
      }
    }
  } catch (err) {
    const sessionWasOpen = connection.session.isOpen;
    // Explained while the session is still open: closing it must not pass for the cause.
    const explained = explain(err, connection, stage, sessionWasOpen);
    await keepAlive?.close();
    const closed = await close();
    // A set of snapshots is one result (they are meant to be diffed together): all or nothing.
    await Promise.all(snapshots.map((s) => unlink(s.path).catch(() => {})));
    if (signal.aborted) throw interrupted(signal.reason, connection, closed);
    throw explained;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  await keepAlive?.close();
  const inspectorClosed = await close();
  return withChildren({ target, snapshots, inspectorClosed });
}

/** Waits for the trigger of the next snapshot; fails when the session ends meanwhile. */
async function waitForNext(
  options: CaptureOptions,
  index: number,
  signal: AbortSignal,
  sessionClosed: Promise<void>,
  keepAlive: KeepAliveEndpoint | null = null,
): Promise<void> {
  const count = options.files.length;
  const ended = sessionClosed.then(() => new CaptureError('the session ended'));
  const local = new AbortController();
  const both = AbortSignal.any([signal, local.signal]);
  let wait: Promise<void> = Promise.resolve();
  try {
    if (options.between !== undefined) {
      options.onProgress?.({ kind: 'wait', index, count, trigger: 'between' });
      wait = runBetween(options.between, {
        signal: both,
        onOutput: options.onOutput,
        ...(keepAlive ? { env: { [BROWSER_URL_VARIABLE]: keepAlive.url } } : {}),
      });
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
  if (err instanceof BetweenError) return betweenFailed(err, stage);
  if (err instanceof RenumberedError || err instanceof TwoSessionsError) return err;
  if (!sessionWasOpen && (err instanceof CaptureError || !(err instanceof LeakscanError))) {
    return new CaptureError(`${connection.session.reason} ${stage}; no snapshot was kept`, undefined, { cause: err });
  }
  return err;
}

/**
 * The --between command's DevTools endpoint (keep-alive.ts): `http://127.0.0.1:PORT`,
 * for `puppeteer.connect({ browserURL: process.env.LEAKSCAN_BROWSER_URL })`.
 */
export const BROWSER_URL_VARIABLE = 'LEAKSCAN_BROWSER_URL';

/**
 * What happened when V8 numbered the heap anew during the capture, and what works instead: a Node
 * process has routes without a session (renumbering.ts); a page has leakscan's keep-alive endpoint.
 */
function renumbered(options: CaptureOptions, connection: Connection, ids: Renumbering): LeakscanError {
  if (connection.pid !== null) return renumberedError(connection.pid);
  const during =
    options.between !== undefined ? `while --between ${JSON.stringify(options.between)} ran` : 'between the snapshots';
  const what =
    ids.after === '0'
      ? `its global object was @${ids.before} and has no id any more`
      : `its global object was @${ids.before} and is now @${ids.after}`;
  return new TwoSessionsError(
    `V8 numbered the page's objects anew ${during} (${what}): another DevTools session of the page ended meanwhile (a client the command connected and disconnected, such as puppeteer.connect … browser.disconnect(), or DevTools closing), and V8 clears its object ids whenever one ends, even while leakscan's session stays open; snapshots on either side cannot be matched by id, so none was kept. Connect the command's client through leakscan instead, which keeps its sessions open until the capture is over (puppeteer.connect({ browserURL: process.env.${BROWSER_URL_VARIABLE} })), or drive the page with leakscan run and a page scenario (one session), or take the snapshots from your own client's session (HeapProfiler.takeHeapSnapshot) and give them to leakscan diff`,
  );
}

/** The inspector route; when it is closed (its port taken, no SIGUSR1), the error names the routes that need no port. */
async function openInspector(pid: number, signal: AbortSignal, openTimeoutMs: number | undefined): Promise<Connection> {
  // Its refusals (not Node, --disable-sigusr1) are about the process, not the route: said as they are.
  checkProcess(pid);
  try {
    return await openProcess(pid, { signal, openTimeoutMs });
  } catch (err) {
    if (signal.aborted || !(err instanceof CaptureError) || !processAlive(pid)) throw err;
    throw new CaptureError(`${err.message}; ${otherRoutes(pid)}`, undefined, { cause: err });
  }
}

function betweenFailed(err: BetweenError, stage: string): CaptureError {
  const when = stage.replace(/^while waiting for/, 'before');
  return new CaptureError(`${err.message} ${when}; the capture kept nothing`, undefined, { cause: err });
}

/** The snapshots through a route that needs no port (the agent, the signal): no session, nothing to close but the route. */
async function capturePortless(
  pid: number,
  route: PortlessRoute,
  options: CaptureOptions,
  signal: AbortSignal,
): Promise<Omit<CaptureResult, 'diff'>> {
  const { files } = options;
  const target: CaptureResult['target'] = {
    pid,
    route: route.kind,
    type: 'node',
    title: route.title,
    url: '',
    inspector: route.via,
  };
  const snapshots: CaptureResult['snapshots'] = [];
  let stage = 'while the route opened';
  // Ctrl-C mid-snapshot: the agent's connection closes, and the temp file with it.
  const onAbort = (): void => route.close();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    options.onConnected?.(target);
    for (let i = 0; i < files.length; i++) {
      const index = i + 1;
      if (i > 0) {
        stage = `while waiting for snapshot ${index} of ${files.length}`;
        await waitForNext(options, index, signal, route.ended);
      }
      stage = `during snapshot ${index} of ${files.length}`;
      signal.throwIfAborted();
      const bytes = await route.take(
        files[i],
        (progress) => options.onProgress?.({ kind: 'snapshot', index, count: files.length, progress }),
        signal,
      );
      snapshots.push({ path: files[i], bytes, takenAt: new Date().toISOString() });
    }
  } catch (err) {
    await Promise.all(snapshots.map((s) => unlink(s.path).catch(() => {})));
    if (signal.aborted) throw signal.reason;
    if (!processAlive(pid)) {
      throw new CaptureError(`process ${pid} exited ${stage}; no snapshot was kept`, undefined, { cause: err });
    }
    if (err instanceof BetweenError) throw betweenFailed(err, stage);
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    route.close();
  }
  return { target, snapshots, inspectorClosed: null };
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
