// capture by signal: a process started with --heapsnapshot-signal=SIG writes
// a snapshot (Heap.DATE.TIME.PID.TID.SEQ.heapsnapshot) into its working
// folder, or its --diagnostic-dir, when it gets SIG. No inspector, no port,
// no session: the ids of a series match (one isolate, never renumbered).
// Node writes the file on its main thread and closes it before its event loop
// goes on; capture waits until the process no longer holds it open and it
// ends as a snapshot ends, then moves it into place (place.ts).
import { closeSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureError } from '../errors.js';
import { adoptFile, placeSnapshot } from './place.js';
import { catchesSignal, checkOwnProcess, flagValue, isRunning, nodeFlags } from './proc.js';
import type { SnapshotProgress } from './snapshot.js';

export interface SignalSetup {
  /** The signal the process was started to take snapshots on. */
  signal: NodeJS.Signals;
  /** Where it writes them: --diagnostic-dir, else its working folder. */
  directory: string;
}

export interface SignalOptions {
  /** The signal to send; by default the one of the process's --heapsnapshot-signal (which it must match). */
  signal?: NodeJS.Signals;
  abort?: AbortSignal;
  /** How long the process may take to start writing the snapshot (its event loop may be busy), ms. */
  startTimeoutMs?: number;
  onProgress?: (event: SnapshotProgress) => void;
}

const POLL_MS = 50;
const START_TIMEOUT_MS = 60_000;
/** A closed file that stays short of a snapshot's end this long is given up. */
const INCOMPLETE_AFTER_MS = 2000;

/** The --heapsnapshot-signal setup of `pid`, or null when it was not started with one. Linux only (/proc). */
export function signalSetup(pid: number): SignalSetup | null {
  const flags = nodeFlags(pid);
  if (flags === null) {
    throw new CaptureError('capture --signal reads the process flags and folder from /proc: it works on Linux only');
  }
  const signal = flagValue(flags, '--heapsnapshot-signal');
  if (!signal) return null;
  let cwd: string;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch (err) {
    throw new CaptureError(`cannot read the working folder of process ${pid}: ${(err as Error).message}`);
  }
  const diagnosticDir = flagValue(flags, '--diagnostic-dir');
  return { signal: signal as NodeJS.Signals, directory: diagnosticDir ? resolve(cwd, diagnosticDir) : cwd };
}

/** The setup to use, or a CaptureError saying why the signal route is closed. */
function checkedSetup(pid: number, requested: NodeJS.Signals | undefined): SignalSetup {
  const setup = signalSetup(pid);
  if (!setup) {
    throw new CaptureError(
      `process ${pid} was not started with --heapsnapshot-signal: capture --signal needs it (node --heapsnapshot-signal=SIGUSR2 server.js, or in NODE_OPTIONS)`,
    );
  }
  if (!(setup.signal in constants.signals)) {
    throw new CaptureError(
      `process ${pid} has --heapsnapshot-signal=${setup.signal}, which is not a signal leakscan knows`,
    );
  }
  if (requested && requested !== setup.signal) {
    throw new CaptureError(
      `process ${pid} takes snapshots on ${setup.signal} (--heapsnapshot-signal), not ${requested}: sending ${requested} could end it`,
    );
  }
  // Node installs the handler at start-up; without it the signal's default action would end the process.
  if (catchesSignal(pid, setup.signal) === false) {
    throw new CaptureError(
      `process ${pid} does not handle ${setup.signal} (yet): the signal would end it; is it a Node.js process that has started?`,
    );
  }
  return setup;
}

/** The snapshot files `pid` wrote in `dir`, by name. */
function snapshotsOf(pid: number, dir: string): Set<string> {
  const pattern = new RegExp(`^Heap\\.\\d{8}\\.\\d{6}\\.${pid}\\.\\d+\\.\\d+\\.heapsnapshot$`);
  try {
    return new Set(readdirSync(dir).filter((name) => pattern.test(name)));
  } catch (err) {
    throw new CaptureError(`cannot read ${dir}, where process ${pid} writes its snapshots: ${(err as Error).message}`);
  }
}

/** Whether `pid` holds `file` open (null when its open files cannot be listed). */
function holdsOpen(pid: number, file: string): boolean | null {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === file) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/** The first and last bytes are those of a whole snapshot: `{"snapshot":{"meta":` … `]}`. */
function looksComplete(file: string, size: number): boolean {
  const head = Buffer.alloc(20);
  const tail = Buffer.alloc(2);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
    readSync(fd, tail, 0, 2, size - 2);
  } finally {
    closeSync(fd);
  }
  return head.toString('latin1') === '{"snapshot":{"meta":' && tail.toString('latin1') === ']}';
}

/** Waits until `file` is complete: closed by `pid`, its size stable, its ends those of a snapshot. */
async function waitComplete(pid: number, file: string, options: SignalOptions): Promise<void> {
  let lastSize = -1;
  let idlePolls = 0;
  for (;;) {
    options.abort?.throwIfAborted();
    const size = statSync(file).size;
    const open = holdsOpen(pid, file);
    if (size === lastSize && size > 20 && open !== true && looksComplete(file, size)) return;
    if (!isRunning(pid)) {
      throw new CaptureError(`process ${pid} exited while it wrote ${file}`);
    }
    // Closed and not growing, yet not a whole snapshot: Node stopped writing (a full disk).
    idlePolls = size === lastSize && open === false ? idlePolls + 1 : 0;
    if (idlePolls * POLL_MS >= INCOMPLETE_AFTER_MS) {
      throw new CaptureError(`process ${pid} left ${file} incomplete (${size} bytes; is its disk full?)`);
    }
    if (size !== lastSize) options.onProgress?.({ phase: 'write', bytes: size });
    lastSize = size;
    await sleep(POLL_MS);
  }
}

/**
 * Sends `pid` its --heapsnapshot-signal, waits for the snapshot it writes and
 * gives it the name `file` (refused when it exists; `.gz` compresses). Only to
 * a process of ours that was started with the flag and handles the signal.
 */
export async function snapshotBySignal(
  pid: number,
  file: string,
  options: SignalOptions = {},
): Promise<{ bytes: number; signal: NodeJS.Signals; directory: string }> {
  checkOwnProcess(pid);
  const { signal, directory } = checkedSetup(pid, options.signal);
  const before = snapshotsOf(pid, directory);
  process.kill(pid, signal);
  const deadline = Date.now() + (options.startTimeoutMs ?? START_TIMEOUT_MS);
  let name: string | undefined;
  for (;;) {
    options.abort?.throwIfAborted();
    name = [...snapshotsOf(pid, directory)].filter((n) => !before.has(n)).sort()[0];
    if (name) break;
    if (!isRunning(pid)) throw new CaptureError(`process ${pid} exited before it wrote a snapshot`);
    if (Date.now() > deadline) {
      throw new CaptureError(
        `process ${pid} wrote no snapshot into ${directory} within ${Math.round((options.startTimeoutMs ?? START_TIMEOUT_MS) / 1000)} s of ${signal} (can it write there? is its event loop blocked?)`,
      );
    }
    await sleep(POLL_MS);
  }
  const written = join(directory, name);
  await waitComplete(pid, realpathSync(written), options);
  const raw = await adoptFile(written, resolve(file));
  return { bytes: await placeSnapshot(raw, resolve(file)), signal, directory };
}
