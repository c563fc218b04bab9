// The analysis step of `leakscan run` (after runner/parent.ts, before the
// reporters): one scenario's measurements and snapshots become a result with
// a verdict. The leak rule is in leaks.ts, the trend it reads in growth.ts.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult, ScenarioRun, SnapshotPlan } from '../types.js';
import { type AnalysisProgress, loadBaseline } from './diff.js';
import { DEFAULT_LEAK_RULE, findLeaks, type LeakFindings, type LeakRule, verdictOf } from './leaks.js';
import { cutStacks } from './where.js';

/** The runner's child process: its frames sit below every scenario's in an allocation stack. */
const RUNNER_SCRIPTS = new Set([
  fileURLToPath(new URL('../runner/child.js', import.meta.url)),
  new URL('../runner/child.js', import.meta.url).href,
]);

export interface AnalyzeScenarioRunOptions {
  rule?: LeakRule;
  onProgress?: (event: AnalysisProgress) => void;
}

/** What a run's leak findings are made of: the reported diff, the leaking classes, what grows in bytes. */
export type RunFindings = Pick<LeakFindings, 'diff' | 'leaks' | 'growth'>;

/**
 * Diffs before→after (the reported diff) and measures the trend over after
 * and the growth snapshots; what kept growing over the extra calls leaks
 * (leaks.ts). The growth snapshots are deleted afterwards: they only serve
 * this comparison.
 */
export async function analyzeScenarioRun(
  run: ScenarioRun,
  options: AnalyzeScenarioRunOptions = {},
): Promise<ScenarioResult> {
  try {
    return scenarioResult(run, await findRunLeaks(run, options));
  } finally {
    await removeGrowthSnapshots(run.snapshots.growth);
  }
}

/**
 * The leak findings of a run from its snapshots, each read once `written`
 * says it is complete (default: they all are), so that the analysis of a
 * scenario goes on while it still runs. Leaves the growth snapshots.
 */
export async function findRunLeaks(
  plan: SnapshotPlan,
  options: AnalyzeScenarioRunOptions & { written?: (file: string) => Promise<void> } = {},
): Promise<RunFindings> {
  const rule = options.rule ?? DEFAULT_LEAK_RULE;
  await options.written?.(plan.snapshots.before);
  const baseline = await loadBaseline(plan.snapshots.before, options);
  const calls = { calls: plan.iterations, stepCalls: plan.growthIterations };
  const { diff, leaks, growth } = await findLeaks(
    baseline,
    plan.snapshots.after,
    plan.snapshots.growth,
    calls,
    rule,
    options.onProgress,
    { written: options.written },
  );
  return { diff, leaks, growth };
}

/** The run's measurements, its findings and the verdict, as the result of the scenario. */
export function scenarioResult(run: ScenarioRun, { diff, leaks, growth }: RunFindings): ScenarioResult {
  const { status, asExpected, verdict } = verdictOf(run, diff);
  for (const c of [...(diff?.classes ?? []), ...leaks]) {
    if (c.allocationStacks) c.allocationStacks = cutStacks(c.allocationStacks, (f) => RUNNER_SCRIPTS.has(f.script));
  }
  return {
    name: run.name,
    description: run.description,
    file: run.file,
    expect: run.expect,
    iterations: run.iterations,
    batch: run.batch,
    intervalMs: run.intervalMs,
    rss: run.rss,
    heapUsed: run.heapUsed,
    external: run.external,
    snapshots: { before: run.snapshots.before, after: run.snapshots.after },
    log: run.log,
    warnings: run.warnings,
    diff,
    leaks,
    growth,
    status,
    asExpected,
    verdict,
    error: null,
    ...(run.page ? { page: run.page } : {}),
    durationMs: run.durationMs,
  };
}

/** The runner writes them into its own `leakscan-*` temp folder: remove that folder, and never more than the files otherwise. */
export async function removeGrowthSnapshots(files: string[]): Promise<void> {
  for (const file of files) {
    const folder = dirname(file);
    const own = dirname(folder) === tmpdir() && basename(folder).startsWith('leakscan-');
    await rm(own ? folder : file, { recursive: true, force: true });
  }
}
