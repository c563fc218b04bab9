// A page scenario's run (page-scenario.ts), the page side of the second step
// of `leakscan run`: in leakscan's own process, which drives Chrome or
// Chromium through browser/puppeteer.ts. Opens the URL, runs setup and one
// warm-up round (action, back), takes the before snapshot, repeats the rounds
// recording the page's metrics after each, takes the after snapshot, then the
// growth snapshots. Everything goes through ONE DevTools session: V8
// renumbers object ids when the last inspector session ends, and the diff
// matches objects by id.
//
// The snapshots feed the same analysis as a Node scenario's (run-analysis.ts,
// leaks.ts): before→after is the reported diff, and a class leaks when it
// also keeps growing over the growth snapshots. That is memlab's
// baseline/target/final idea, made stricter: memlab keeps what was new in the
// target and still alive in the final; run's rule asks that it grows again
// over more rounds, which leaves out what a page allocates once on first use
// (a lazily built menu, compiled code, a cache that filled up). Using that one
// rule keeps --min-count, --min-bytes, the verdict and --fail-on-leak the same
// for pages and Node.
//
// Leaves either complete snapshots or none, and never a browser: it is closed
// (killed if it does not answer) and its profile removed on every way out.
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { format } from 'node:util';
import { RUNNER_MARKER } from '../analysis/trace.js';
import { findBrowser, type LaunchedBrowser, launchBrowser, loadPuppeteer, pageMetrics } from '../browser/puppeteer.js';
import { takeSnapshot } from '../capture/snapshot.js';
import { fileError, LeakscanError, ScenarioError } from '../errors.js';
import { type Page, validatePageScenario } from '../page-scenario.js';
import type { PageMetrics, ScenarioRun } from '../types.js';
import { loadModule, scenarioExport } from './load.js';
import { sanitizeLine } from './output.js';
import { checkOutputs } from './outputs.js';
import { DEFAULT_TIMEOUT_MS, type RunOptions } from './parent.js';
import { SNAPSHOT_TEMP_PREFIX } from './protocol.js';

export interface PageRunOptions extends Omit<RunOptions, 'onProgress' | 'batch' | 'intervalMs'> {
  /** Where the run is, as a short text ("round 3 of 10: action"). */
  onProgress?: (text: string) => void;
}

const CONSOLE_METHODS = ['log', 'info', 'debug', 'warn', 'error'] as const;

/**
 * The scenario runs in this process: what it prints with console goes to
 * onOutput (stderr), as a Node scenario's output does, never into the report
 * on stdout. Returns the function that puts console back.
 */
function captureConsole(scenario: string, onOutput: RunOptions['onOutput']): () => void {
  const saved = CONSOLE_METHODS.map((method) => console[method]);
  for (const method of CONSOLE_METHODS) {
    console[method] = (...args: unknown[]) => {
      for (const line of format(...args).split('\n')) onOutput?.(scenario, sanitizeLine(line));
    };
  }
  return () => {
    for (const [i, method] of CONSOLE_METHODS.entries()) console[method] = saved[i];
  };
}

/** Rounds between the snapshots when neither the scenario nor --iterations says (as for Node scenarios). */
const DEFAULT_ITERATIONS = 10;
/** Growth snapshots after `after`, and the fewest rounds before each: as child.ts. */
const GROWTH_SNAPSHOTS = 2;
const MIN_GROWTH_ITERATIONS = 2;
/** Two animation frames: the next paint has happened when it resolves. */
const AFTER_PAINT = `new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(undefined))))`;
/** Page errors kept as warnings. */
const MAX_WARNINGS = 100;

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/** Runs the page scenario in `file`; resolves with its measurements and snapshots, rejects with a LeakscanError. */
export async function runPageScenario(file: string, options: PageRunOptions): Promise<ScenarioRun> {
  const begin = Date.now();
  const label = basename(file).replace(/(\.page)?\.\w+$/, '');
  const restoreConsole = captureConsole(label, options.onOutput);
  try {
    return await runLoaded(file, label, begin, options);
  } finally {
    restoreConsole();
  }
}

