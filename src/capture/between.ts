// `--between CMD`: a command run between two snapshots (a load generator),
// in a shell, in its own process group so that stopping it stops what it
// started. Its output is untrusted text: lines, control sequences removed.
import { type ChildProcess, spawn } from 'node:child_process';
import { CaptureError } from '../errors.js';
import { LineSplitter, sanitizeLine } from '../runner/output.js';

/** A --between command that failed: its exit code, or the signal that ended it. */
export class BetweenError extends CaptureError {
  constructor(
    readonly command: string,
    /** The command's exit code (not leakscan's: that is `exitCode`), null when a signal ended it. */
    readonly status: number | null,
    readonly killedBy: NodeJS.Signals | null,
    /** The option that gave the command (--between, test-server's --load). */
    readonly option = '--between',
  ) {
    super(
      `${option} ${JSON.stringify(command)} ${status === null ? `was killed by ${killedBy}` : `exited with code ${status}`}`,
    );
  }
}

/** After SIGTERM, how long the command may take to stop before SIGKILL. */
const KILL_GRACE_MS = 2000;
/** After the command exits, how long its output may take to arrive (a process that left its group may hold the pipes). */
const OUTPUT_GRACE_MS = 500;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    if (process.platform === 'win32') child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // gone already
  }
}

/**
 * Runs `command` and resolves when it exits with 0. Rejects with a CaptureError
 * when it fails, and with `stop`'s reason when `stop` ends first (the command
 * is then stopped: SIGTERM to its group, SIGKILL after a grace period).
 */
export function runBetween(
  command: string,
  options: {
    signal?: AbortSignal;
    stop?: Promise<unknown>;
    onOutput?: (line: string) => void;
    /** Variables added to the command's environment. */
    env?: Record<string, string>;
    /** The option that gave the command, for messages. Default --between. */
    option?: string;
  },
): Promise<void> {
  const option = options.option ?? '--between';
  return new Promise((resolve, reject) => {
    const child = spawn(command, {
      shell: true,
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = new LineSplitter((line) => options.onOutput?.(sanitizeLine(line)));
    child.stdout!.setEncoding('utf8').on('data', (text: string) => lines.push(text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => lines.push(text));
    let stopped: unknown = null;
    let killTimer: NodeJS.Timeout | undefined;
    const stopChild = (reason: unknown): void => {
      if (stopped !== null) return;
      stopped = reason;
      killGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS);
    };
    const onAbort = (): void => stopChild(options.signal!.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    options.stop?.then(
      (reason) => stopChild(reason),
      (err: unknown) => stopChild(err),
    );
    child.on('error', (err) => stopChild(new CaptureError(`${option} ${JSON.stringify(command)}: ${err.message}`)));
    // A process the command left in the background ("sleep 60 &") would hold its output open:
    // the command is over when its shell is, and what it left in its group is stopped. Output
    // still in the pipes is read for a moment; then they are closed whoever holds them.
    let drainTimer: NodeJS.Timeout | undefined;
    child.on('exit', () => {
      if (process.platform !== 'win32' && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // nothing left in its group
        }
      }
      drainTimer = setTimeout(() => {
        child.stdout!.destroy();
        child.stderr!.destroy();
      }, OUTPUT_GRACE_MS);
    });
    child.on('close', (code, signal) => {
      clearTimeout(drainTimer);
      lines.end();
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (stopped !== null) reject(stopped);
      else if (code === 0) resolve();
      else reject(new BetweenError(command, code, signal, option));
    });
  });
}
