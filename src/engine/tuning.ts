// Sizes at which leakscan switches to other code for speed: the dominators on
// a second thread, the before snapshot read on a worker. Small inputs never
// reach those paths, so the tests set both to 0 through the environment (read
// here and nowhere else) and run the oracle tests again (CONTRIBUTING.md).

export interface Tuning {
  /** Least nodes for the dominators to run on their own thread (dominators.ts). */
  threadMinNodes: number;
  /** Least bytes of each file for diff to read the before snapshot on a worker (analysis/diff.ts). */
  parallelMinBytes: number;
}

/** Below these a thread's or worker's start-up costs more than the overlap saves. */
export const DEFAULT_TUNING: Readonly<Tuning> = { threadMinNodes: 400_000, parallelMinBytes: 16 * 1024 * 1024 };

const VARIABLES: Record<keyof Tuning, string> = {
  threadMinNodes: 'LEAKSCAN_THREAD_MIN_NODES',
  parallelMinBytes: 'LEAKSCAN_PARALLEL_MIN_BYTES',
};

/** The defaults, each replaced by its variable when set (a whole number, 0 or more). */
export function tuningFrom(env: Record<string, string | undefined>): Tuning {
  const tuning = { ...DEFAULT_TUNING };
  for (const key of Object.keys(VARIABLES) as (keyof Tuning)[]) {
    const text = env[VARIABLES[key]];
    if (text === undefined || text === '') continue;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${VARIABLES[key]}=${text}: not a whole number`);
    tuning[key] = value;
  }
  return tuning;
}

let current: Tuning | null = null;

/** This process's tuning: the defaults, or the LEAKSCAN_* variables' values. */
export function tuning(): Tuning {
  current ??= tuningFrom(process.env);
  return current;
}
