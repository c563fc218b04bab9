// A snapshot of a Node process started with `--heapsnapshot-signal=SIG`
// (and `--diagnostic-dir=DIR`): no inspector port is opened. The process
// writes Heap.<date>.<time>.<pid>.<tid>.<seq>.heapsnapshot into DIR (its cwd
// without one) when it gets SIG; this module sends the signal, waits for the
// file to be complete and moves it into place.
//
// No GC of our own before: V8's snapshot generator runs full GCs before it
// walks the heap, as for the inspector's takeHeapSnapshot and
// v8.writeHeapSnapshot. Checked on Node 20 with --trace-gc: the signal logs
// two "Mark-Compact (reduce) … heap profiler" collections, and 20,000 objects
// promoted to the old generation and then dropped are absent from the file.
import { constants, copyFile, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureError } from '../errors.js';
import { linkIntoPlace } from '../files.js';

export interface SignalSnapshotOptions {
  /** The signal the process was started to answer with a snapshot. Default SIGUSR2. */
  signal?: NodeJS.Signals;
  /** Where the process writes its snapshots: its --diagnostic-dir (else its cwd). */
  dir: string;
  /** How long the snapshot may take, ms. Default 5 minutes. */
  timeoutMs?: number;
  /** Stops the wait (the file, if any, is left in `dir`, which the caller owns). */
  abort?: AbortSignal;
}

/** Poll period while Node writes the file: no event says a file another process writes is complete. */
const POLL_MS = 50;

const isSnapshotName = (name: string, pid: number): boolean =>
  name.startsWith('Heap.') && name.endsWith('.heapsnapshot') && name.split('.').includes(String(pid));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** A snapshot is complete when its JSON object is closed and its size stayed the same for one poll. */
async function lastByteIsBrace(file: string, size: number): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const tail = Buffer.alloc(Math.min(size, 16));
    await handle.read(tail, 0, tail.length, size - tail.length);
    return tail.toString('latin1').trimEnd().endsWith('}');
  } finally {
    await handle.close();
  }
}

/**
 * Sends `signal` to `pid`, waits for the new snapshot in `dir` and gives it
 * the name `outFile` (never replacing a file there). Throws CaptureError when
 * the process exits first or the file does not come within `timeoutMs`.
 */
export async function snapshotBySignal(
  pid: number,
  outFile: string,
  options: SignalSnapshotOptions,
): Promise<{ path: string; bytes: number }> {
  const signal = options.signal ?? 'SIGUSR2';
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const earlier = new Set((await readdir(options.dir)).filter((name) => isSnapshotName(name, pid)));
  try {
    process.kill(pid, signal);
  } catch (err) {
    throw new CaptureError(`process ${pid}: cannot send ${signal} (${(err as NodeJS.ErrnoException).code})`);
  }
  const deadline = Date.now() + timeoutMs;
  let file: string | null = null;
  let lastSize = -1;
  for (;;) {
    options.abort?.throwIfAborted();
    if (Date.now() > deadline) {
      throw new CaptureError(`process ${pid} wrote no complete snapshot within ${Math.round(timeoutMs / 1000)} s`);
    }
    if (file === null) {
      const name = (await readdir(options.dir)).find((n) => isSnapshotName(n, pid) && !earlier.has(n));
      if (name !== undefined) file = join(options.dir, name);
      else if (!alive(pid)) throw new CaptureError(`process ${pid} exited before it wrote its snapshot`);
    }
    if (file !== null) {
      const size = (await stat(file)).size;
      if (size > 0 && size === lastSize && (await lastByteIsBrace(file, size))) {
        await moveIntoPlace(file, outFile);
        return { path: outFile, bytes: size };
      }
      // The process died half-way: the file will never be complete.
      if (size === lastSize && !alive(pid)) throw new CaptureError(`process ${pid} exited while writing its snapshot`);
      lastSize = size;
    }
    await sleep(POLL_MS, undefined, { signal: options.abort });
  }
}

/** Into place without replacing anything; across file systems by copy when a link cannot be made. */
async function moveIntoPlace(file: string, outFile: string): Promise<void> {
  const taken = (name: string): Error => new CaptureError(`${name}: exists; choose another name`);
  try {
    await linkIntoPlace(file, outFile, taken);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(file, outFile, constants.COPYFILE_EXCL);
    await unlink(file);
  }
}
