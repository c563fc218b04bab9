// Snapshots of a running process, all taken in one inspector session: V8
// clears its object ids when the last session ends, so only snapshots of one
// session can be diffed. Between two snapshots: a pause, a command (a load
// generator), or a signal from the user; a GC before each.
import { lstat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureError, LeakscanError, TwoSessionsError } from '../errors.js';
import type { CaptureResult } from '../types.js';
import { runBetween } from './between.js';
import type { CdpSession } from './cdp.js';
import { type Connection, closeConnection, openAddress, openProcess, processAlive } from './inspector.js';
import { type KeepAliveEndpoint, startKeepAlive } from './keep-alive.js';
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
    options.pid !== undefined ? await openProcess(options.pid, signal) : await openAddress(options.inspect!);
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
  let keepAlive: KeepAliveEndpoint | null = null;
  try {
    if (signal.aborted) throw signal.reason;
    // The --between command's own DevTools clients connect through it, so their sessions outlive them.
    if (options.between !== undefined && files.length > 1 && connection.address)
      keepAlive = await startKeepAlive(connection.address);
    options.onConnected?.(target);
    const session = connection.session;
    await session.send('HeapProfiler.enable');
    for (let i = 0; i < files.length; i++) {
      const index = i + 1;
      if (i > 0) {
        stage = `while waiting for snapshot ${index} of ${files.length}`;
        const probe = await heldObject(session);
        try {
          await waitForNext(options, index, signal, session.closed, keepAlive);
          const idAfter = probe && (await heapObjectId(session, probe.objectId));
          if (probe && idAfter !== null && idAfter !== probe.id)
            throw renumbered(options, connection, probe.id, idAfter);
        } finally {
          if (probe && session.isOpen)
            await session.send('Runtime.releaseObjectGroup', { objectGroup: PROBE_GROUP }).catch(() => {});
        }
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
    await keepAlive?.close();
    await close();
    // A set of snapshots is one result (they are meant to be diffed together): all or nothing.
    await Promise.all(snapshots.map((s) => unlink(s.path).catch(() => {})));
    if (signal.aborted) throw signal.reason;
    throw explain(err, connection, stage);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  await keepAlive?.close();
  const inspectorClosed = await close();
  return { target, snapshots, inspectorClosed };
}

/** Waits for the trigger of the next snapshot; fails when the session ends meanwhile. */
async function waitForNext(
  options: CaptureOptions,
  index: number,
  signal: AbortSignal,
  sessionClosed: Promise<void>,
  keepAlive: KeepAliveEndpoint | null,
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
function explain(err: unknown, connection: Connection, stage: string): unknown {
  const pid = connection.pid;
  if (pid !== null && !processAlive(pid)) {
    return new CaptureError(`process ${pid} exited ${stage}; no snapshot was kept`, undefined, { cause: err });
  }
  if (!connection.session.isOpen && (err instanceof CaptureError || !(err instanceof LeakscanError))) {
    return new CaptureError(`${connection.session.reason} ${stage}; no snapshot was kept`, undefined, { cause: err });
  }
  return err;
}

const PROBE_GROUP = 'leakscan-capture';

/**
 * The --between command's DevTools endpoint (keep-alive.ts): `http://127.0.0.1:PORT`,
 * for `puppeteer.connect({ browserURL: process.env.LEAKSCAN_BROWSER_URL })`.
 */
export const BROWSER_URL_VARIABLE = 'LEAKSCAN_BROWSER_URL';

/**
 * The target's global object, held by leakscan's session across a wait, and
 * its V8 heap id; null when the target cannot say. The same object with
 * another id (0: none) after the wait means V8 cleared its ids, as it does
 * when any inspector session of the target ends, and numbers the heap anew.
 * A page that navigated meanwhile has no such object any more: no answer.
 */
async function heldObject(session: CdpSession): Promise<{ objectId: string; id: number } | null> {
  try {
    const evaluated = await session.send('Runtime.evaluate', { expression: 'globalThis', objectGroup: PROBE_GROUP });
    const objectId = (evaluated.result as { objectId?: unknown } | undefined)?.objectId;
    if (typeof objectId !== 'string') return null;
    const id = await heapObjectId(session, objectId);
    return id === null ? null : { objectId, id };
  } catch (err) {
    if (!session.isOpen) throw err;
    return null;
  }
}

/** HeapProfiler.getHeapObjectId of a remote object: 0 when V8 has not numbered it; null when the target cannot say. */
async function heapObjectId(session: CdpSession, objectId: string): Promise<number | null> {
  try {
    const { heapSnapshotObjectId } = await session.send('HeapProfiler.getHeapObjectId', { objectId });
    const id = Number(heapSnapshotObjectId);
    return Number.isFinite(id) ? id : null;
  } catch (err) {
    if (!session.isOpen) throw err;
    return null;
  }
}

/** What happened when V8 numbered the heap anew between two snapshots, and what works instead. */
function renumbered(options: CaptureOptions, connection: Connection, idBefore: number, idAfter: number): LeakscanError {
  const during =
    options.between !== undefined ? `while --between ${JSON.stringify(options.between)} ran` : 'between the snapshots';
  const ids =
    idAfter === 0
      ? `its global object was @${idBefore} and has no id any more`
      : `its global object was @${idBefore} and is now @${idAfter}`;
  const none = 'snapshots on either side cannot be matched by id, so none was kept';
  if (connection.pid === null) {
    return new TwoSessionsError(
      `V8 numbered the page's objects anew ${during} (${ids}): another DevTools session of the page ended meanwhile (a client the command connected and disconnected, such as puppeteer.connect … browser.disconnect(), or DevTools closing), and V8 clears its object ids whenever one ends, even while leakscan's session stays open; ${none}. Connect the command's client through leakscan instead, which keeps its sessions open until the capture is over (puppeteer.connect({ browserURL: process.env.${BROWSER_URL_VARIABLE} })), or drive the page with leakscan run and a page scenario (one session), or take the snapshots from your own client's session (HeapProfiler.takeHeapSnapshot) and give them to leakscan diff`,
    );
  }
  return new TwoSessionsError(
    `V8 numbered the objects of process ${connection.pid} anew ${during} (${ids}): another inspector session of the process ended meanwhile (a client the command connected and disconnected), and V8 clears its object ids whenever one ends, even while leakscan's session stays open; ${none}. Connect the command's inspector client through leakscan instead, which keeps its sessions open until the capture is over (the ws:// URL that process.env.${BROWSER_URL_VARIABLE}/json/list gives), drive the load without the inspector (HTTP, a signal, a file), or take the snapshots from that client's own session`,
  );
}
