// The leak rule of `leakscan run`: something leaks when what it keeps reachable
// grows with the calls, in objects or in bytes, not when something was
// allocated once (a lazy cache, compiled code, a warmed-up pool) or a cache
// filled up to its cap and stopped.

import type { ByteGrowth, ClassDiff, DiffResult, LeakExpectation, ScenarioStatus } from '../types.js';
import { type AnalysisProgress, type Baseline, diffAgainst, independentCount, retainedCount } from './diff.js';
import { findingHeadline } from './finding-text.js';
import { byteFinding } from './findings.js';
import { classKey, measureTrend } from './growth.js';

export interface LeakRule {
  /** Least number of new reachable objects of a class at the end. */
  minCount: number;
  /** Least retained size of those objects (or of an object growing in bytes), bytes. */
  minBytes: number;
  /** Least growth of one object's retained size per call to count as growing in bytes. Default 64. */
  minBytesPerCall?: number;
}

export const DEFAULT_LEAK_RULE: LeakRule = { minCount: 1, minBytes: 0 };

/** Below this an object's growth per call is within the noise of V8's own bookkeeping. */
const DEFAULT_MIN_BYTES_PER_CALL = 64;

/** The top classes of the diff that get a retainer path, as in `leakscan diff` (DiffOptions.paths); every growing class gets one too. */
const TRACED_TOP_CLASSES = 3;

/** An object holding fewer new objects than this is a whole made of parts, never a collection a leak accumulates in. */
const MIN_COLLECTION_SIZE = 2;

/**
 * A class's rate of new objects over the extra calls, as a share of its rate
 * over the measured calls, must lie in [RATE_SHARE_MIN, RATE_SHARE_MAX). The
 * measured rate counts one pass, so a leak that both passes added to shows
 * half its rate there: 0.25 leaves room for that and for noise. Above: objects
 * that come with each snapshot rather than each call (one per snapshot shows
 * n/growthIterations ≈ 2 times the rate over the measured calls).
 */
const RATE_SHARE_MIN = 0.25;
const RATE_SHARE_MAX = 1.5;

/** The calls behind the snapshots. */
export interface CallCounts {
  /** Calls per measured pass before after (the objects of at least the last pass are in after). */
  calls: number;
  /** Calls between two consecutive snapshots from after on (after, growth-1, growth-2, …). */
  stepCalls: number;
}

export interface LeakFindings {
  /** The reported diff, before → after; leaking classes have suspect set. */
  diff: DiffResult;
  leaks: ClassDiff[];
  /** Objects growing in bytes (growth.ts), most per call first. */
  growth: ByteGrowth[];
}

/**
 * The trend of a class's new reachable objects at after, growth-1, growth-2, …:
 * its rate per call over the extra calls when it rose at every step and that
 * rate is consistent with the one over the measured calls; null otherwise.
 * Something allocated once, or a cache that filled and stopped, does not rise
 * at every step; a handful of objects V8 adds now and then (noise on top of
 * many new objects) rises far slower than the class did during the measured calls.
 */
export function growthRate(series: readonly number[], calls: CallCounts): number | null {
  if (series.length < 2 || series[0] === 0) return null;
  for (let p = 1; p < series.length; p++) if (series[p] <= series[p - 1]) return null;
  const extraRate = (series[series.length - 1] - series[0]) / ((series.length - 1) * calls.stepCalls);
  const measuredRate = series[0] / calls.calls;
  return extraRate >= RATE_SHARE_MIN * measuredRate && extraRate < RATE_SHARE_MAX * measuredRate ? extraRate : null;
}

/**
 * How many of a growing class's new objects in after must be independent (held
 * neither through other growing classes nor through compiled code): half what
 * its rate makes in one pass, at most one per call, at least one and minCount.
 */
export function leastIndependent(rate: number, calls: number, minCount: number): number {
  return Math.max(1, minCount, Math.min(calls, Math.ceil((rate * calls) / 2)));
}

/**
 * Diffs before → after (the report) and measures the trend over after and the
 * growth snapshots (growth.ts). A class leaks when
 *  - its count of new reachable objects rose at every snapshot from after on,
 *    at a rate consistent with the measured calls (growthRate), so even one
 *    object every few calls counts, while things allocated once do not;
 *  - and enough of its new objects in after are independent (leastIndependent):
 *    not held through objects of other growing classes (the A objects of
 *    leaked B objects are part of the B leak) nor through compiled code. A new
 *    object that holds one or more per call is a collection the leak
 *    accumulates in (an array of listeners, a timer list): it owns nothing.
 * An object leaks bytes when it keeps its id and its retained size grows
 * (growth.ts `grows`).
 *
 * Before and after are each read twice, once for the trend and once for the
 * diff: diff.ts's loadBaseline and diffAgainst take file names, not graphs.
 */
