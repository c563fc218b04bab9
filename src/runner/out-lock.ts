// One `leakscan run` at a time per --out folder: two runs writing the same
// scenario's snapshots would leave a before/after pair from two processes.
// The lock is a file made O_EXCL holding the owner's pid; a lock whose owner
// is gone (killed with SIGKILL) is taken over.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning } from '../capture/proc.js';
import { fileError, LeakscanError } from '../errors.js';

export const LOCK_NAME = '.leakscan-run.lock';

function ownerAlive(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0 && isRunning(pid);
}

/** Makes `outDir` if needed (refusing a file there) and locks it; returns the release function. */
export function lockOutDir(outDir: string): () => void {
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR')
      throw new LeakscanError(`${outDir}: exists and is not a folder; --out takes a folder`, undefined, { cause: err });
    throw fileError(outDir, err);
  }
  if (!statSync(outDir).isDirectory())
    throw new LeakscanError(`${outDir}: exists and is not a folder; --out takes a folder`);
  const lock = join(outDir, LOCK_NAME);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(lock, err);
    }
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(lock, 'utf8'));
    } catch {
      // removed meanwhile: try again
    }
    if (ownerAlive(owner) || attempt >= 2) {
      throw new LeakscanError(
        `${outDir}: another leakscan run${Number.isInteger(owner) ? ` (pid ${owner})` : ''} is writing there; wait for it or choose another --out`,
      );
    }
    rmSync(lock, { force: true });
  }
  return () => {
    try {
      if (readFileSync(lock, 'utf8') === String(process.pid)) rmSync(lock, { force: true });
    } catch {
      // gone already (--out removed)
    }
  };
}
