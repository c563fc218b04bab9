// The leak rule of `leakscan run`: a class leaks when its new objects that
// stay reachable keep growing with the iterations, not when something was
// allocated once (a lazy cache, compiled code, a warmed-up pool).
import type { ClassDiff, DiffResult, LeakExpectation, ScenarioStatus } from '../types.js';
import { diffAgainst, independentCount, type AnalysisProgress, type Baseline } from './diff.js';
import { classHolderLabel } from './paths.js';

export interface LeakRule {
  /** Least number of new reachable objects of a class at the end. */
  minCount: number;
  /** Least retained size of those objects, bytes. */
  minBytes: number;
}

export const DEFAULT_LEAK_RULE: LeakRule = { minCount: 1, minBytes: 0 };

const keyOf = (c: { name: string; type: string }): string => `${c.type}\u0000${c.name}`;

export interface LeakFindings {
  /** The reported diff, before → after; leaking classes have suspect set. */
  diff: DiffResult;
  leaks: ClassDiff[];
}

/**
 * Diffs before → growth, a snapshot taken `extraCalls` calls after `after`,
 * then before → after (the report). A class leaks when
 *  - it gained at least one new reachable object per extra call (it grows with
 *    the calls, rather than being allocated once: a lazy cache, a container),
 *  - and at least one per measured call (`calls`) of its new objects in after
 *    are held neither through objects of other growing classes (the A objects
 *    of leaked B objects are part of the B leak) nor through compiled code.
 *    A new object that holds one or more per call is a collection the leak
 *    accumulates in (an array of listeners, a timer list): it owns nothing.
 */
export async function findLeaks(
  baseline: Baseline,
  afterFile: string,
  growthFile: string,
  calls: number,
  extraCalls: number,
  rule: LeakRule,
  onProgress?: (event: AnalysisProgress) => void,
): Promise<LeakFindings> {
  const thresholds = { minCount: rule.minCount, minBytes: rule.minBytes };
  const growth = await diffAgainst(baseline, growthFile, { paths: 0, thresholds, onProgress });
  const later = new Map(growth.classes.map((c) => [keyOf(c), c.added]));
  const grew = (key: { name: string; type: string }, added: number): boolean => (later.get(keyOf(key)) ?? 0) - added >= Math.max(1, extraCalls);
  const least = Math.max(1, calls, rule.minCount);
  const diff = await diffAgainst(baseline, afterFile, {
    thresholds,
    onProgress,
    ownerClass: grew,
    // An object holding one new object per call is where the leak accumulates, not a whole made of parts.
    collectionLimit: least,
    tracePath: (entry, rank) => rank < 3 || grew(entry, entry.added),
  });
  for (const entry of diff.classes) {
    entry.suspect = grew(entry, entry.added) && independentCount(entry) >= least && entry.retainedSize >= rule.minBytes;
  }
  return { diff, leaks: diff.classes.filter((c) => c.suspect) };
}

export interface Verdict {
  status: Exclude<ScenarioStatus, 'failed'>;
  asExpected: boolean;
  verdict: string;
}

/**
 * One line, e.g. "global-cache: 1000 B retained — leak (via cache[…])" or
 * "cycle: 0 of 2000 B retained — collected".
 */
export function verdictOf(
  scenario: { name: string; expect: LeakExpectation; trackClass: string | null; iterations: number; batch: number },
  diff: DiffResult,
  leaks: ClassDiff[],
): Verdict {
  const status = leaks.length > 0 ? 'leak' : 'no-leak';
  const asExpected = status === scenario.expect;
  const tracked = scenario.trackClass
    ? diff.classes.find((c) => c.name === scenario.trackClass && c.type === 'object')
    : undefined;
  const shown = leaks.find((c) => c.name === scenario.trackClass) ?? leaks[0];
  let line: string;
  if (status === 'leak') {
    const holder = classHolderLabel(shown);
    line = `${scenario.name}: ${shown.added} ${shown.name} retained — leak${holder ? ` (via ${holder})` : ''}`;
  } else if (scenario.trackClass) {
    const allocated = 2 * scenario.iterations * scenario.batch;
    line = `${scenario.name}: ${tracked?.added ?? 0} of ${allocated} ${scenario.trackClass} retained — collected`;
  } else {
    line = `${scenario.name}: no class grew with the iterations — no leak`;
  }
  if (!asExpected) line += ` (expected ${scenario.expect === 'leak' ? 'a leak' : 'no leak'})`;
  return { status, asExpected, verdict: line };
}
