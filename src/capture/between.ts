// `--between CMD`: a command run between two snapshots (a load generator),
// in a shell, in its own process group so that stopping it stops what it
// started. Its output is untrusted text: lines, control sequences removed.
import { type ChildProcess, spawn } from 'node:child_process';
import { CaptureError } from '../errors.js';
import { LineSplitter, sanitizeLine } from '../runner/output.js';

/** After SIGTERM, how long the command may take to stop before SIGKILL. */
const KILL_GRACE_MS = 2000;

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
    /** The command's environment. Default: this process's. */
    env?: NodeJS.ProcessEnv;
    /** The option that gave the command, for messages. Default --between. */
    option?: string;
  },
): Promise<void> {
  const option = options.option ?? '--between';
  return new Promise((resolve, reject) => {
    const child = spawn(command, {
      shell: true,
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.env ? { env: options.env } : {}),
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
    child.on('close', (code, signal) => {
      lines.end();
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (stopped !== null) reject(stopped);
      else if (code === 0) resolve();
      else {
        const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(new CaptureError(`${option} ${JSON.stringify(command)} ${how}; no further snapshot was taken`));
      }
    });
  });
}
