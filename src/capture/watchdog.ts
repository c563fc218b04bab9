// The inspector leakscan opens must be closed whatever becomes of leakscan:
// killed with SIGKILL, stopped while the target is busy in a snapshot, or
// giving up on a target that opens its inspector late (blocked in synchronous
// work when SIGUSR1 arrived). Before the signal, leakscan starts a small
// detached process (watchdog-main.ts) that holds a pipe from it. When leakscan
// has closed the inspector and seen it closed, it writes "done" and the
// watchdog exits; when the pipe closes without "done", the watchdog closes the
// inspector itself, as soon as it listens, and exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ListeningSocket } from './proc-sockets.js';
import type { InspectorAddress } from './target.js';

const MAIN = fileURLToPath(new URL('./watchdog-main.js', import.meta.url));

/** How long the watchdog waits for a late inspector after leakscan is gone. */
export const WATCH_MS = 10 * 60_000;

export interface WatchdogArgs {
  pid: number;
  /** Where the inspector is expected when /proc cannot say (not Linux). */
  expected: InspectorAddress;
  /** What the process listened on before SIGUSR1 (null without /proc): the inspector is what is new. */
  baseline: ListeningSocket[] | null;
  watchMs: number;
}

export class Watchdog {
  private constructor(private readonly child: ChildProcess) {}

  static start(args: WatchdogArgs): Watchdog {
    const child = spawn(process.execPath, [MAIN, JSON.stringify(args)], {
      // Its own session: Ctrl-C to leakscan's terminal does not reach it.
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', () => {});
    child.stdin!.on('error', () => {});
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    return new Watchdog(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Tells where the inspector listens, once known. */
  address(address: InspectorAddress): void {
    this.child.stdin!.write(`address ${JSON.stringify(address)}\n`);
  }

  /** The inspector is closed and seen closed: the watchdog exits. */
  done(): Promise<void> {
    // Referenced while the word is on its way: leakscan must not exit before it is sent.
    this.stdin.ref?.();
    return new Promise((resolve) => {
      this.child.stdin!.end('done\n', () => {
        this.stdin.unref?.();
        resolve();
      });
    });
  }

  private get stdin(): { ref?: () => void; unref?: () => void } {
    return this.child.stdin as unknown as { ref?: () => void; unref?: () => void };
  }

  /** Leakscan goes on without it: from now on the watchdog closes the inspector when it listens. */
  handOver(): void {
    this.child.stdin!.end();
  }
}