async function runLoaded(file: string, label: string, begin: number, options: PageRunOptions): Promise<ScenarioRun> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = options.signal;
  let module: Record<string, unknown>;
  try {
    module = (await loadModule(file)) as Record<string, unknown>;
  } catch (err) {
    throw new ScenarioError(label, `failed to load: ${messageOf(err)}`, { cause: err });
  }
  const scenario = validatePageScenario(scenarioExport(module), label);
  const name = scenario.name;
  // Before anything is written: puppeteer-core and a browser, or one line saying which is missing.
  await loadPuppeteer();
  const found = findBrowser();
  if (found.path === null) throw new ScenarioError(name, found.reason);

  const iterations = options.iterations ?? scenario.iterations ?? DEFAULT_ITERATIONS;
  const growthIterations = options.growthIterations ?? Math.max(MIN_GROWTH_ITERATIONS, Math.ceil(iterations / 2));
  const outDir = resolve(options.outDir);
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    throw fileError(options.outDir, err);
  }
  const base = safeName(name);
  const scratchDir = mkdtempSync(join(tmpdir(), 'leakscan-'));
  const snapshots = {
    before: join(outDir, `${base}.before.heapsnapshot`),
    after: join(outDir, `${base}.after.heapsnapshot`),
    growth: Array.from({ length: GROWTH_SNAPSHOTS }, (_, i) =>
      join(scratchDir, `${base}.growth-${i + 1}.heapsnapshot`),
    ),
  };
  const written: string[] = [];
  let browser: LaunchedBrowser | null = null;
  options.onPlanned?.({ name, iterations, growthIterations, snapshots });

  /** One step of the run, named in its errors, within the time limit, stopped by the signal. */
  const step = async <T>(what: string, work: () => Promise<T>, userCode = false): Promise<T> => {
    if (signal?.aborted) throw signal.reason;
    options.onProgress?.(what);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const limits = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ScenarioError(
              name,
              `timed out after ${seconds(timeoutMs)} in ${what} (raise --timeout if it needs longer)`,
            ),
          ),
        timeoutMs,
      );
      onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([
        work().catch((err: unknown) => {
          if (err instanceof LeakscanError) throw err;
          throw new ScenarioError(name, `${userCode ? 'threw' : 'failed'} in ${what}: ${messageOf(err)}`, {
            cause: err,
          });
        }),
        limits,
      ]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  };

  const log = join(outDir, `${base}.log`);
  try {
    // Outside a step: waiting for another scenario of the same name is not this one's time.
    await options.beforeWriting?.([snapshots.before, snapshots.after, log]);
    await step('checking the output names', () =>
      checkOutputs([snapshots.before, snapshots.after], log, { force: options.force ?? false }),
    );
    const launching = launchBrowser(found.path, { timeoutMs });
    try {
      browser = await step(`starting ${found.path}`, () => launching);
    } catch (err) {
      // The step gave up (a timeout, Ctrl-C) while the browser was still starting: it is closed once
      // up, before the run ends, or it would outlive leakscan (scenarios at once start it early).
      await launching.then(
        (late) => late.close(),
        () => {},
      );
      throw err;
    }
    const launched = browser;
    const { page, session } = launched;
    const warnings: string[] = [];
    page.on('pageerror', (err: unknown) => {
      const text = `page error: ${messageOf(err)}`;
      if (warnings.length < MAX_WARNINGS && !warnings.includes(text)) warnings.push(text);
    });
    // In every document the page opens: tells a later run that these snapshots are leakscan's (outputs.ts).
    await step('preparing the page', () =>
      page.evaluateOnNewDocument(`globalThis[Symbol('leakscan')] = ${JSON.stringify(RUNNER_MARKER)};`),
    );
    const url = await step(
      'url',
      async () => (typeof scenario.url === 'function' ? scenario.url() : scenario.url),
      true,
    );
    if (typeof url !== 'string' || url === '') throw new ScenarioError(name, '"url" must return a non-empty string');
    // --allocation-stacks: V8 records the stack of each allocation from here on; the snapshots carry them.
    if (options.allocationStacks)
      await step('starting allocation tracking', () =>
        session.send('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true }),
      );
    await step(`opening ${url}`, () => page.goto(url, { waitUntil: 'load' }));
    const handles = new Set<Disposable>();
    const scenarioPage = trackingPage(page, handles);
    await step('setup', async () => scenario.setup?.(scenarioPage), true);
    await releaseHandles(handles);
    const round = async (which: string): Promise<void> => {
      await step(`${which}: action`, () => scenario.action(scenarioPage), true);
      await releaseHandles(handles);
      await step(`${which}: back`, () => scenario.back(scenarioPage), true);
      await releaseHandles(handles);
      // Let the page paint what the round changed: until then Chrome holds the round's input
      // events and paint records (PerformanceEventTiming…) for its timing reports.
      await step(`${which}: waiting for the page to paint`, () => page.evaluate(AFTER_PAINT));
    };
    const collect = (): Promise<unknown> =>
      step('collecting garbage', () => session.send('HeapProfiler.collectGarbage'));
    const snapshot = async (file: string, which: string): Promise<void> => {
      await collect();
      await step(`writing the ${which} snapshot`, () => writeSnapshot(browser!, file));
      written.push(file);
      options.onWritten?.(file);
    };

    await round('warm-up round');
    await snapshot(snapshots.before, 'before');
    const metrics: PageMetrics = {
      url,
      browser: browser.version,
      jsHeapUsed: [],
      jsHeapTotal: [],
      domNodes: [],
      eventListeners: [],
      documents: [],
      browserRss: [],
    };
    for (let i = 1; i <= iterations; i++) {
      await round(`round ${i} of ${iterations}`);
      await collect();
      const m = await step('reading the page metrics', () => pageMetrics(session));
      metrics.jsHeapUsed.push(m.get('JSHeapUsedSize') ?? 0);
      metrics.jsHeapTotal.push(m.get('JSHeapTotalSize') ?? 0);
      metrics.domNodes.push(m.get('Nodes') ?? 0);
      metrics.eventListeners.push(m.get('JSEventListeners') ?? 0);
      metrics.documents.push(m.get('Documents') ?? 0);
      const rss = await step('reading the browser memory', () => launched.processRss());
      if (rss !== null) metrics.browserRss.push(rss);
    }
    await snapshot(snapshots.after, 'after');
    for (const [n, growthFile] of snapshots.growth.entries()) {
      for (let i = 1; i <= growthIterations; i++) await round(`growth round ${n * growthIterations + i}`);
      await snapshot(growthFile, 'growth');
    }
    return {
      name,
      description: scenario.description ?? '',
      file,
      expect: scenario.expect ?? 'no-leak',
      trackClass: null,
      iterations,
      batch: 1,
      intervalMs: 0,
      growthIterations,
      rss: { withoutGc: [], withGc: [] },
      heapUsed: { withoutGc: [], withGc: [] },
      external: { withoutGc: [], withGc: [] },
      log: null,
      warnings,
      snapshots,
      page: metrics,
      durationMs: Date.now() - begin,
    };
  } catch (err) {
    for (const f of written) rmSync(f, { force: true });
    rmSync(scratchDir, { recursive: true, force: true });
    throw err;
  } finally {
    await browser?.close();
  }
}

