// How the scenarios of one `leakscan run` share the machine and their files
// (run.ts): a fixed number of turns (scenario processes at once, one page
// scenario at a time), one turn per output name, and each snapshot's
// analysis waiting until the runner says the file is complete.

/** At most `count` holders at once, served in the order they asked; take() resolves with the function that gives the turn back. */
export class Turns {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(count: number) {
    this.free = count;
  }
  take(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => {
        let given = false;
        resolve(() => {
          if (given) return;
          given = true;
          const next = this.waiting.shift();
          if (next) next();
          else this.free++;
        });
      };
      if (this.free > 0) {
        this.free--;
        grant();
      } else {
        this.waiting.push(grant);
      }
    });
  }
}

/** One holder at a time per key (a scenario's output name), in the order they asked. */
export class NamedTurns {
  private readonly last = new Map<string, Promise<void>>();
  take(key: string): Promise<() => void> {
    const previous = this.last.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.last.set(key, mine);
    void mine.then(() => {
      if (this.last.get(key) === mine) this.last.delete(key);
    });
    return previous.then(() => release);
  }
}

interface Waiting {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The snapshots of one run as they are written: wait(file) resolves once the
 * runner said the file is complete (written), or when the run is over
 * (allWritten), and rejects with the run's error when it failed (failed).
 */
export class WrittenFiles {
  private readonly files = new Map<string, Waiting>();
  private end: { error: unknown } | 'all' | null = null;
  wait(file: string): Promise<void> {
    if (this.end === 'all') return Promise.resolve();
    if (this.end) return Promise.reject(this.end.error);
    return this.entry(file).promise;
  }
  written(file: string): void {
    this.entry(file).resolve();
  }
  allWritten(): void {
    this.end = 'all';
    for (const waiting of this.files.values()) waiting.resolve();
  }
  failed(error: unknown): void {
    this.end = { error };
    for (const waiting of this.files.values()) waiting.reject(error);
  }
  private entry(file: string): Waiting {
    let waiting = this.files.get(file);
    if (!waiting) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // A file nobody waits for may fail with the run: not an unhandled rejection.
      promise.catch(() => {});
      waiting = { promise, resolve, reject };
      this.files.set(file, waiting);
    }
    return waiting;
  }
}
