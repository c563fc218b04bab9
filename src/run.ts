// `leakscan run` as a library, the core between the command and the reporters:
//
//   commands/run.ts      parses the arguments, calls runScenarios, hands the result to a reporter
//   run.ts (this file)   runScenarios: per scenario, its process, and the analysis of each
//                        snapshot once written; `jobs` scenarios at once
//   runner/parent.ts     starts the scenario's process and drives it (runner/child.ts runs the
//                        passes and writes the snapshots; runner/protocol.ts is what they say);
//                        a page scenario (page-scenario.ts) runs here instead, in runner/page.ts
//   analysis/run-analysis.ts  the before/after diff and the growth snapshots' trend → a result
//                        with a verdict (analysis/leaks.ts the leak rule, analysis/growth.ts the trend)
//   report/terminal.ts, markdown.ts, html.ts   the RunResult as text, called by the command
//
// A failing scenario does not stop the others; it is reported with its error.
import { basename, extname } from 'node:path';
import type { LeakRule } from './analysis/leaks.js';
import {
  type AnalyzeScenarioRunOptions,
  findRunLeaks,
  type RunFindings,
  removeGrowthSnapshots,
  scenarioResult,
} from './analysis/run-analysis.js';
import { ExitCode, LeakscanError } from './errors.js';
import { analysisProgressText } from './report/progress.js';
import { runPageScenario } from './runner/page.js';
import { PageScenarioFound, type RunOptions, runScenarioProcess } from './runner/parent.js';
import type { ProgressMessage } from './runner/protocol.js';
import { NamedTurns, Turns, WrittenFiles } from './runner/schedule.js';
import { resolveScenario } from './scenario.js';
import type { RunResult, ScenarioResult, ScenarioRun, SnapshotPlan } from './types.js';

export interface RunScenariosOptions extends Omit<RunOptions, 'onProgress' | 'beforeWriting'> {
  rule?: LeakRule;
  /**
   * Progress of the scenario in the child and of the analysis, as short texts;
   * `entry` is the scenario's place in the list (several are under way at once
   * with `jobs`).
   */
  onProgress?: (scenario: string, text: string, entry: number) => void;
  /** The scenario at `entry` in the list is finished: run, analysed or failed. */
  onScenarioEnd?: (entry: number) => void;
  /**
   * Scenario processes (or page scenarios) running at once; default 1. Two
   * scenarios of one name still write their files one after the other, and
   * page scenarios run one at a time (they share this process's console).
   */
  jobs?: number;
}

function childProgressText(event: ProgressMessage): string {
  if (event.phase === 'iteration') return `${event.pass} iteration ${event.iteration}`;
  if (event.phase === 'growth') return `growth call ${event.iteration}`;
  if (event.phase === 'warm-up') return 'warm-up call';
  if (event.phase === 'before-pass') return `starting the ${event.pass} pass`;
  return event.phase;
}

/** Per entry of the list: its progress, and when its outputs may be written. */
interface EntryHooks {
  onProgress: (scenario: string, text: string) => void;
  beforeWriting?: (outputs: string[]) => Promise<void>;
  /** Page scenarios take turns (runner/page.ts replaces the console while one runs). */
  pageTurn?: <T>(run: () => Promise<T>) => Promise<T>;
  /** The scenario's process (or page) is over, its analysis may not be. */
  onProcessEnd?: () => void;
  /** Turns of reading and analysing one snapshot: analyses share this process's thread and memory. */
  analyses?: Turns;
}

/** The scenario's process: its measurements and snapshots. */
async function runProcess(
  scenario: string,
  options: RunScenariosOptions,
  hooks: EntryHooks,
  snapshots: Pick<RunOptions, 'onPlanned' | 'onWritten'>,
): Promise<ScenarioRun> {
  const label = scenarioLabel(scenario);
  const file = resolveScenario(scenario);
  const runOptions = { ...options, ...snapshots, onProgress: undefined, beforeWriting: hooks.beforeWriting };
  // The child loads the file first: a Node scenario's module never runs in this process.
  return runScenarioProcess(file, {
    ...runOptions,
    onProgress: (event) => hooks.onProgress(label, childProgressText(event)),
  }).catch((err: unknown) => {
    if (!(err instanceof PageScenarioFound)) throw err;
    const page = (): Promise<ScenarioRun> =>
      runPageScenario(file, { ...runOptions, onProgress: (text) => hooks.onProgress(label, text) });
    return hooks.pageTurn ? hooks.pageTurn(page) : page();
  });
}

/**
 * The scenario's process, and its analysis from the moment its first snapshot
 * is written: the before and after snapshots are read while it makes the
 * growth calls. The progress shows the process while it runs, then the analysis.
 */
