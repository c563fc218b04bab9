// The leak rule of `leakscan run`: something leaks when what it keeps reachable
// grows with the calls, in objects or in bytes, not when something was
// allocated once (a lazy cache, compiled code, a warmed-up pool) or a cache
// filled up to its cap and stopped.

import type { HeapGraph } from '../engine/index.js';
import type {
  ByteGrowth,
  ClassDiff,
  DiffResult,
  Finding,
  LeakExpectation,
  ScenarioStatus,
  SnapshotMeta,
} from '../types.js';
import {
  type AnalysisProgress,
  type Baseline,
  type DiffOptions,
  diffAgainst,
  independentCount,
  type PreparedAfter,
  retainedCount,
} from './diff.js';
import { findingHeadline } from './finding-text.js';
import { byteFinding, byteGroups, grownInside, holderIdsOf } from './findings.js';
import { classKey, measureTrend } from './growth.js';
import { parseIgnoreRules, ruleMatchesPath } from './ignore.js';
import { Tier, tierOf } from './ownership.js';

export interface LeakRule {
  /** Least number of new reachable objects of a class at the end. */
  minCount: number;
  /** Least retained size of those objects (or of an object growing in bytes), bytes. */
  minBytes: number;
  /** Least growth of one object's retained size per call to count as growing in bytes. Default 64. */
  minBytesPerCall?: number;
  /** Ignore rules (ignore.ts): expected growth, marked and counted, never a leak. */
  ignore?: readonly string[];
}

export const DEFAULT_LEAK_RULE: LeakRule = { minCount: 1, minBytes: 0 };

/** Below this an object's growth per call is within the noise of V8's own bookkeeping. */
const DEFAULT_MIN_BYTES_PER_CALL = 64;
/** Below this, growth per call of a plain container the user's code holds: one number a call (8 B) is above. */
const MIN_OWNED_BYTES_PER_CALL = 8;

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

/**
 * A step's rise must be at least this share of the mean rise over the steps: a
 * cache that fills in one step and then gains a stray object or two rises at
 * every step but not at one rate (100, 200, 201, 202).
 */
const STEP_SHARE_MIN = 0.25;

/**
 * The work behind the snapshots, in units: calls of a scenario (`run`,
 * assertNoLeak) or rounds of load (a series of snapshots, test-server).
 */
export interface CallCounts {
  /** Units before after, the first point of the trend (the objects of at least the last pass are in after). */
  calls: number;
  /** Units between two consecutive points from after on (after, growth-1, growth-2, …). */
  stepCalls: number;
  /** Most leaked objects one unit is taken to make (leastIndependent). Default 1: one per call. */
  maxPerCall?: number;
}

/**
 * The units of a series S1 … SN: one per step, S2 being the first point of
 * the trend. A step is a round of load, many requests: no cap on what one
 * step makes.
 */
export const SERIES_STEPS: CallCounts = { calls: 1, stepCalls: 1, maxPerCall: Number.POSITIVE_INFINITY };

export interface LeakFindings {
  /** The reported diff, before → after; leaking classes have suspect set. */
  diff: DiffResult;
  leaks: ClassDiff[];
  /** Objects growing in bytes (growth.ts), most per call first. */
  growth: ByteGrowth[];
  /** Every snapshot read, before first, in order. */
  snapshots: SnapshotMeta[];
}

export interface FindLeaksOptions {
  /**
   * The snapshot the reported diff (counts, holders, paths) is taken at:
   * 'after' (run: before → after) or 'last' (a series: S1 → SN, what holds
   * the objects at the end). Default 'after'.
   */
  reportAt?: 'after' | 'last';
  /** Passed on to the reported diff. */
  diff?: Pick<DiffOptions, 'paths' | 'includeInternal'>;
  /**
   * What one unit of `calls` is, as a byte finding says it: 'call' (run, assertNoLeak: the calls made) or 'step'
   * (a series: rounds of load between snapshots, whose calls were never counted). Default 'call'.
   */
  per?: 'call' | 'step';
  /** Resolves once the file is complete on disk (default: they all are): the trend reads each file as soon as it is. */
  written?: (file: string) => Promise<void>;
  /** The baseline's graph, no shapes applied: the trend takes it (TrendReading.before) instead of reading before again. */
  before?: { graph: HeapGraph | null };
}

/** Rounded to a tenth: a rate shown to people. */
const tenth = (n: number): number => Math.round(n * 10) / 10;

/**
 * The one trend rule (run, assertNoLeak, diff S1 … SN, capture --count,
 * test-server). The trend of a class's new reachable objects at after,
 * growth-1, growth-2, … (or S2 … SN): its rate per unit over the extra steps
 * when it rose at every step, each step by a share of the mean rise
 * (STEP_SHARE_MIN), and that rate is consistent with the one before after;
 * null otherwise. Something allocated once, or a cache that filled and
 * stopped, does not rise at every step; a handful of objects V8 adds now and
 * then (noise on top of many new objects) rises far slower than the class did
 * during the measured calls. With `totals` (all the class's objects at each
 * point, old and new), those must grow too: a full LRU cache that replaces
 * the entries it had before the first snapshot gains new objects at every
 * step and holds no more.
 */
