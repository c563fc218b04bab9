// Where leakscan's agent listens: an owner-only Unix socket named by the
// process's pid, in a folder only its user can write (a named pipe on
// Windows). Shared by the agent (CommonJS, loaded into the target with
// --require) and capture, which must find the same path from outside.
import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** Bumped when the agent's protocol changes incompatibly. */
export const AGENT_PROTOCOL = 1;

/** One request or answer is one line of JSON; nothing longer is read. */
export const MAX_LINE_BYTES = 64 * 1024;

function uid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}

/**
 * The folders an agent may use, best first, from an environment (the agent's
 * own, or the target's as capture reads it from /proc): the per-user runtime
 * folder when there is one, else a `leakscan-UID` folder in the temp folder.
 */
export function agentDirectories(env: NodeJS.ProcessEnv, userId: number | null = uid()): string[] {
  const dirs: string[] = [];
  if (env.XDG_RUNTIME_DIR?.startsWith('/')) dirs.push(join(env.XDG_RUNTIME_DIR, 'leakscan'));
  // os.tmpdir()'s rule, applied to an environment that need not be ours.
  const tmp = (env.TMPDIR || env.TMP || env.TEMP || '/tmp').replace(/(.)\/+$/, '$1');
  dirs.push(join(tmp, `leakscan-${userId ?? 'user'}`));
  return dirs;
}

/** Windows: a named pipe per pid (only its creator may write to it by the default ACL). */
export function agentPipe(pid: number): string {
  return `\\\\.\\pipe\\leakscan-agent-${pid}`;
}

export function socketPathIn(dir: string, pid: number): string {
  return join(dir, `${pid}.sock`);
}

/**
 * Why the entry at `path` is not ours alone, or null: `wrongKind` says what is
 * wrong with its kind, if anything; then it must be owned by `userId` (null: any
 * user) with no access for group or others.
 */
function unsafeEntry(path: string, userId: number | null, wrongKind: (stats: Stats) => string | null): string | null {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (err) {
    return `${path}: ${(err as Error).message}`;
  }
  const kind = wrongKind(stats);
  if (kind !== null) return kind;
  if (userId !== null && stats.uid !== userId) return `${path} belongs to uid ${stats.uid}, not ${userId}`;
  if ((stats.mode & 0o077) !== 0) return `${path} is open to other users (mode ${(stats.mode & 0o777).toString(8)})`;
  return null;
}

/**
 * Why `dir` must not hold a socket of ours, or null when it is safe: it must
 * be a real folder (not a symlink), owned by us, writable by nobody else.
 */
export function unsafeDirectory(dir: string, userId: number | null = uid()): string | null {
  return unsafeEntry(dir, userId, (stats) => {
    if (stats.isSymbolicLink()) return `${dir} is a symbolic link`;
    return stats.isDirectory() ? null : `${dir} is not a folder`;
  });
}

/** Creates `dir` (0700) when missing; returns why it cannot be used, or null. */
export function prepareDirectory(dir: string): string | null {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return `${dir}: ${(err as Error).message}`;
  }
  return unsafeDirectory(dir);
}

/**
 * Why the socket file at `path` is not an agent's of ours, or null: a socket,
 * owned by us, with no access for group or others.
 */
export function unsafeSocket(path: string, userId: number | null = uid()): string | null {
  return unsafeEntry(path, userId, (stats) => (stats.isSocket() ? null : `${path} is not a socket`));
}