async function runAndAnalyze(
  scenario: string,
  options: RunScenariosOptions,
  hooks: EntryHooks,
): Promise<ScenarioResult> {
  const files = new WrittenFiles();
  let running = true;
  let growthFiles: string[] = [];
  let findings = null as Promise<RunFindings> | null;
  const analysis = (name: string): AnalyzeScenarioRunOptions => ({
    rule: options.rule,
    onProgress: (event) => {
      if (!running) hooks.onProgress(name, analysisProgressText(event));
    },
  });
  // One snapshot read and analysed at a time in this process, whatever the number of scenarios under way:
  // the analysis takes its turn once its next file is written, and gives it back to wait for the next
  // (keeping only its after graph, prepared, for its diff: growth.ts).
  let turn: (() => void) | null = null;
  const giveBack = (): void => {
    turn?.();
    turn = null;
  };
  const written = async (file: string): Promise<void> => {
    giveBack();
    await files.wait(file);
    if (hooks.analyses) turn = await hooks.analyses.take();
  };
  const analyse = (plan: SnapshotPlan): Promise<RunFindings> =>
    findRunLeaks(plan, { ...analysis(plan.name), written }).finally(giveBack);
  const onPlanned = (plan: SnapshotPlan): void => {
    growthFiles = plan.snapshots.growth;
    findings = analyse(plan);
    findings.catch(() => {}); // awaited below, whichever way the run ends
  };
  try {
    let run: ScenarioRun;
    try {
      run = await runProcess(scenario, options, hooks, { onPlanned, onWritten: (file) => files.written(file) });
    } catch (err) {
      files.failed(err);
      // Its reads end before the scenario does (and before its growth snapshots go).
      await findings?.catch(() => {});
      throw err;
    } finally {
      running = false;
      hooks.onProcessEnd?.();
    }
    files.allWritten();
    growthFiles = run.snapshots.growth;
    return scenarioResult(run, await (findings ?? analyse(run)));
  } finally {
    await removeGrowthSnapshots(growthFiles);
  }
}

/** Runs one scenario (a built-in name or a file path) and analyses it. Throws LeakscanError when it fails. */
export async function runScenario(scenario: string, options: RunScenariosOptions): Promise<ScenarioResult> {
  try {
    return await runAndAnalyze(scenario, options, { onProgress: (name, text) => options.onProgress?.(name, text, 0) });
  } finally {
    options.onScenarioEnd?.(0);
  }
}

export interface ScenarioFailure {
  result: ScenarioResult;
  exitCode: ExitCode;
}

/**
 * Runs the scenarios, `jobs` processes at a time (default one); failures
 * become results with status 'failed'. A scenario's analysis reads each of
 * its snapshots once it is written, while the scenario and the next ones run
 * (a scenario's process mostly waits between its calls); one snapshot is
 * analysed at a time. The results keep the order of the list.
 */
export async function runScenarios(
  scenarios: string[],
  options: RunScenariosOptions,
): Promise<{ result: RunResult; failures: ScenarioFailure[]; errors: unknown[] }> {
  const outcomes: Array<Promise<{ ok: ScenarioResult } | { error: unknown }>> = [];
  const slots = new Turns(Math.max(1, Math.floor(options.jobs ?? 1)));
  const pages = new Turns(1);
  const analyses = new Turns(1);
  const names = new NamedTurns();
  const pageTurn = <T>(run: () => Promise<T>): Promise<T> => pages.take().then((done) => run().finally(done));
  for (const [entry, scenario] of scenarios.entries()) {
    const freeSlot = await slots.take();
    if (options.signal?.aborted) {
      freeSlot();
      break;
    }
    // Held from the scenario's 'loaded' until its analysis is over: its files are read until then.
    let releaseName: (() => void) | null = null;
    let ended = false;
    const end = (): void => {
      ended = true;
      releaseName?.();
      options.onScenarioEnd?.(entry);
    };
    const hooks: EntryHooks = {
      onProgress: (name, text) => options.onProgress?.(name, text, entry),
      beforeWriting: async (outputs) => {
        const release = await names.take(outputs[0]);
        if (ended) release();
        else releaseName = release;
      },
      pageTurn,
      onProcessEnd: freeSlot,
      analyses,
    };
    const outcome = runAndAnalyze(scenario, options, hooks)
      .then(
        (ok) => ({ ok }),
        (error: unknown) => ({ error }),
      )
      .finally(end);
    outcomes.push(outcome);
  }
  const settled = await Promise.all(outcomes);
  // Stopped: the analyses under way have finished (and removed their temp files); nothing is reported.
  if (options.signal?.aborted) throw options.signal.reason;
  const results: ScenarioResult[] = [];
  const failures: ScenarioFailure[] = [];
  const errors: unknown[] = [];
  for (const [i, outcome] of settled.entries()) {
    if ('ok' in outcome) {
      results.push(outcome.ok);
      continue;
    }
    const result = failedResult(scenarios[i], outcome.error, options);
    results.push(result);
    failures.push({
      result,
      exitCode: outcome.error instanceof LeakscanError ? outcome.error.exitCode : ExitCode.Internal,
    });
    errors.push(outcome.error);
  }
  return { result: { scenarios: results }, failures, errors };
}

function scenarioLabel(scenario: string): string {
  return /[\\/]/.test(scenario) || extname(scenario) ? basename(scenario, extname(scenario)) : scenario;
}

function failedResult(scenario: string, err: unknown, options: RunScenariosOptions): ScenarioResult {
  const message = err instanceof Error ? err.message : String(err);
  const name = err instanceof LeakscanError && 'scenario' in err ? String(err.scenario) : scenarioLabel(scenario);
  // The verdict starts with the name already: "hangs: failed — timed out …", not "hangs: failed — scenario hangs: timed out …".
  const problem = message.startsWith(`scenario ${name}: `) ? message.slice(`scenario ${name}: `.length) : message;
  return {
    name,
    description: '',
    file: scenario,
    expect: 'no-leak',
    iterations: options.iterations ?? 0,
    batch: options.batch ?? 0,
    intervalMs: options.intervalMs ?? 0,
    rss: { withoutGc: [], withGc: [] },
    heapUsed: { withoutGc: [], withGc: [] },
    external: { withoutGc: [], withGc: [] },
    snapshots: { before: '', after: '' },
    log: null,
    warnings: [],
    diff: null,
    leaks: [],
    growth: [],
    status: 'failed',
    asExpected: false,
    verdict: `${name}: failed — ${problem}`,
    error: message,
    durationMs: 0,
  };
}
