// The text of a script the snapshot names, read from this machine when it is there: what
// the heap cannot say about how the program uses a collection (a source map's comment, the
// calls that take a collection's entries). Only regular files are opened and read (a FIFO
// or device named in a snapshot is never opened), with size limits, and nothing of their
// text is shown.

import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { localPath } from '../text/places.js';

/** A script larger than this is not searched for how it uses a collection. */
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

/** The file's bytes when it is a regular file no larger than `limit`; null otherwise. */
export function readRegularFile(file: string, limit: number): Buffer | null {
  let fd: number;
  try {
    // Not even opened unless it is a regular file now (opening some devices has effects); opened
    // non-blocking and checked again, in case something else was put at the name in between.
    if (!statSync(file).isFile()) return null;
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > limit) return null;
    const buffer = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * True when the script takes the entries of the array in property `property` one at a time from its ends
 * (`.waiting.shift()`, `this.queue.pop()`, `['waiting'].shift()`): a queue of waiters each served once, not
 * callbacks kept to be called again. False when the script is not a regular file on this machine.
 */
export function takesOneAtATime(script: string, property: string): boolean {
  if (!/^[\w$]+$/.test(property)) return false;
  const path = localPath(script);
  const text = path === null ? null : readRegularFile(path, MAX_SOURCE_BYTES)?.toString('utf8');
  if (!text) return false;
  const name = property.replace(/\$/g, '\\$');
  return new RegExp(`(\\.${name}|\\[['"]${name}['"]\\])\\s*\\.\\s*(shift|pop)\\s*\\(`).test(text);
}
