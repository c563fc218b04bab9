// `leakscan run` as a library, the core between the command and the reporters:
//
//   commands/run.ts      parses the arguments, calls runScenarios, hands the result to a reporter
//   run.ts (this file)   runScenarios: per scenario, its process, then its analysis
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
import { analyzeScenarioRun } from './analysis/run-analysis.js';
import { ExitCode, LeakscanError } from './errors.js';
import { analysisProgressText } from './report/progress.js';
import { runPageScenario } from './runner/page.js';
import { PageScenarioFound, type RunOptions, runScenarioProcess } from './runner/parent.js';
import type { ProgressMessage } from './runner/protocol.js';
import { resolveScenario } from './scenario.js';
import type { RunResult, ScenarioResult, ScenarioRun } from './types.js';

export interface RunScenariosOptions extends Omit<RunOptions, 'onProgress'> {
  rule?: LeakRule;
  /** Progress of the scenario in the child and of the analysis, as short texts. */
  onProgress?: (scenario: string, text: string) => void;
}

function childProgressText(event: ProgressMessage): string {
  if (event.phase === 'iteration') return `${event.pass} iteration ${event.iteration}`;
  if (event.phase === 'growth') return `growth call ${event.iteration}`;
  if (event.phase === 'before-pass') return `starting the ${event.pass} pass`;
  return event.phase;
}

/** The scenario's process: its measurements and snapshots. */
function runProcess(scenario: string, options: RunScenariosOptions): Promise<ScenarioRun> {
  const label = scenarioLabel(scenario);
  const file = resolveScenario(scenario);
  // The child loads the file first: a Node scenario's module never runs in this process.
  return runScenarioProcess(file, {
    ...options,
    onProgress: (event) => options.onProgress?.(label, childProgressText(event)),
  }).catch((err: unknown) => {
    if (!(err instanceof PageScenarioFound)) throw err;
    return runPageScenario(file, { ...options, onProgress: (text) => options.onProgress?.(label, text) });
  });
}

function analyze(run: ScenarioRun, options: RunScenariosOptions): Promise<ScenarioResult> {
  return analyzeScenarioRun(run, {
    rule: options.rule,
    onProgress: (event) => options.onProgress?.(run.name, analysisProgressText(event)),
  });
}

/** Runs one scenario (a built-in name or a file path) and analyses it. Throws LeakscanError when it fails. */
export async function runScenario(scenario: string, options: RunScenariosOptions): Promise<ScenarioResult> {
  return analyze(await runProcess(scenario, options), options);
}

export interface ScenarioFailure {
  result: ScenarioResult;
  exitCode: ExitCode;
}

/**
 * Runs every scenario in turn; failures become results with status 'failed'.
 * One child process at a time, but a scenario's analysis runs while the next
 * one's child runs (a child mostly waits between its calls).
 */
export async function runScenarios(
  scenarios: string[],
  options: RunScenariosOptions,
): Promise<{ result: RunResult; failures: ScenarioFailure[]; errors: unknown[] }> {
  const outcomes: Array<Promise<{ ok: ScenarioResult } | { error: unknown }>> = [];
  for (const scenario of scenarios) {
    if (options.signal?.aborted) break;
    let run: ScenarioRun;
    try {
      run = await runProcess(scenario, options);
    } catch (error) {
      outcomes.push(Promise.resolve({ error }));
      continue;
    }
    outcomes.push(
      analyze(run, options).then(
        (ok) => ({ ok }),
        (error: unknown) => ({ error }),
      ),
    );
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
