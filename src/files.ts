// Output files are written under a random temp name beside their final one (created O_EXCL,
// mode 0600) and given their name only when complete, by link(2), which fails when the name
// is taken where rename(2) would replace what is there. capture's snapshots and the --html
// file share this last step; refuseExisting is the check before the long work.
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdtemp, rename, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileError, LeakscanError } from './errors.js';

/** A hidden, unpredictable name beside `file` (same folder, so the last step never crosses file systems). */
export function tempNameFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.tmp-${randomBytes(8).toString('hex')}`);
}

/** Errors of link(2) that mean the file system has no hard links, not that the name is taken. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * Gives the complete `temp` file the name `file`, unless something is at that name: then
 * `taken(file)` is thrown and `temp` is left for the caller to remove. File systems without
 * hard links get a rename after a check.
 */
export async function linkIntoPlace(temp: string, file: string, taken: (file: string) => Error): Promise<void> {
  try {
    await link(temp, file);
    await unlink(temp);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') throw taken(file);
    if (!NO_HARD_LINKS.has(code)) throw err;
  }
  const there = await lstat(file).then(
    () => true,
    () => false,
  );
  if (there) throw taken(file);
  await rename(temp, file);
}

/** Throws unless a file can be created beside `file`: its folder exists and is writable (a temp folder made and removed). */
export async function refuseUnwritableFolder(file: string): Promise<void> {
  const target = resolve(file);
  try {
    await rmdir(await mkdtemp(join(dirname(target), `.${basename(target)}.tmp-`)));
  } catch (err) {
    throw fileError(dirname(target), err);
  }
}

/**
 * Throws unless `file` is absent (or `force`): checked before long work that ends in writing it.
 * `taken` words the refusal (capture's, which has no --force, says so).
 */
export async function refuseExisting(
  file: string,
  options: { force?: boolean; taken?: (file: string) => LeakscanError } = {},
): Promise<void> {
  try {
    const info = await lstat(file);
    if (!options.force)
      throw (
        options.taken?.(file) ?? new LeakscanError(`${file}: exists; choose another name, or --force to replace it`)
      );
    if (info.isDirectory()) throw new LeakscanError(`${file}: exists and is a folder`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw err instanceof LeakscanError ? err : fileError(file, err);
  }
}
