// The routes capture takes to a running Node process: its inspector (opened
// with SIGUSR1 on a TCP port, capture.ts), leakscan's agent (a Unix socket,
// agent.ts) and --heapsnapshot-signal (signal.ts). The last two need no
// port and no inspector session; each needs a flag when the process starts.
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentConnection } from './agent.js';
import { isRunning } from './proc.js';
import { signalSetup, snapshotBySignal } from './signal.js';
import type { SnapshotProgress } from './snapshot.js';

export type RouteKind = 'inspector' | 'agent' | 'signal';

/** A route that needs no port: one snapshot at a time, into a file that does not exist yet. */
export interface PortlessRoute {
  kind: 'agent' | 'signal';
  /** The agent's socket, or the signal. */
  via: string;
  /** The process's title, when the route tells it (untrusted text). */
  title: string;
  take(file: string, onProgress: (event: SnapshotProgress) => void, abort: AbortSignal): Promise<number>;
  /** Resolves when the route is gone (the process exited, the agent's connection closed). */
  ended: Promise<void>;
  close(): void;
}

/** Resolves when `pid` has exited; checked every `everyMs` until `stop` aborts. */
async function exitOf(pid: number, stop: AbortSignal, everyMs = 200): Promise<void> {
  while (!stop.aborted && isRunning(pid)) {
    await sleep(everyMs, undefined, { ref: false }).catch(() => {});
  }
  if (stop.aborted) await new Promise(() => {});
}

/**
 * The route to `pid` that needs no port: the signal route when asked
 * (`bySignal`), else its agent when it has one; null when the inspector is left.
 * The caller has checked that `pid` is a process of ours.
 */
export async function openPortlessRoute(
  pid: number,
  bySignal: { signal?: NodeJS.Signals } | undefined,
): Promise<PortlessRoute | null> {
  if (bySignal) {
    const stop = new AbortController();
    const setup = signalSetup(pid);
    return {
      kind: 'signal',
      via: bySignal.signal ?? setup?.signal ?? 'SIGUSR2',
      title: '',
      take: async (file, onProgress, abort) =>
        (await snapshotBySignal(pid, file, { signal: bySignal.signal, abort, onProgress })).bytes,
      ended: exitOf(pid, stop.signal),
      close: () => stop.abort(),
    };
  }
  const agent = await AgentConnection.open(pid);
  if (!agent) return null;
  return {
    kind: 'agent',
    via: agent.path,
    title: agent.title,
    take: (file, onProgress) => {
      onProgress({ phase: 'walk', done: 0, total: 0 });
      return agent.snapshot(file);
    },
    ended: agent.closed,
    close: () => agent.close(),
  };
}

/**
 * The routes that would have opened `pid` and the one flag each needs, for an
 * error when the inspector route is closed; the signal route first when the
 * process already has it.
 */
export function otherRoutes(pid: number): string {
  let setup: ReturnType<typeof signalSetup> = null;
  try {
    setup = signalSetup(pid);
  } catch {
    // no /proc: say what each route needs
  }
  if (setup) {
    return `process ${pid} was started with --heapsnapshot-signal=${setup.signal}: take the snapshots with leakscan capture --pid ${pid} --signal (no port needed)`;
  }
  return `routes that need no port: leakscan's agent (start the process with --require leakscan/agent, then capture --pid uses it) or its snapshot signal (--heapsnapshot-signal=SIGUSR2, then capture --pid ${pid} --signal); or give it a free inspector port (--inspect-port=PORT, then capture --pid ${pid} again)`;
}
