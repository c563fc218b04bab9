// Turns the raw measurements of one scenario into a result with a verdict.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import type { ScenarioResult, ScenarioRun } from '../types.js';
import { diffAgainst, loadBaseline, type AnalysisProgress } from './diff.js';
import { addedCounts, DEFAULT_LEAK_RULE, isGrowing, verdictOf, type LeakRule } from './leaks.js';

export interface AnalyzeRunOptions {
  rule?: LeakRule;
  onProgress?: (event: AnalysisProgress) => void;
}

/**
 * Diffs before→mid and before→after; a class leaks when it kept growing
 * between mid and after (leaks.ts). The mid snapshot is deleted afterwards:
 * it only serves this comparison.
 */
export async function analyzeRun(run: ScenarioRun, options: AnalyzeRunOptions = {}): Promise<ScenarioResult> {
  const rule = options.rule ?? DEFAULT_LEAK_RULE;
  const thresholds = { minCount: rule.minCount, minBytes: rule.minBytes };
  const iterationsBetween = run.iterations - Math.floor(run.iterations / 2);
  try {
    const baseline = await loadBaseline(run.snapshots.before, options);
    const mid = await diffAgainst(baseline, run.snapshots.mid, { paths: 0, thresholds, onProgress: options.onProgress });
    const midAdded = addedCounts(mid);
    const diff = await diffAgainst(baseline, run.snapshots.after, {
      thresholds,
      onProgress: options.onProgress,
      tracePath: (entry, rank) => rank < 3 || isGrowing(entry, midAdded, iterationsBetween, rule),
    });
    for (const entry of diff.classes) entry.suspect = isGrowing(entry, midAdded, iterationsBetween, rule);
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
    await removeMidSnapshot(run.snapshots.mid);
  }
}

/** The runner writes mid into its own `leakscan-*` temp folder: remove that folder, and never more than the file otherwise. */
async function removeMidSnapshot(file: string): Promise<void> {
  const folder = dirname(file);
  const own = dirname(folder) === tmpdir() && basename(folder).startsWith('leakscan-');
  await rm(own ? folder : file, { recursive: true, force: true });
}
