// Turns the raw measurements of one scenario into a result with a verdict.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import type { ClassDiff, ScenarioResult, ScenarioRun } from '../types.js';
import { diffAgainst, loadBaseline, type AnalysisProgress } from './diff.js';
import { addedCounts, DEFAULT_LEAK_RULE, isGrowing, verdictOf, type LeakRule } from './leaks.js';

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
  const thresholds = { minCount: rule.minCount, minBytes: rule.minBytes };
  try {
    const baseline = await loadBaseline(run.snapshots.before, options);
    const later = addedCounts(await diffAgainst(baseline, run.snapshots.growth, { paths: 0, thresholds, onProgress: options.onProgress }));
    const growing = (entry: ClassDiff): boolean => isGrowing(entry, later, run.growthIterations, rule);
    const diff = await diffAgainst(baseline, run.snapshots.after, {
      thresholds,
      onProgress: options.onProgress,
      tracePath: (entry, rank) => rank < 3 || growing(entry),
    });
    for (const entry of diff.classes) entry.suspect = growing(entry);
    const leaks = diff.classes.filter((c) => c.suspect);
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
      snapshots: { before: run.snapshots.before, after: run.snapshots.after },
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
