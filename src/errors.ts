// Errors a user can cause are typed; the CLI maps them to one line on stderr
// and the exit code below. Anything else is a bug in leakscan (exit 3).

/** The one exit-code table, the same for every command (README: "Exit codes"). */
export const ExitCode = {
  /** Done; no leak, or leaks were reported but not asked to fail on. */
  Ok: 0,
  /** A leak was found (or an expected one was not) and --fail-on-leak was given. */
  LeakFound: 1,
  /** Bad input or usage: missing or corrupt file, unrelated snapshots, bad option,
   *  a scenario that throws or hangs, no disk space, an optional dependency not installed. */
  BadInput: 2,
  /** Internal error: a bug in leakscan. */
  Internal: 3,
  /** Stopped by Ctrl-C (SIGINT): 128 + 2, as shells report it. */
  Interrupted: 130,
  /** Stopped by SIGTERM: 128 + 15. */
  Terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class LeakscanError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.BadInput, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad arguments or options. */
export class UsageError extends LeakscanError {}

/** A file that cannot be read as a heap snapshot. The message names the file. */
export class SnapshotFormatError extends LeakscanError {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, ExitCode.BadInput, options);
    this.file = file;
  }
}

/** Two snapshots that cannot come from one process (almost no shared node ids). */
export class UnrelatedSnapshotsError extends LeakscanError {}

/** Two snapshots of one process taken in two inspector sessions: V8 renumbered its objects in between. */
export class TwoSessionsError extends UnrelatedSnapshotsError {}

/** Two snapshots of one process given in the wrong order (AFTER taken before BEFORE). */
export class SnapshotOrderError extends LeakscanError {}

/** Work stopped by a signal, after its children were stopped and its temp files removed. */
export class InterruptedError extends LeakscanError {
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals, what = "the scenario's process was stopped and its temporary files removed") {
    super(`interrupted (${signal}): ${what}`, signal === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted);
    this.signal = signal;
  }
}

/** A scenario that failed to load, threw, or timed out. */
export class ScenarioError extends LeakscanError {
  readonly scenario: string;
  constructor(scenario: string, problem: string, options?: { cause?: unknown }) {
    super(`scenario ${scenario}: ${problem}`, ExitCode.BadInput, options);
    this.scenario = scenario;
  }
}

/** A snapshot of a running process that could not be taken: no inspector, the process exited, the connection dropped. */
export class CaptureError extends LeakscanError {}

/** An optional peer dependency that an asked-for feature needs and that is not installed. */
export class MissingDependencyError extends LeakscanError {
  readonly dependency: string;
  constructor(dependency: string, feature: string, options?: { cause?: unknown }) {
    super(`${feature} needs ${dependency}: npm install ${dependency}`, ExitCode.BadInput, options);
    this.dependency = dependency;
  }
}

/** Turns Node's file-system errors into one readable line about `file`. */
export function fileError(file: string, err: unknown): LeakscanError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const problems: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EISDIR: 'is a directory, not a file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'read-only file system',
    ENOTDIR: 'a parent of this path is not a directory',
  };
  const problem = (code && problems[code]) ?? (err instanceof Error ? err.message : String(err));
  return new LeakscanError(`${file}: ${problem}`, ExitCode.BadInput, { cause: err });
}
