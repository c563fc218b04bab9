// assertNoLeak: the leak rule of `leakscan run`, in the test's own process,
// for node:test or any runner that awaits a promise.
import { AssertionError } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseIgnoreRules } from './analysis/ignore.js';
import { findRunLeaks } from './analysis/run-analysis.js';
import { formatBytes } from './report/format.js';
import { findingPath, formatPath, ignoredLines } from './report/path.js';
import { settle } from './settle.js';
import type { ByteGrowth, ClassDiff, RetainerPath } from './types.js';

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
  /**
   * Expected growth: class names (exact, or a glob with * and ?) or holder paths such as
   * `performance.resourceTimingBuffer` (docs/config.md). The objects they name, and what those
   * alone retain, never fail the assertion; a failure message says how many were ignored.
   */
  ignore?: readonly string[];
}

/** `gc()` without requiring the test to be started with --expose-gc. */
function getGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * A path as the findings show it, from just above its holder: the steps above are this test process's own
 * (leakscan's frames keeping the callback under test), not the program's.
 */
function shortPath(retainerPath: RetainerPath | null, holderNodeId: number | undefined): string {
  if (!retainerPath || retainerPath.length === 0) return '';
  return `\n  retained via: ${formatPath(findingPath({ retainerPath, holder: { nodeId: holderNodeId ?? -1 } }))}`;
}

function describeLeak(c: ClassDiff, iterations: number): string {
  const path = shortPath(c.retainerPath, c.holders?.[0]?.holder.nodeId);
  return `${c.name} (${c.type}): ${c.added} new objects still reachable after ${iterations} calls, ${formatBytes(c.retainedSize)} retained${path}`;
}

function grewText(classes: number, objects: number): string {
  const parts = [];
  if (classes > 0) parts.push(`${classes} class${classes === 1 ? '' : 'es'} grew with the calls`);
  if (objects > 0) parts.push(`${objects} object${objects === 1 ? '' : 's'} grew in bytes`);
  return parts.join(', ');
}

function describeGrowth(g: ByteGrowth): string {
  const path = shortPath(g.retainerPath, g.retainerPath?.at(-1)?.nodeId);
  return `${g.holder ?? g.name} (${g.name}): grows ${formatBytes(g.bytesPerCall)} per call, ${g.retainedSizes.map(formatBytes).join(' → ')} retained${path}`;
}

/**
 * Calls `fn` repeatedly and throws an AssertionError naming each class whose
 * reachable objects grow with the calls, with the retainer path of one instance.
 */
export async function assertNoLeak(
  fn: (iteration: number) => unknown,
  options: AssertNoLeakOptions = {},
): Promise<void> {
  const iterations = options.iterations ?? 10;
  const warmup = options.warmup ?? 2;
  const intervalMs = options.intervalMs ?? 10;
  // Read now: a bad rule fails before any call is made.
  parseIgnoreRules(options.ignore ?? []);
  const rule = { minCount: options.minCount ?? 1, minBytes: options.minBytes ?? 0, ignore: options.ignore };
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
    // More calls, a snapshot after every few: the trend tells what keeps growing from what was allocated once.
    const step = Math.max(2, Math.ceil(iterations / 2));
    const growthFiles = [file('growth-1'), file('growth-2')];
    for (const [i, growthFile] of growthFiles.entries()) {
      await calls(warmup + iterations + i * step, step);
      await settle(gc, intervalMs);
      v8.writeHeapSnapshot(growthFile);
    }

    // As `leakscan run` reads them: before once, for the baseline and the trend.
    const { diff, leaks, growth } = await findRunLeaks(
      {
        name: 'assertNoLeak',
        iterations,
        growthIterations: step,
        snapshots: { before: file('before'), after: file('after'), growth: growthFiles },
      },
      { rule },
    );
    // The findings decide, as for `leakscan run`: the runtime's own bookkeeping is never a leak.
    if (diff.findings.length > 0) {
      const first = diff.findings[0];
      const found = [
        ...leaks.map((c) => describeLeak(c, iterations)),
        ...growth.map(describeGrowth),
        ...ignoredLines(diff.ignored),
      ];
      const path = shortPath(first.retainerPath, first.holder.nodeId);
      throw new AssertionError({
        message: `leak: ${first.summary}\n  fix: ${first.fix}${path}\n${grewText(leaks.length, growth.length)}\n${found.join('\n')}`,
        actual: [
          ...diff.findings.map((f) => ({
            pattern: f.pattern,
            name: f.leaked.name,
            holder: f.holder.name,
            count: f.leaked.count,
            retainedSize: f.leaked.retainedSize,
          })),
        ],
        expected: [],
        operator: 'assertNoLeak',
        stackStartFn: assertNoLeak,
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
