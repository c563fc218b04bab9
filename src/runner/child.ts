// The child side of one scenario's run: a fresh `node --expose-gc` process,
// started and driven over IPC by parent.ts. It loads the scenario, runs setup,
// writes the before snapshot, runs the two measured passes (without and with a
// GC after each call, sampling memory before each call), writes the after
// snapshot, then runs more calls with a growth snapshot after each step (the
// leak rule reads the trend, analysis/leaks.ts), and tears down. Never prints:
// the parent's stdout carries the report.
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import v8 from 'node:v8';
import { RUNNER_MARKER } from '../analysis/trace.js';
import { isPageScenario } from '../page-scenario.js';
import { type Pass, type Scenario, validateScenario } from '../scenario.js';
import { settle } from '../settle.js';
import type { PassSeries } from '../types.js';
import { loadModule, scenarioExport } from './load.js';
import { type ChildMessage, type ProceedMessage, SNAPSHOT_TEMP_PREFIX, type StartMessage } from './protocol.js';

const gc = (globalThis as { gc?: () => void }).gc;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

class StageError extends Error {
  constructor(
    readonly stage: string,
    readonly original: unknown,
  ) {
    super(original instanceof Error ? original.message : String(original));
  }
}

async function stage<T>(name: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new StageError(name, err);
  }
}

/** Growth snapshots after `after`: two steps, so a rise must repeat to count (see analysis/leaks.ts). */
const GROWTH_SNAPSHOTS = 2;
/** Calls per pass when neither the scenario nor --iterations says: enough for a per-call rate, few enough to stay quick. */
const DEFAULT_ITERATIONS = 10;
/** Objects per call when neither the scenario nor --batch says: a leak of one call stands out of V8's noise. */
const DEFAULT_BATCH = 100;
/** Growth calls per step when not given: half a pass, and at least two so a step can show a rate. */
const MIN_GROWTH_ITERATIONS = 2;
/** Bytes read from a snapshot's end to check it closed: `]}` and V8's trailing whitespace fit. */
const SNAPSHOT_TAIL_BYTES = 16;
/** A thrown non-Error value is shown up to this many characters: one line of a report. */
const MAX_THROWN_TEXT = 300;

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** writeHeapSnapshot to a temp name, check it is complete, make it owner-only, rename. */
function writeSnapshot(file: string): void {
  // V8 opens the name it is given, following any link planted there: it writes into a folder
  // made just now (random name, mode 0700), and the complete file is renamed out of it.
  const folder = mkdtempSync(join(dirname(file), `${SNAPSHOT_TEMP_PREFIX}${process.pid}-`));
  const temp = join(folder, basename(file));
  try {
    v8.writeHeapSnapshot(temp);
    // V8 does not report a failed write (e.g. a full disk): check the JSON closed.
    const size = statSync(temp).size;
    const tail = Buffer.alloc(Math.min(SNAPSHOT_TAIL_BYTES, size));
    const fd = openSync(temp, 'r');
    try {
      readSync(fd, tail, 0, tail.length, size - tail.length);
    } finally {
      closeSync(fd);
    }
    if (!/\]\s*\}\s*$/.test(tail.toString('latin1'))) {
      throw Object.assign(new Error(`incomplete snapshot written to ${file} (disk full?)`), {
        code: 'ENOSPC',
        path: file,
      });
    }
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  } finally {
    // Empty by now. (Not rmSync's recursive walk: its first use in a later snapshot leaves
    // new compiled code and strings behind, which the growth trend would read as growing.)
    try {
      rmdirSync(folder);
    } catch {
      // the parent removes what a failed snapshot leaves (parent.ts cleanUp)
    }
  }
}

/** Memory sampled before each call of the two measured passes. */
interface Samples {
  rss: number[];
  heapUsed: number[];
  external: number[];
}

function sample(samples: Samples): void {
  const usage = process.memoryUsage();
  samples.rss.push(usage.rss);
  samples.heapUsed.push(usage.heapUsed);
  samples.external.push(usage.external);
}

function series(withoutGc: Samples, withGc: Samples, key: keyof Samples): PassSeries {
  return { withoutGc: withoutGc[key], withGc: withGc[key] };
}