export function growthRate(series: readonly number[], calls: CallCounts, totals?: readonly number[]): number | null {
  if (series.length < 2 || series[0] === 0) return null;
  // All of the class's objects, old and new: a cache that replaces the entries it had before the
  // first snapshot gains new objects at every step but holds no more of them.
  if (totals && totals[totals.length - 1] - totals[0] < STEP_SHARE_MIN * (series[series.length - 1] - series[0]))
    return null;
  const meanRise = (series[series.length - 1] - series[0]) / (series.length - 1);
  for (let p = 1; p < series.length; p++) {
    const rise = series[p] - series[p - 1];
    if (rise <= 0 || rise < STEP_SHARE_MIN * meanRise) return null;
  }
  const extraRate = (series[series.length - 1] - series[0]) / ((series.length - 1) * calls.stepCalls);
  const measuredRate = series[0] / calls.calls;
  return extraRate >= RATE_SHARE_MIN * measuredRate && extraRate < RATE_SHARE_MAX * measuredRate ? extraRate : null;
}

/**
 * How many of a growing class's new objects in after must be independent (held
 * neither through other growing classes nor through compiled code): half what
 * its rate makes in one pass, at most maxPerCall per call (default one), at
 * least one and minCount.
 */
export function leastIndependent(rate: number, calls: number, minCount: number, maxPerCall = 1): number {
  return Math.max(1, minCount, Math.min(calls * maxPerCall, Math.ceil((rate * calls) / 2)));
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
 * The reported file (after, or the last) is read and prepared once: the
 * trend hands its graph to the diff. Before is read once more by the trend
 * unless `options.before` hands over its graph.
 */
export async function findLeaks(
  baseline: Baseline,
  afterFile: string,
  growthFiles: string[],
  calls: CallCounts,
  rule: LeakRule,
  onProgress?: (event: AnalysisProgress) => void,
  options: FindLeaksOptions = {},
): Promise<LeakFindings> {
  const thresholds = { minCount: rule.minCount, minBytes: rule.minBytes };
  const ignore = parseIgnoreRules(rule.ignore ?? []);
  const last = options.reportAt === 'last' && growthFiles.length > 0;
  // Its graph is prepared by the trend, then taken by the diff.
  const report: PreparedAfter & { point: number } = {
    file: last ? growthFiles[growthFiles.length - 1] : afterFile,
    point: last ? growthFiles.length : 0,
    prepared: null,
  };
  const trend = await measureTrend(
    baseline,
    baseline.meta.path,
    [afterFile, ...growthFiles],
    {
      stepCalls: calls.stepCalls,
      minBytesPerCall: rule.minBytesPerCall ?? DEFAULT_MIN_BYTES_PER_CALL,
      minOwnedBytesPerCall: Math.min(rule.minBytesPerCall ?? DEFAULT_MIN_BYTES_PER_CALL, MIN_OWNED_BYTES_PER_CALL),
      minBytes: rule.minBytes,
      ignore,
      countGrows: (counts, totals) => growthRate(counts, calls, totals) !== null,
    },
    { onProgress, written: options.written, before: options.before, report },
  );
  const rates = new Map<string, number>();
  for (const [key, series] of trend.counts) {
    const rate = growthRate(series, calls, trend.totals.get(key));
    if (rate !== null) rates.set(key, rate);
  }
  const grew = (key: { name: string; type: string }): boolean => rates.has(classKey(key));
  // The units behind the reported diff's new objects.
  const reportCalls = last ? calls.calls + growthFiles.length * calls.stepCalls : calls.calls;
  const pathCount = options.diff?.paths ?? TRACED_TOP_CLASSES;
  const runtimeHolders: number[] = [];
  const halfOfSlowest = leastIndependent(Math.min(...rates.values()), reportCalls, 1, calls.maxPerCall);
  const diff = await diffAgainst(baseline, report, {
    ...(options.diff?.includeInternal ? { includeInternal: true } : {}),
    thresholds,
    onProgress,
    ownerClass: grew,
    // An object holding what the slowest growing class makes in half a pass is where a leak
    // accumulates (an array of listeners), not a whole made of parts.
    collectionLimit: Math.max(MIN_COLLECTION_SIZE, rule.minCount, halfOfSlowest),
    // What a class makes in half the calls: a holder of fewer is not where it accumulates (a framework's stale
    // record of the last round). One object is no accumulation (byte growth's), unless there was a single call.
    findingMinCount: (key) => {
      const rate = rates.get(classKey(key));
      const half = rate === undefined ? 1 : leastIndependent(rate, reportCalls, 1, calls.maxPerCall);
      return Math.max(rule.minCount, half, Math.min(2, reportCalls));
    },
    runtimeHolders: (ids) => runtimeHolders.push(...ids),
    tracePath: (entry, rank) => (rank < pathCount || grew(entry)) && !entry.ignored,
    ignore: rule.ignore,
    // Decided in the diff, so that its findings explain exactly these classes.
    suspect: (entry) => {
      const rate = rates.get(classKey(entry));
      return (
        rate !== undefined &&
        independentCount(entry) >= leastIndependent(rate, reportCalls, rule.minCount, calls.maxPerCall) &&
        entry.retainedSize >= rule.minBytes
      );
    },
  });
  for (const entry of diff.classes) {
    const key = classKey(entry);
    const counts = trend.counts.get(key);
    if (counts) {
      entry.series = [0, ...counts];
      if (rates.has(key)) entry.growthPerStep = tenth((counts[counts.length - 1] - counts[0]) / (counts.length - 1));
    }
  }
  // A leak accumulates: a holder whose objects of the finding's class are no more at the last snapshot than at
  // after is a framework's record of the last round (React's deleted fibers, a stale effect), not a leak's place;
  // unless it is V8's storage (a Map's table), which V8 replaces as it grows (the old one may stay reachable,
  // linked to its successor), or gone: its objects moved on.
  const [atAfter, atLast] = [trend.holders[0], trend.holders[trend.holders.length - 1]];
  if (atAfter && atLast && trend.holders.length > 1) {
    diff.findings = diff.findings.filter((f) => {
      const cls = baseline.table.find(f.leaked.name, f.leaked.type);
      const held = atAfter.get(f.holder.nodeId)?.get(cls) ?? 0;
      return (
        cls < 0 ||
        held === 0 ||
        trend.replaced.has(f.holder.nodeId) ||
        isStorage(f) ||
        (atLast.get(f.holder.nodeId)?.get(cls) ?? 0) > held
      );
    });
  }
  // The trend measures bytes per call: a string appended to, as one diff sees it (its pieces), is the trend's to say.
  diff.findings = diff.findings.filter((f) => f.pattern !== 'bytes');
  const leaks = diff.classes.filter((c) => c.suspect);
  // An object that grows because a counted leak accumulates in it (the holder, or the arrays between the holder
  // and the objects, one per key) is that leak, already named: byte growth reports what counts do not explain.
  // Made of objects whose count grows (growth.ts countedGrowth) held where a finding counts them: the finding's;
  // held where the runtime's own accumulation was left out of the findings: the runtime's, no leak either.
  const findingHolders = new Set([...diff.findings.flatMap(holderIdsOf), ...runtimeHolders]);
  const explained = (g: ByteGrowth): boolean =>
    trend.counted.get(g.nodeId)?.every((holder) => findingHolders.has(holder)) ?? false;
  // Objects growing in bytes that a rule names are expected growth: counted on their rule, not reported.
  const growth: ByteGrowth[] = [];
  for (const g of trend.growth) {
    if (explained(g)) continue;
    const by =
      g.ignoreRule !== undefined
        ? ignore.findIndex((r) => r.text === g.ignoreRule)
        : ignore.findIndex((r) => ruleMatchesPath(r, g.name, g.retainerPath));
    if (by < 0) growth.push(g);
    else if (diff.ignored) diff.ignored[by].growing = (diff.ignored[by].growing ?? 0) + 1;
  }
  // An object growing in bytes is named once: a count of its parts under the same name says less.
  // Growing inside what a counted finding reports (its callbacks' scope, its objects): that finding's, said once.
  const counted = diff.findings;
  const bytes = byteGroups(growth)
    .filter((g) => !counted.some((f) => grownInside(g.retainerPath, f)))
    .map((g) => byteFinding(g, options.per));
  // Under one name, a count of a class (requests kept in a Map) says what the bytes are; a count of strings, numbers
  // or arrays (the pieces of a string built by +=) says less than the bytes.
  const named = new Set(
    counted
      .filter(
        (f) => tierOf(f.leaked.name, f.leaked.type, f.leaked.location, f.leaked.name.startsWith('{')) < Tier.plain,
      )
      .map((f) => f.holder.name),
  );
  const bytesSaid = bytes.filter((f) => !named.has(f.holder.name));
  const grown = new Set(bytesSaid.map((f) => f.holder.name));
  diff.findings = [...diff.findings.filter((f) => !grown.has(f.holder.name)), ...bytesSaid].sort(
    (a, b) => b.leaked.retainedSize - a.leaked.retainedSize,
  );
  return { diff, leaks, growth, snapshots: trend.snapshots };
}

/** True when the finding's holder is V8's storage of its owner (a Map's table, an array's elements). */
function isStorage(f: Finding): boolean {
  const step = f.retainerPath.find((s) => s.nodeId === f.holder.nodeId);
  return step?.edge?.type === 'internal' && (step.type === 'array' || step.type === 'hidden');
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