export async function findLeaks(
  baseline: Baseline,
  afterFile: string,
  growthFiles: string[],
  calls: CallCounts,
  rule: LeakRule,
  onProgress?: (event: AnalysisProgress) => void,
): Promise<LeakFindings> {
  const thresholds = { minCount: rule.minCount, minBytes: rule.minBytes };
  const trend = await measureTrend(
    baseline,
    baseline.meta.path,
    [afterFile, ...growthFiles],
    {
      stepCalls: calls.stepCalls,
      minBytesPerCall: rule.minBytesPerCall ?? DEFAULT_MIN_BYTES_PER_CALL,
      minBytes: rule.minBytes,
    },
    onProgress,
  );
  const rates = new Map<string, number>();
  for (const [key, series] of trend.counts) {
    const rate = growthRate(series, calls);
    if (rate !== null) rates.set(key, rate);
  }
  const grew = (key: { name: string; type: string }): boolean => rates.has(classKey(key));
  const diff = await diffAgainst(baseline, afterFile, {
    thresholds,
    onProgress,
    ownerClass: grew,
    // An object holding what the slowest growing class makes in half a pass is where a leak
    // accumulates (an array of listeners), not a whole made of parts.
    collectionLimit: Math.max(
      MIN_COLLECTION_SIZE,
      rule.minCount,
      leastIndependent(Math.min(...rates.values()), calls.calls, 1),
    ),
    tracePath: (entry, rank) => rank < TRACED_TOP_CLASSES || grew(entry),
    suspect: (entry) => {
      const rate = rates.get(classKey(entry));
      return (
        rate !== undefined &&
        independentCount(entry) >= leastIndependent(rate, calls.calls, rule.minCount) &&
        entry.retainedSize >= rule.minBytes
      );
    },
  });
  const leaks = diff.classes.filter((c) => c.suspect);
  // A collection that grows because a counted leak accumulates in it (the holder, or an array between
  // the holder and the objects) is that leak, already named: byte growth reports what counts do not explain.
  const onLeakPaths = new Set([
    ...leaks.flatMap((c) =>
      (c.holders ?? []).flatMap((h) => [h.holder.nodeId, ...(h.retainerPath ?? []).map((step) => step.nodeId)]),
    ),
    ...diff.findings.flatMap((f) => [f.holder.nodeId, ...f.retainerPath.map((step) => step.nodeId)]),
  ]);
  const growth = trend.growth.filter((g) => !onLeakPaths.has(g.nodeId));
  // An object growing in bytes is named once: a count of its parts under the same name says less.
  const bytes = growth.map(byteFinding);
  const grown = new Set(bytes.map((f) => f.holder.name));
  diff.findings = [...diff.findings.filter((f) => !grown.has(f.holder.name)), ...bytes].sort(
    (a, b) => b.leaked.retainedSize - a.leaked.retainedSize,
  );
  return { diff, leaks, growth };
}

export interface Verdict {
  status: Exclude<ScenarioStatus, 'failed'>;
  asExpected: boolean;
  verdict: string;
}

/**
 * One line naming the first finding, e.g. "global-cache: 1000 B in cache
 * (collection) — leak", "samples-growth: samples grows 1.6 KB per call (bytes)
 * — leak", or "cycle: 0 of 2000 B retained — collected".
 */
export function verdictOf(
  scenario: { name: string; expect: LeakExpectation; trackClass: string | null; iterations: number; batch: number },
  diff: DiffResult,
): Verdict {
  // The findings decide: a suspect class the runtime makes of its own bookkeeping is listed, not a leak.
  const findings = diff.findings ?? [];
  const status = findings.length > 0 ? 'leak' : 'no-leak';
  const asExpected = status === scenario.expect;
  let line: string;
  if (findings.length > 0) {
    line = `${scenario.name}: ${findingHeadline(findings[0])} — leak`;
  } else if (scenario.trackClass) {
    // The tracked class may be a closure or a string: any type, objects first.
    const named = diff.classes.filter((c) => c.name === scenario.trackClass);
    const tracked = named.find((c) => c.type === 'object') ?? named[0];
    const allocated = 2 * scenario.iterations * scenario.batch;
    line = `${scenario.name}: ${tracked ? retainedCount(tracked) : 0} of ${allocated} ${scenario.trackClass} retained — collected`;
  } else {
    line = `${scenario.name}: no class grew with the iterations — no leak`;
  }
  if (!asExpected) line += ` (expected ${scenario.expect === 'leak' ? 'a leak' : 'no leak'})`;
  return { status, asExpected, verdict: line };
}
