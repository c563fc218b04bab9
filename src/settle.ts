// Bringing a heap to rest before it is measured or written, shared by the
// scenario runner's child process and assertNoLeak.
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits `intervalMs`, collects, lets the event loop turn, collects again.
 * WeakRef targets stay alive until the job that created or dereferenced them
 * is over (ECMAScript KeepDuringJob), so a gc() in the same job would keep
 * them all; the second collection takes what finalizers of the first freed.
 */
export async function settle(gc: () => void, intervalMs: number): Promise<void> {
  await sleep(intervalMs);
  gc();
  await nextTurn();
  gc();
}
