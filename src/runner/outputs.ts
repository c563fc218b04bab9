// Which files in `run --out` leakscan may replace. A rerun replaces its own
// previous outputs (a scenario's snapshots and log); anything else at those
// names (a file of the user's, a link someone planted) is refused unless
// --force, before the scenario starts.
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { RUNNER_MARKER } from '../analysis/trace.js';
import { fileError, LeakscanError } from '../errors.js';

/** Large reads: a snapshot is hundreds of MB and the marker sits in its strings, near the end. */
const READ_CHUNK_BYTES = 1 << 20;

/** A heap snapshot the runner took: a regular file holding the marker string child.ts leaves in the heap. */
export async function isRunnerSnapshot(file: string): Promise<boolean> {
  const marker = Buffer.from(RUNNER_MARKER);
  // O_NOFOLLOW: a link swapped in after the lstat is not read through.
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  const stream = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
  try {
    let tail: Buffer = Buffer.alloc(0);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const window = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
      if (window.includes(marker)) return true;
      tail = window.subarray(Math.max(0, window.length - marker.length + 1));
    }
    return false;
  } finally {
    stream.destroy();
  }
}

type Kind = 'absent' | 'file' | 'other';

async function kindOf(file: string): Promise<Kind> {
  try {
    return (await lstat(file)).isFile() ? 'file' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw fileError(file, err);
  }
}

function refuse(file: string): LeakscanError {
  return new LeakscanError(
    `${file}: exists and leakscan did not write it; choose another --out, or --force to replace it`,
  );
}

/**
 * Throws unless every name a scenario will write is absent or holds leakscan's
 * own earlier output: a snapshot with the runner's marker, a log beside such a
 * snapshot. With `force`, anything but a folder may be replaced.
 */
export async function checkOutputs(snapshots: string[], log: string, options: { force: boolean }): Promise<void> {
  if (options.force) return;
  let ownSnapshot = false;
  for (const file of snapshots) {
    const kind = await kindOf(file);
    if (kind === 'absent') continue;
    const own =
      kind === 'file' &&
      (await isRunnerSnapshot(file).catch((err: unknown) => {
        throw fileError(file, err);
      }));
    if (!own) throw refuse(file);
    ownSnapshot = true;
  }
  const logKind = await kindOf(log);
  if (logKind === 'other' || (logKind === 'file' && !ownSnapshot)) throw refuse(log);
}