/** How runCalls makes its calls. */
interface CallPlan {
  /** Memory sampled before each call, or null for the growth calls (they only lead to a snapshot). */
  samples: Samples | null;
  /** A full GC after each call (the with-gc pass), so what stays is what is still reachable. */
  gcAfterEachCall: boolean;
  /** The first calls of a pass: the scenario's beforePass runs, then the heap is settled. */
  startsPass: boolean;
  /** The first call's iteration number (the growth calls go on counting after the pass). Default 0. */
  firstIteration?: number;
}

async function main(start: StartMessage): Promise<void> {
  const begin = Date.now();
  // A process warning (MaxListenersExceededWarning…) is often a leak's first sign.
  // Node still prints it on stderr, which the runner forwards.
  process.on('warning', (warning) => void send({ type: 'warning', name: warning.name, message: warning.message }));
  const module = (await stage('load', () => loadModule(start.file))) as Record<string, unknown>;
  const exported = scenarioExport(module);
  // A page scenario (action/back) runs in the parent, which drives a browser (page.ts): say so and stop.
  if (isPageScenario(exported)) {
    await send({ type: 'page' });
    process.exit(0);
  }
  const scenario: Scenario = await stage('validate', () => validateScenario(exported, start.file));
  const iterations = start.iterations ?? scenario.iterations ?? DEFAULT_ITERATIONS;
  const batch = start.batch ?? scenario.batch ?? DEFAULT_BATCH;
  const growthIterations = start.growthIterations ?? Math.max(MIN_GROWTH_ITERATIONS, Math.ceil(iterations / 2));
  const base = safeName(scenario.name);
  const snapshots = {
    before: join(start.outDir, `${base}.before.heapsnapshot`),
    after: join(start.outDir, `${base}.after.heapsnapshot`),
    growth: Array.from({ length: GROWTH_SNAPSHOTS }, (_, i) =>
      join(start.scratchDir, `${base}.growth-${i + 1}.heapsnapshot`),
    ),
  };
  await send({
    type: 'loaded',
    name: scenario.name,
    description: scenario.description ?? '',
    expect: scenario.expect ?? 'no-leak',
    trackClass: scenario.trackClass ?? null,
    iterations,
    batch,
    growthIterations,
    snapshots,
    log: join(start.outDir, `${base}.log`),
  });
  // The runner first checks that nothing of the user's is at those names (outputs.ts).
  await new Promise<void>((resolve) =>
    process.on('message', function onMessage(message: ProceedMessage) {
      if (message.type !== 'proceed') return;
      process.off('message', onMessage);
      resolve();
    }),
  );

  await send({ type: 'progress', phase: 'setup' });
  await stage('setup', () => scenario.setup?.());
  const withoutGcSamples: Samples = { rss: [], heapUsed: [], external: [] };
  const withGcSamples: Samples = { rss: [], heapUsed: [], external: [] };
  /** `count` calls of the pass `name`, numbered from `calls.firstIteration`. */
  const runCalls = async (name: Pass, count: number, calls: CallPlan): Promise<void> => {
    const { samples, gcAfterEachCall, startsPass } = calls;
    const first = calls.firstIteration ?? 0;
    if (startsPass) {
      await send({ type: 'progress', phase: 'before-pass', pass: name });
      await stage('setup', () => scenario.beforePass?.(name));
      // Each pass starts from a collected heap, so its first sample is not the last pass's garbage.
      await settle(gc!, start.intervalMs);
    }
    for (let iteration = first; iteration < first + count; iteration++) {
      if (samples) {
        await send({ type: 'progress', phase: 'iteration', pass: name, iteration: iteration + 1 });
        sample(samples);
      } else {
        const phase = name === 'warm-up' ? 'warm-up' : 'growth';
        await send({ type: 'progress', phase, pass: name, iteration: iteration - first + 1 });
      }
      await stage('run', () => scenario.run({ iteration, batch, pass: name }));
      // Yield to the event loop after every call: WeakRef targets made in this job can only die once it ends.
      await sleep(start.intervalMs);
      if (gcAfterEachCall) gc!();
    }
  };
  // One call before the before snapshot, as a page scenario's warm-up round: what the first call sets up
  // once (a module required lazily, a client's connection pool, a lookup table) is not counted as new.
  await runCalls('warm-up', 1, { samples: null, gcAfterEachCall: false, startsPass: true });
  await settle(gc!, start.intervalMs);
  await send({ type: 'progress', phase: 'snapshot-before' });
  await stage('snapshot', () => writeSnapshot(snapshots.before));
  // The runner's analysis starts on it now. (No helper around these two lines: a function of its
  // own would leave one more closure context in the before snapshot, a row of the reported diff.)
  await send({ type: 'written', file: snapshots.before });

  await runCalls('without-gc', iterations, { samples: withoutGcSamples, gcAfterEachCall: false, startsPass: true });
  await runCalls('with-gc', iterations, { samples: withGcSamples, gcAfterEachCall: true, startsPass: true });
  await settle(gc!, start.intervalMs);
  await send({ type: 'progress', phase: 'snapshot-after' });
  await stage('snapshot', () => writeSnapshot(snapshots.after));
  await send({ type: 'written', file: snapshots.after });

  // More calls of the same pass, a snapshot after every growthIterations of them: the trend
  // tells objects that keep growing (even less than one per call) from ones allocated once
  // (lazy caches, compiled code) or caches that filled up and stopped.
  for (const [step, file] of snapshots.growth.entries()) {
    await runCalls('with-gc', growthIterations, {
      samples: null,
      gcAfterEachCall: true,
      startsPass: false,
      firstIteration: iterations + step * growthIterations,
    });
    await settle(gc!, start.intervalMs);
    await send({ type: 'progress', phase: 'snapshot-growth' });
    await stage('snapshot', () => writeSnapshot(file));
    await send({ type: 'written', file });
  }

  await send({ type: 'progress', phase: 'teardown' });
  await stage('teardown', () => scenario.teardown?.());
  await send({
    type: 'done',
    rss: series(withoutGcSamples, withGcSamples, 'rss'),
    heapUsed: series(withoutGcSamples, withGcSamples, 'heapUsed'),
    external: series(withoutGcSamples, withGcSamples, 'external'),
    durationMs: Date.now() - begin,
  });
}

