// A series of snapshots of one process, S1 … SN, decided by trend with the
// leak rule of `run` (leaks.ts growthRate): objects new since S1, counted at
// every later snapshot, must rise at every step at one rate, or an object's
// retained size must. A cache that fills and stops, warm-up allocations and
// objects in flight at one snapshot stay quiet, where a first-vs-last diff
// lists them. `diff S1 … SN`, `capture --count N` and `test-server` use it.
import { UsageError } from '../errors.js';
import type { DiffResult } from '../types.js';
import {
  type AnalysisProgress,
  type DiffOptions,
  diffSnapshots,
  diffThreeSnapshots,
  filterClasses,
  loadBaseline,
} from './diff.js';
import { findLeaks, type LeakRule, SERIES_STEPS } from './leaks.js';
import { DEFAULT_DIFF_THRESHOLDS } from './rules.js';

/** A trend needs two steps at least: S1, S2, S3. */
export const MIN_SERIES_LENGTH = 3;

/**
 * Least growth of one object's retained size per step of a series, bytes. A
 * step is a round of load, thousands of requests: a module loaded lazily or
 * a lookup table V8 grows now and then adds a few hundred bytes to `global`
 * in a round, where a leak of one small string per request adds kilobytes.
 */
export const SERIES_MIN_BYTES_PER_STEP = 1024;

export interface SeriesOptions {
  rule: LeakRule;
  /** Keep the suspects and, besides them, the first N classes. Default: all. */
  top?: number;
  /** Keep only classes with this name. */
  className?: string;
  /** Classes with fewer new objects at SN are not listed (suspects always are). Default 1. */
  minCount?: number;
  /** Retainer paths for the first N classes (every growing class gets one). Default 3. */
  paths?: number;
  includeInternal?: boolean;
  onProgress?: (event: AnalysisProgress) => void;
}

/**
 * The diff S1 → SN (counts, holders and paths of SN), each class with its
 * series of new objects at S1 … SN; suspects are the classes the trend rule
 * finds growing, byte growth in `trend.growth`.
 */
export async function diffSeries(files: string[], options: SeriesOptions): Promise<DiffResult> {
  if (files.length < MIN_SERIES_LENGTH) {
    throw new UsageError(`a trend needs ${MIN_SERIES_LENGTH} snapshots or more, got ${files.length}`);
  }
  const baseline = await loadBaseline(files[0], options);
  const rule = { ...options.rule, minBytesPerCall: options.rule.minBytesPerCall ?? SERIES_MIN_BYTES_PER_STEP };
  const found = await findLeaks(baseline, files[1], files.slice(2), SERIES_STEPS, rule, options.onProgress, {
    reportAt: 'last',
    per: 'step',
    diff: { paths: options.paths, includeInternal: options.includeInternal },
  });
  const { diff } = found;
  const listed = filterClasses(diff.classes, { className: options.className, minCount: options.minCount });
  const top = options.top ?? listed.length;
  const classes = listed.filter((c, rank) => rank < top || c.suspect);
  // The ends are checked as one pair by the S1 → SN diff (same process, order); a middle snapshot
  // out of order shows as a series that does not rise.
  return { ...diff, classes, trend: { snapshots: found.snapshots, growth: found.growth } };
}

/**
 * The diff the commands make of snapshots of one process (`diff`, `capture`): two by diffSnapshots; three with
 * `final` by diffThreeSnapshots; else by trend (diffSeries), whose rule is the thresholds and ignore rules.
 */
export function diffFiles(files: string[], options: DiffOptions & { final?: boolean }): Promise<DiffResult> {
  if (files.length === 2) return diffSnapshots(files[0], files[1], options);
  if (options.final) return diffThreeSnapshots(files[0], files[1], files[2], options);
  const { minCount, minBytes } = options.thresholds ?? DEFAULT_DIFF_THRESHOLDS;
  return diffSeries(files, { ...options, rule: { minCount, minBytes, ignore: options.ignore } });
}

/** A suspect class, or (a series) an object growing in bytes at every step. */
export function hasLeak(result: DiffResult): boolean {
  return result.classes.some((c) => c.suspect) || (result.trend?.growth.length ?? 0) > 0;
}
