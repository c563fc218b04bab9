// The suspect rule of `leakscan diff`: which classes' new objects count, and
// the thresholds they must reach (docs/leak-rules.md, "Suspects"). `run`'s
// rule over the growth snapshots is leaks.ts.
import type { ClassDiff } from '../types.js';

export interface Thresholds {
  /** Least number of new objects that stay reachable for a class to be a suspect. */
  minCount: number;
  /** Least retained size, bytes, of those objects. */
  minBytes: number;
}

export const DEFAULT_DIFF_THRESHOLDS: Thresholds = { minCount: 50, minBytes: 0 };

/** New objects of a class that stay (strongly) reachable: the ones a leak is made of. */
export function retainedCount(c: Pick<ClassDiff, 'added' | 'heldWeakly'>): number {
  return c.added - c.heldWeakly;
}

/** New objects of a class not held through other new objects, nor only weakly: the ones a leak would be blamed on. */
export function independentCount(c: Pick<ClassDiff, 'added' | 'heldByNew' | 'heldWeakly'>): number {
  return c.added - c.heldByNew - c.heldWeakly;
}

/**
 * A class whose new objects stay reachable and outnumber the freed ones by the
 * thresholds, counting only those not held through other new objects (a leaked
 * Session's strings are part of the Session leak, not suspects of their own).
 */
export function isSuspect(
  c: Pick<ClassDiff, 'added' | 'removed' | 'retainedSize' | 'heldByNew' | 'heldWeakly'>,
  thresholds: Thresholds,
): boolean {
  const independent = independentCount(c);
  return (
    independent - c.removed >= thresholds.minCount &&
    independent >= thresholds.minCount &&
    c.retainedSize >= thresholds.minBytes
  );
}
