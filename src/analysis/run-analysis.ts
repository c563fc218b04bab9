// The analysis step of `leakscan run` (beside runner/parent.ts, before the
// reporters): one scenario's snapshots become findings, and with its
// measurements a result with a verdict. The leak rule is in leaks.ts, the trend it reads in growth.ts.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HeapGraph } from '../engine/index.js';
import type { ScenarioResult, ScenarioRun, SnapshotPlan } from '../types.js';
import { baselineOf } from './baseline.js';
import { type AnalysisProgress, loadGraph } from './diff.js';
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
 * (leaks.ts). Reads each snapshot once `written` says it is complete
 * (default: they all are), so that the analysis of a scenario goes on while
 * it still runs. The caller deletes the growth snapshots afterwards
 * (removeGrowthSnapshots): they only serve this comparison.
 */
export async function findRunLeaks(
  plan: SnapshotPlan,
  options: AnalyzeScenarioRunOptions & { written?: (file: string) => Promise<void> } = {},
): Promise<RunFindings> {
  const rule = options.rule ?? DEFAULT_LEAK_RULE;
  const beforeFile = plan.snapshots.before;
  await options.written?.(beforeFile);
  // Read once: the baseline first, then the trend takes the graph (it applies shapes to it).
  const before = { graph: (await loadGraph(beforeFile, options.onProgress)) as HeapGraph | null };
  options.onProgress?.({ phase: 'analyze', file: beforeFile, step: 'tracing' });
  const baseline = baselineOf(before.graph!);
  const calls = { calls: plan.iterations, stepCalls: plan.growthIterations };
  const { diff, leaks, growth } = await findLeaks(
    baseline,
    plan.snapshots.after,
    plan.snapshots.growth,
    calls,
    rule,
    options.onProgress,
    { written: options.written, before },
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
