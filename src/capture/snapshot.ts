// One heap snapshot through a session: HeapProfiler.takeHeapSnapshot streams
// the JSON in chunks (addHeapSnapshotChunk events, all sent before the
// request's answer), written straight to disk (gzip'd when the name ends in
// .gz) under a temp name created O_EXCL, mode 0600, and linked to its name
// when complete (files.ts): an existing file is never replaced, nothing
// half-written is left when the connection drops.
import { constants, type WriteStream } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { readRawSnapshot } from '../engine/reader.js';
import { CaptureError, fileError, LeakscanError, SnapshotFormatError } from '../errors.js';
import { linkIntoPlace, tempNameFor } from '../files.js';
import type { CdpSession } from './cdp.js';

export type SnapshotProgress =
  | { phase: 'gc' }
  /** V8 walks the heap: `done` of `total` objects. */
  | { phase: 'walk'; done: number; total: number }
  /** The JSON streams to disk: `bytes` written so far (before compression). */
  | { phase: 'write'; bytes: number };

/** What takeSnapshot needs of a session: leakscan's own (cdp.ts) or puppeteer's, through browser/puppeteer.ts. */
export type SnapshotSession = Pick<CdpSession, 'send' | 'onEvent' | 'pause' | 'resume'>;
/** A snapshot bigger than this (uncompressed) is not taken further: nothing V8 writes, or a disk-filler. */
export const MAX_SNAPSHOT_BYTES = 64 * 2 ** 30;
/** takeHeapSnapshot may go this long without progress or a chunk (a GC or a big heap's walk is slow). */
const SNAPSHOT_IDLE_MS = 5 * 60_000;

export function existsError(file: string): LeakscanError {
  return new LeakscanError(`${file}: exists; choose another name (leakscan never replaces a file)`);
}

/** Takes a snapshot into `file` (not existing yet) and returns its size on disk, bytes. */
export async function takeSnapshot(
  session: SnapshotSession,
  file: string,
  onProgress: (event: SnapshotProgress) => void = () => {},
  maxBytes = MAX_SNAPSHOT_BYTES,
): Promise<number> {
  const temp = tempNameFor(file);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (err) {
    throw fileError(file, err);
  }
  // The handle's own stream: it closes the handle (a bare fd would leave the handle to close it again at GC).
  const out: WriteStream = handle.createWriteStream();
  const gzip: Gzip | null = file.endsWith('.gz') ? createGzip() : null;
  if (gzip) gzip.pipe(out);
  const sink = gzip ?? out;
  let writeError: unknown = null;
  sink.on('error', (err: Error) => {
    writeError ??= err;
  });
  out.on('error', (err) => {
    writeError ??= err;
  });
  let bytes = 0;
  let tooBig = false;
  let lastReport = 0;
  const stop = session.onEvent((event) => {
    if (event.method === 'HeapProfiler.addHeapSnapshotChunk') {
      const chunk = String(event.params.chunk ?? '');
      if (tooBig) return;
      bytes += chunk.length;
      if (bytes > maxBytes) {
        tooBig = true;
        writeError ??= new CaptureError(
          `${file}: the inspector sent more than ${Math.round(maxBytes / 2 ** 20)} MB of snapshot; nothing was saved`,
        );
        return;
      }
      if (!sink.write(chunk)) {
        // A slow disk: stop reading the socket until the file catches up.
        session.pause();
        sink.once('drain', () => session.resume());
      }
      if (bytes - lastReport >= 1 << 20) {
        lastReport = bytes;
        onProgress({ phase: 'write', bytes });
      }
    } else if (event.method === 'HeapProfiler.reportHeapSnapshotProgress') {
      onProgress({ phase: 'walk', done: Number(event.params.done), total: Number(event.params.total) });
    }
  });
  try {
    await session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: true }, SNAPSHOT_IDLE_MS);
    if (writeError) throw writeError;
    sink.end();
    await finished(out);
    if (bytes === 0) throw new LeakscanError(`${file}: the inspector sent an empty snapshot`);
    await validate(temp, file);
    await linkIntoPlace(temp, file, existsError).catch((err: unknown) => {
      throw err instanceof LeakscanError ? err : fileError(file, err);
    });
    return (await stat(file)).size;
  } catch (err) {
    sink.destroy();
    out.destroy();
    await unlink(temp).catch(() => {});
    if (err instanceof LeakscanError) throw err;
    if ((err as NodeJS.ErrnoException).code) throw fileError(file, err);
    throw err;
  } finally {
    stop();
    // A stream that ends with its buffer full emits 'finish', not 'drain': the socket must not stay paused.
    session.resume();
  }
}

/**
 * Reads the file back with leakscan's own reader before it takes its name:
 * what an inspector sends is untrusted, and a file saved under a snapshot's
 * name must be one.
 */
async function validate(temp: string, file: string): Promise<void> {
  try {
    await readRawSnapshot(temp);
  } catch (err) {
    if (!(err instanceof SnapshotFormatError)) throw err;
    const problem = err.message.slice(err.file.length + 2);
    throw new CaptureError(
      `${file}: the inspector sent a malformed snapshot (${problem}); nothing was saved`,
      undefined,
      {
        cause: err,
      },
    );
  }
}
