// A finished snapshot file that another process wrote (the agent's target, or
// Node itself on --heapsnapshot-signal) is given its final name the way
// capture's own snapshots are (files.ts): mode 0600, gzip'd when the name ends
// in .gz, linked into place so that an existing file is never replaced.
import { constants, createReadStream } from 'node:fs';
import { chmod, copyFile, open, rename, stat, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { fileError, LeakscanError } from '../errors.js';
import { linkIntoPlace, tempNameFor } from '../files.js';
import { existsError } from './snapshot.js';

function asFileError(file: string, err: unknown): unknown {
  return err instanceof LeakscanError ? err : fileError(file, err);
}

/** Creates the empty temp file (O_EXCL, 0600) beside `file` that another process will write a snapshot into. */
export async function createRawFile(file: string): Promise<string> {
  const raw = tempNameFor(file);
  try {
    await (await open(raw, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)).close();
  } catch (err) {
    throw fileError(file, err);
  }
  return raw;
}

/**
 * Gives `raw`, a complete snapshot beside `file` (from createRawFile or
 * adoptFile), the name `file`: compressed first when `file` ends in .gz.
 * `raw` is gone afterwards, whatever happened. Returns the size on disk, bytes.
 */
export async function placeSnapshot(raw: string, file: string): Promise<number> {
  let temp = raw;
  try {
    if (file.endsWith('.gz')) {
      temp = tempNameFor(file);
      const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      await pipeline(createReadStream(raw), createGzip(), handle.createWriteStream());
      await unlink(raw);
    } else await chmod(raw, 0o600);
    await linkIntoPlace(temp, file, existsError);
    return (await stat(file)).size;
  } catch (err) {
    await unlink(raw).catch(() => {});
    if (temp !== raw) await unlink(temp).catch(() => {});
    throw asFileError(file, err);
  }
}

/** Moves `source` (a file of ours elsewhere) beside `file` under a temp name, mode 0600; copies across file systems. */
export async function adoptFile(source: string, file: string): Promise<string> {
  const raw = tempNameFor(file);
  try {
    await rename(source, raw);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw fileError(source, err);
    try {
      await copyFile(source, raw, constants.COPYFILE_EXCL);
      await unlink(source);
    } catch (copyErr) {
      await unlink(raw).catch(() => {});
      throw fileError(file, copyErr);
    }
  }
  await chmod(raw, 0o600).catch(() => {});
  return raw;
}
