// Turns the raw measurements of one scenario into a result with a verdict.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import type { ScenarioResult, ScenarioRun } from '../types.js';
import { loadBaseline, type AnalysisProgress } from './diff.js';
import { DEFAULT_LEAK_RULE, findLeaks, verdictOf, type LeakRule } from './leaks.js';

export interface AnalyzeRunOptions {
  rule?: LeakRule;
  onProgress?: (event: AnalysisProgress) => void;
}

/**
 * Diffs before→after (the reported diff) and before→growth; a class leaks
 * when it kept growing over the extra calls between after and growth
 * (leaks.ts). The growth snapshot is deleted afterwards: it only serves this
 * comparison.
 */
export async function analyzeRun(run: ScenarioRun, options: AnalyzeRunOptions = {}): Promise<ScenarioResult> {
  const rule = options.rule ?? DEFAULT_LEAK_RULE;
  try {
    const baseline = await loadBaseline(run.snapshots.before, options);
    const { diff, leaks } = await findLeaks(baseline, run.snapshots.after, run.snapshots.growth, run.iterations, run.growthIterations, rule, options.onProgress);
    const { status, asExpected, verdict } = verdictOf(run, diff, leaks);
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
      status,
      asExpected,
      verdict,
      error: null,
      durationMs: run.durationMs,
    };
  } finally {
    await removeGrowthSnapshot(run.snapshots.growth);
  }
}

/** The runner writes it into its own `leakscan-*` temp folder: remove that folder, and never more than the file otherwise. */
async function removeGrowthSnapshot(file: string): Promise<void> {
  const folder = dirname(file);
  const own = dirname(folder) === tmpdir() && basename(folder).startsWith('leakscan-');
  await rm(own ? folder : file, { recursive: true, force: true });
}