/**
 * A snapshot over the run's session into `file`, replacing leakscan's own
 * earlier one: written in a private folder beside it (takeSnapshot never
 * replaces a file), then renamed into place.
 */
async function writeSnapshot(browser: LaunchedBrowser, file: string): Promise<void> {
  const folder = mkdtempSync(join(resolve(file, '..'), `${SNAPSHOT_TEMP_PREFIX}${process.pid}-`));
  const temp = join(folder, basename(file));
  try {
    await takeSnapshot(browser.session, temp);
    renameSync(temp, file);
  } catch (err) {
    throw err instanceof LeakscanError ? err : fileError(file, err);
  } finally {
    // Private to this snapshot (mkdtemp): what a failed or stopped write left goes with it.
    rmSync(folder, { recursive: true, force: true });
  }
}

/** A puppeteer JSHandle or ElementHandle, as far as releasing it goes. */
interface Disposable {
  dispose(): Promise<void>;
}

function isHandle(value: unknown): value is Disposable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Disposable).dispose === 'function' &&
    typeof (value as { evaluate?: unknown }).evaluate === 'function'
  );
}

function track(value: unknown, handles: Set<Disposable>): void {
  if (isHandle(value)) handles.add(value);
  else if (Array.isArray(value)) for (const v of value) if (isHandle(v)) handles.add(v);
}

/**
 * The page as the scenario sees it: every handle its methods return
 * (waitForSelector, $, $$, evaluateHandle…) is recorded, so the runner can
 * dispose of it after the step. A handle the scenario drops is otherwise
 * kept by the browser's inspector until the page closes, and so is the
 * element behind it: each round would "leak" the dialog it waited for.
 */
function trackingPage(page: Page, handles: Set<Disposable>): Page {
  return new Proxy(page, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise)
          return result.then((resolved: unknown) => {
            track(resolved, handles);
            return resolved;
          });
        track(result, handles);
        return result;
      };
    },
  });
}

/** Disposes of the handles the scenario got in the last step; one that is already gone is no matter. */
async function releaseHandles(handles: Set<Disposable>): Promise<void> {
  const all = [...handles];
  handles.clear();
  await Promise.allSettled(all.map((h) => h.dispose()));
}
