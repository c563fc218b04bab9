// assertNoLeak: the leak rule of `leakscan run`, in the test's own process,
// for node:test or any runner that awaits a promise.
import { AssertionError } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadBaseline } from './analysis/diff.js';
import { findLeaks } from './analysis/leaks.js';
import { formatPath } from './report/path.js';
import { formatBytes } from './report/format.js';
import type { ClassDiff } from './types.js';

export interface AssertNoLeakOptions {
  /** Calls measured (after warm-up). Default 10. */
  iterations?: number;
  /** Calls made before the first snapshot, so lazy caches and compiled code are not counted. Default 2. */
  warmup?: number;
  /** Pause after each call, ms: WeakRef targets and finalizers need the event loop to turn. Default 10. */
  intervalMs?: number;
  /** Least new reachable objects of a growing class to fail. Default 1. */
  minCount?: number;
  /** Least retained bytes of a growing class to fail. Default 0. */
  minBytes?: number;
}

/** `gc()` without requiring the test to be started with --expose-gc. */
function getGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function settle(gc: () => void, intervalMs: number): Promise<void> {
  // Let the current job end (WeakRef targets are kept until it does), then collect twice
  // so objects freed by finalizers of the first pass go in the second.
  await sleep(intervalMs);
  gc();
  await sleep(0);
  gc();
}

function describeLeak(c: ClassDiff, iterations: number): string {
  const path = c.retainerPath ? `\n  retained via: ${formatPath(c.retainerPath)}` : '';
  return `${c.name} (${c.type}): ${c.added} new objects still reachable after ${iterations} calls, ${formatBytes(c.retainedSize)} retained${path}`;
}

/**
 * Calls `fn` repeatedly and throws an AssertionError naming each class whose
 * reachable objects grow with the calls, with the retainer path of one instance.
 */
export async function assertNoLeak(fn: (iteration: number) => unknown, options: AssertNoLeakOptions = {}): Promise<void> {
  const iterations = options.iterations ?? 10;
  const warmup = options.warmup ?? 2;
  const intervalMs = options.intervalMs ?? 10;
  const rule = { minCount: options.minCount ?? 1, minBytes: options.minBytes ?? 0 };
  const gc = getGc();
  const dir = await mkdtemp(join(tmpdir(), 'leakscan-assert-'));
  try {
    for (let i = 0; i < warmup; i++) {
      await fn(i);
      await sleep(intervalMs);
    }
    const file = (name: string): string => join(dir, `${name}.heapsnapshot`);
    const calls = async (from: number, count: number): Promise<void> => {
      for (let i = from; i < from + count; i++) {
        await fn(i);
        // Yield after every call: WeakRef targets made in this job only die once it ends.
        await sleep(intervalMs);
        gc();
      }
    };
    await settle(gc, intervalMs);
    v8.writeHeapSnapshot(file('before'));
    await calls(warmup, iterations);
    await settle(gc, intervalMs);
    v8.writeHeapSnapshot(file('after'));
    // More calls tell what grows with every call from what was allocated once.
    const extra = Math.max(2, Math.ceil(iterations / 2));
    await calls(warmup + iterations, extra);
    await settle(gc, intervalMs);
    v8.writeHeapSnapshot(file('growth'));

    const baseline = await loadBaseline(file('before'));
    const { leaks } = await findLeaks(baseline, file('after'), file('growth'), iterations, extra, rule);
    if (leaks.length > 0) {
      throw new AssertionError({
        message: `leak: ${leaks.length} class${leaks.length === 1 ? '' : 'es'} grew with every call\n${leaks.map((c) => describeLeak(c, iterations)).join('\n')}`,
        actual: leaks.map((c) => ({ name: c.name, type: c.type, added: c.added, retainedSize: c.retainedSize })),
        expected: [],
        operator: 'assertNoLeak',
        stackStartFn: assertNoLeak,
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
