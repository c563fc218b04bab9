import { closeSync, openSync, readSync } from 'node:fs';

/** True when the file starts with gzip's magic bytes (snapshots are told apart by content, not by name). */
export function isGzipFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}
