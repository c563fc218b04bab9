// The analysis step of `leakscan run` (after runner/parent.ts, before the
// reporters): one scenario's measurements and snapshots become a result with
// a verdict. The leak rule is in leaks.ts, the trend it reads in growth.ts.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult, ScenarioRun } from '../types.js';
import { type AnalysisProgress, loadBaseline } from './diff.js';
import { DEFAULT_LEAK_RULE, findLeaks, type LeakRule, verdictOf } from './leaks.js';
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
  const rule = options.rule ?? DEFAULT_LEAK_RULE;
  try {
    const baseline = await loadBaseline(run.snapshots.before, options);
    const calls = { calls: run.iterations, stepCalls: run.growthIterations };
    const { diff, leaks, growth } = await findLeaks(
      baseline,
      run.snapshots.after,
      run.snapshots.growth,
      calls,
      rule,
      options.onProgress,
    );
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
  } finally {
    await removeGrowthSnapshots(run.snapshots.growth);
  }
}

/** The runner writes them into its own `leakscan-*` temp folder: remove that folder, and never more than the files otherwise. */
async function removeGrowthSnapshots(files: string[]): Promise<void> {
  for (const file of files) {
    const folder = dirname(file);
    const own = dirname(folder) === tmpdir() && basename(folder).startsWith('leakscan-');
    await rm(own ? folder : file, { recursive: true, force: true });
  }
}
