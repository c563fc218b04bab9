// The leak rule of `leakscan run`: a class leaks when its new objects that
// stay reachable keep growing with the iterations, not when something was
// allocated once (a lazy cache, compiled code, a warmed-up pool).
import type { ClassDiff, DiffResult, LeakExpectation, ScenarioStatus } from '../types.js';
import { independentCount } from './diff.js';
import { holderLabel } from './paths.js';

export interface LeakRule {
  /** Least number of new reachable objects of a class at the end. */
  minCount: number;
  /** Least retained size of those objects, bytes. */
  minBytes: number;
}

export const DEFAULT_LEAK_RULE: LeakRule = { minCount: 1, minBytes: 0 };

const keyOf = (c: { name: string; type: string }): string => `${c.type}\u0000${c.name}`;

/** New reachable objects per class not held through other new ones, for comparing two points of one run. */
export function addedCounts(diff: DiffResult): Map<string, number> {
  return new Map(diff.classes.map((c) => [keyOf(c), independentCount(c)]));
}

/**
 * True when, between this diff's snapshot and a later one (`iterationsBetween`
 * calls apart, counts in `laterAdded`), the class gained at least one
 * reachable object per call.
 */
export function isGrowing(entry: ClassDiff, laterAdded: Map<string, number>, iterationsBetween: number, rule: LeakRule): boolean {
  // Objects held only through other new objects are part of those objects' leak, not a cause of their own.
  const independent = independentCount(entry);
  const growth = (laterAdded.get(keyOf(entry)) ?? 0) - independent;
  return growth >= Math.max(1, iterationsBetween) && independent >= rule.minCount && entry.retainedSize >= rule.minBytes;
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
    const holder = holderLabel(shown.retainerPath);
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