// Tells the analysis that this process's snapshots were taken by leakscan, with only its own frames on the stack.
(globalThis as Record<symbol, unknown>)[Symbol('leakscan')] = RUNNER_MARKER;

/** What was thrown, in one line: an Error's message (with its name when that says more), else the value itself. */
function describeThrown(value: unknown, options: { withName: boolean }): string {
  if (value instanceof Error) return options.withName ? `${value.name}: ${value.message}` : value.message;
  return `a non-Error value: ${inspect(value, { depth: 2, breakLength: Infinity }).slice(0, MAX_THROWN_TEXT)}`;
}

async function reportAndExit(stageName: string, original: unknown): Promise<never> {
  const e = original instanceof Error ? (original as NodeJS.ErrnoException) : null;
  await send({
    type: 'error',
    stage: stageName,
    // Outside a call nothing says what kind of error it was: keep its name.
    message: describeThrown(original, { withName: stageName === 'uncaught' || stageName === 'rejection' }),
    stack: e?.stack ?? null,
    code: typeof e?.code === 'string' ? e.code : null,
    file: typeof (e as { path?: unknown } | null)?.path === 'string' ? String((e as { path: string }).path) : null,
  });
  process.exit(1);
}

// leakscan is gone (killed with SIGKILL: its end of the IPC channel closed): this process and
// everything the scenario started (its process group, parent.ts starts it detached) go too.
process.on('disconnect', () => {
  try {
    if (process.platform !== 'win32') process.kill(-process.pid, 'SIGKILL');
  } finally {
    process.exit(1);
  }
});

// Failures outside the scenario's calls: each is reported as what it is, with the stage it came in.
process.on('uncaughtException', (err) => void reportAndExit('uncaught', err));
process.on('unhandledRejection', (reason) => void reportAndExit('rejection', reason));
// The event loop ran empty before main() finished: a call awaits a promise nothing settles.
// (An explicit process.exit() skips this event, which is how the runner tells the two apart.)
let stalled = false;
process.on('beforeExit', () => {
  if (stalled) return;
  stalled = true;
  void send({ type: 'stalled' });
});

process.once('message', (start: StartMessage) => {
  main(start).then(
    // Scenarios may leave timers, servers or intervals behind: do not wait for them.
    () => process.exit(0),
    (err: unknown) =>
      reportAndExit(err instanceof StageError ? err.stage : 'internal', err instanceof StageError ? err.original : err),
  );
});
