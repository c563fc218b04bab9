// Streams a V8 heap snapshot (JSON, or gzip of it) into flat typed arrays:
// the I/O (file or gzip stream, progress, file errors) lives here; which
// section the bytes belong to is snapshot-sections.ts, and the bytes become
// numbers and strings in json-tokens.ts. Digits are read straight from the
// bytes; only the small header and the strings are decoded as JSON.
// Reference design: Chrome DevTools' HeapSnapshotLoader
// (front_end/entrypoints/heap_snapshot_worker).
import { createReadStream, promises as fs } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { fileError, LeakscanError, SnapshotFormatError } from '../errors.js';
import { isGzipFile } from '../gzip.js';
import type { RawSnapshot } from './raw-snapshot.js';
import { SnapshotParser } from './snapshot-sections.js';

export interface ReadOptions {
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Bytes per read; small values exercise chunk boundaries in tests. */
  chunkSize?: number;
}

/** Streams `file` (plain or gzip, told by its first two bytes) through the parser. */
export async function readRawSnapshot(file: string, options: ReadOptions = {}): Promise<RawSnapshot> {
  let size: number;
  try {
    const stat = await fs.stat(file);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    // A FIFO or a device would block the read (or never end): refuse before opening it.
    if (!stat.isFile())
      throw new LeakscanError(`${file}: not a regular file (a FIFO, device or socket); give a snapshot file`);
    size = stat.size;
  } catch (err) {
    throw err instanceof LeakscanError ? err : fileError(file, err);
  }
  if (size === 0) throw new SnapshotFormatError(file, 'file is empty');
  let gzip: boolean;
  try {
    gzip = isGzipFile(file);
  } catch (err) {
    throw fileError(file, err);
  }
  const parser = new SnapshotParser(file, gzip ? null : size);
  const source = createReadStream(file, { highWaterMark: options.chunkSize ?? 1 << 20 });
  let compressedRead = 0;
  let lastReport = 0;
  source.on('data', (chunk) => {
    compressedRead += chunk.length;
  });
  const stream = gzip ? source.pipe(createGunzip({ chunkSize: Math.max(64, options.chunkSize ?? 1 << 20) })) : source;
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      parser.feed(chunk);
      if (options.onProgress && compressedRead - lastReport >= 8 << 20) {
        lastReport = compressedRead;
        options.onProgress(compressedRead, size);
      }
    }
  } catch (err) {
    source.destroy();
    if (err instanceof LeakscanError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (gzip && typeof code === 'string' && code.startsWith('Z_'))
      throw new SnapshotFormatError(file, `corrupt gzip data (${(err as Error).message})`, { cause: err });
    if (gzip && code === 'ERR_STREAM_PREMATURE_CLOSE')
      throw new SnapshotFormatError(file, 'corrupt gzip data (unexpected end of file)', { cause: err });
    throw fileError(file, err);
  }
  options.onProgress?.(size, size);
  return parser.finish(bytes, size);
}
