// The parent side of one scenario's run (the second step of `leakscan run`,
// after the command and before the analysis): a fresh `node --expose-gc`
// process (child.ts) is started for the scenario and driven over IPC
// (protocol.ts): it runs the passes and writes the snapshots; this side checks
// the output names (outputs.ts), keeps the scenario's output in its log, turns
// every way the child can fail into a ScenarioError, and kills it on timeout
// or abort. Leaves either complete snapshots and log or none. Prints nothing:
// the scenario's output lines go to onOutput.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileError, LeakscanError, ScenarioError } from '../errors.js';
import { tempNameFor } from '../files.js';
import type { ScenarioRun, SnapshotPlan } from '../types.js';
import { LineSplitter, MAX_LOG_BYTES, OutputLog, sanitizeLine, truncatedLine } from './output.js';
import { checkOutputs } from './outputs.js';
import type {
  ChildMessage,
  DoneMessage,
  ErrorMessage,
  LoadedMessage,
  ProceedMessage,
  ProgressMessage,
  StartMessage,
} from './protocol.js';
import { SNAPSHOT_TEMP_PREFIX } from './protocol.js';

export interface RunOptions {
  /** Calls per pass; default: the scenario's, else 10. */
  iterations?: number;
  /** Objects per call; default: the scenario's, else 100. */
  batch?: number;
  /** Pause after each call, ms. Default DEFAULT_INTERVAL_MS. */
  intervalMs?: number;
  /** With-GC calls before each growth snapshot. Default: half the iterations, at least 2. */
  growthIterations?: number;
  /** Where the before/after snapshots go; created if missing. */
  outDir: string;
  /** Replace files at the output names that leakscan did not write (outputs.ts); default: refuse them. */
  force?: boolean;
  /**
   * Run the scenario with V8's allocation tracking (`--track-heap-objects`), so
   * its snapshots say which stack allocated each object. Off by default: the
   * scenario runs slower and uses more memory.
   */
  allocationStacks?: boolean;
  /** The whole scenario's time limit, ms. Default DEFAULT_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Stops the scenario (its process killed, its files removed); the run rejects with the signal's reason. */
  signal?: AbortSignal;
  onProgress?: (event: ProgressMessage) => void;
  /**
   * Each line the scenario prints on stdout or stderr, control sequences
   * removed, as it comes. A promise returned means "wait": the scenario's
   * output is not read until it settles (backpressure: a scenario that
   * floods its output is slowed down, not buffered in leakscan's memory).
   */
  onOutput?: (scenario: string, line: string) => void | Promise<void>;
  /**
   * Called once the scenario's output names are known, before anything is
   * written at them; the scenario waits for the promise (the time limit starts
   * again after it). runScenarios uses it so that two scenarios of one name
   * never write the same files at once.
   */
  beforeWriting?: (outputs: string[]) => Promise<void>;
  /** Once the scenario is loaded: its snapshots' names and the calls between them, for an analysis that starts early. */
  onPlanned?: (plan: SnapshotPlan) => void;
  /** Each snapshot once it is complete at its name (before, after, then the growth ones). */
  onWritten?: (file: string) => void;
}

/**
 * The file turned out to be a page scenario (its exports say so): the child
 * stopped after loading it and wrote nothing; run.ts runs it with page.ts.
 */
export class PageScenarioFound extends Error {
  constructor(readonly file: string) {
    super(`${file} is a page scenario`);
  }
}

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
/** Pause after each call: long enough for a WeakRef's target made in one call to be collected before the next. */
export const DEFAULT_INTERVAL_MS = 100;
/** The built-in scenarios take a few seconds; two minutes leaves room for a slow machine and a real server's setup. */
export const DEFAULT_TIMEOUT_MS = 120_000;
/** Lines of the child's stderr kept to explain a crash. */
const STDERR_TAIL_LINES = 20;
/** Distinct warnings kept per scenario. */
const MAX_WARNINGS = 100;
/** How long to wait for the output streams once the child has exited after 'done' (a process it started may hold them). */
const OUTPUT_GRACE_MS = 1000;

/** Where the scenario was, from the last progress message: "in setup", "in with-gc pass, iteration 3 of 10"… */
export function stageText(
  last: ProgressMessage | null,
  counts: { iterations: number; growthIterations: number } | null,
): string {
  if (!last) return counts ? 'after loading the scenario' : 'while loading the scenario';
  switch (last.phase) {
    case 'setup':
      return 'in setup';
    case 'warm-up':
      return 'in the warm-up call (before the before snapshot)';
    case 'teardown':
      return 'in teardown';
    case 'snapshot-before':
      return 'while writing the before snapshot';
    case 'snapshot-after':
      return 'while writing the after snapshot';
    case 'snapshot-growth':
      return 'while writing the growth snapshot';
    case 'before-pass':
      return `in beforePass of the ${last.pass} pass`;
    case 'iteration':
      return `in ${last.pass} pass, iteration ${last.iteration} of ${counts?.iterations ?? '?'}`;
    case 'growth':
      return `in the extra ${last.pass} calls for the growth check, call ${last.iteration} of ${counts?.growthIterations ?? '?'}`;
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** A failure the child reported ('error' message) as the error the run rejects with; `stage` is stageText's. */
function childError(message: ErrorMessage, at: { scenario: string; stage: string; outDir: string }): LeakscanError {
  const cause = Object.assign(new Error(message.message), { stack: message.stack ?? undefined });
  switch (message.stage) {
    case 'snapshot':
      if (message.code) return fileError(message.file ?? at.outDir, Object.assign(cause, { code: message.code }));
      break;
    case 'validate':
      return new ScenarioError(at.scenario, message.message.replace(/^scenario \S+: /, ''), { cause });
    case 'uncaught':
      return new ScenarioError(
        at.scenario,
        `an uncaught exception outside its calls (a timer, an event handler) ${at.stage}: ${message.message}`,
        { cause },
      );
    case 'rejection':
      return new ScenarioError(at.scenario, `a promise rejection nobody handled ${at.stage}: ${message.message}`, {
        cause,
      });
    case 'load':
      return new ScenarioError(at.scenario, `failed to load: ${message.message}`, { cause });
  }
  return new ScenarioError(at.scenario, `threw in ${message.stage}: ${message.message}`, { cause });
}

/** The child's process ended before 'done', without reporting an error: why, in the user's terms. */
function earlyExitError(
  exit: { code: number | null; signal: NodeJS.Signals | null; stalled: boolean; stderrTail: string[] },
  scenario: string,
  stage: string,
): ScenarioError {
  if (exit.code === 0 && exit.stalled) {
    // Node exits once nothing is pending: a call awaited a promise that nothing will ever settle.
    return new ScenarioError(scenario, `stopped before finishing ${stage}: it awaited a promise that never settles`);
  }
  if (exit.code === 0)
    return new ScenarioError(scenario, `its process exited (code 0) ${stage}: did the scenario call process.exit()?`);
  const last = exit.stderrTail.filter((line) => line.trim());
  const detail = last.find((line) => /Error|heap out of memory/.test(line)) ?? last.at(-1);
  return new ScenarioError(
    scenario,
    `its process exited (${exit.signal ?? `code ${exit.code}`}) before finishing${detail ? `: ${detail.trim()}` : ''}`,
  );
}

/**
 * Removes the scenario's snapshots and log and any temp files the child left,
 * after a failure. Best effort: --out may be gone (removed meanwhile), and a
 * clean-up error must not hide the failure being reported.
 */
function cleanUp(loaded: LoadedMessage | null, outDir: string, childPid: number | undefined): void {
  const remove = (path: string): void => {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // not ours to fix now
    }
  };
  if (loaded) {
    remove(loaded.snapshots.before);
    remove(loaded.snapshots.after);
    remove(loaded.log);
  }
  if (childPid === undefined) return;
  let names: string[];
  try {
    names = readdirSync(outDir);
  } catch {
    return;
  }
  // The child writes each snapshot inside a private folder of its own (child.ts writeSnapshot).
  for (const name of names) {
    if (name.startsWith(`${SNAPSHOT_TEMP_PREFIX}${childPid}-`)) remove(join(outDir, name));
  }
}

/**
 * Stops the scenario's process and every process it started: they share its
 * process group (it is started detached, as the group's leader).
 */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    if (process.platform === 'win32') child.kill('SIGKILL');
    else process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Runs the scenario file in its own process; resolves with its measurements and snapshots, rejects with a LeakscanError. */
export function runScenarioProcess(scenarioFile: string, options: RunOptions): Promise<ScenarioRun> {
  const outDir = resolve(options.outDir);
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    return Promise.reject(fileError(options.outDir, err));
  }
  const scratchDir = mkdtempSync(join(tmpdir(), 'leakscan-'));
  const label = basename(scenarioFile).replace(/\.\w+$/, '');
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const execArgv = options.allocationStacks ? ['--expose-gc', '--track-heap-objects'] : ['--expose-gc'];
  // Its own process group: what the scenario starts is stopped with it (killGroup).
  const child = fork(CHILD, [], {
    execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
    detached: process.platform !== 'win32',
  });

  return new Promise<ScenarioRun>((resolvePromise, rejectPromise) => {
    let loaded: LoadedMessage | null = null;
    let lastProgress: ProgressMessage | null = null;
    let done: DoneMessage | null = null;
    let settled = false;
    let stalled = false;
    let refused = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const warnings: string[] = [];
    const stderrTail: string[] = [];
    const name = (): string => loaded?.name ?? label;

    // stdout and stderr interleave in the log in the order they arrive.
    const log = new OutputLog(tempNameFor(join(outDir, `${label}.log`)));
    let echoed = 0;
    let waiting: Promise<void> | null = null;
    const onLine = (raw: string, stream: 'stdout' | 'stderr'): void => {
      // A killed child's last lines may still arrive: its log is already gone.
      if (settled) return;
      const line = sanitizeLine(raw);
      log.write(line);
      if (stream === 'stderr') {
        stderrTail.push(line);
        if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      }
      // The echo stops where the log stops: a flood is in neither.
      if (echoed > MAX_LOG_BYTES) return;
      echoed += line.length + 1;
      const text = echoed > MAX_LOG_BYTES ? truncatedLine(MAX_LOG_BYTES) : line;
      const wait = options.onOutput?.(name(), text);
      if (wait && !waiting) {
        waiting = wait;
        child.stdout!.pause();
        child.stderr!.pause();
        void wait.finally(() => {
          waiting = null;
          child.stdout!.resume();
          child.stderr!.resume();
        });
      }
    };
    const splitters = [
      new LineSplitter((line) => onLine(line, 'stdout')),
      new LineSplitter((line) => onLine(line, 'stderr')),
    ];
    for (const [i, stream] of [child.stdout!, child.stderr!].entries()) {
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => splitters[i].push(text));
      stream.on('end', () => splitters[i].end());
    }

    const finish = (err: LeakscanError | PageScenarioFound | null, run?: ScenarioRun): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      clearTimeout(graceTimer);
      killGroup(child);
      if (err) {
        try {
          log.discard();
        } catch {
          // --out removed meanwhile: nothing left to discard
        }
        rmSync(scratchDir, { recursive: true, force: true });
        cleanUp(refused ? null : loaded, outDir, child.pid);
        rejectPromise(err);
      } else {
        resolvePromise(run!);
      }
    };
    const onAbort = (): void => {
      const reason: unknown = options.signal?.reason;
      finish(reason instanceof LeakscanError ? reason : new ScenarioError(name(), 'stopped'));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) queueMicrotask(onAbort);
    const onTimeout = (): void => {
      finish(
        new ScenarioError(
          name(),
          `timed out after ${seconds(timeoutMs)} ${stageText(lastProgress, loaded)} (raise --timeout if it needs longer)`,
        ),
      );
    };
    let timer = setTimeout(onTimeout, timeoutMs);

    /** After 'done' and the end of both output streams: the log is complete. */
    const finishDone = (): void => {
      if (settled) return;
      const l = loaded!;
      const d = done!;
      for (const splitter of splitters) splitter.end();
      child.stdout!.destroy();
      child.stderr!.destroy();
      let logFile: string | null;
      try {
        if (log.error) throw Object.assign(log.error.cause as Error, { path: l.log });
        logFile = log.commit(l.log);
      } catch (err) {
        finish(fileError(l.log, err));
        return;
      }
      finish(null, {
        name: l.name,
        description: l.description,
        file: scenarioFile,
        expect: l.expect,
        trackClass: l.trackClass,
        iterations: l.iterations,
        batch: l.batch,
        intervalMs,
        growthIterations: l.growthIterations,
        rss: d.rss,
        heapUsed: d.heapUsed,
        external: d.external,
        log: logFile,
        warnings,
        snapshots: l.snapshots,
        durationMs: d.durationMs,
      });
    };
    // 'close' waits for the output streams, which a process the scenario started may keep open.
    const armGrace = (): void => {
      if (done && graceTimer === undefined) graceTimer = setTimeout(finishDone, OUTPUT_GRACE_MS);
    };
    child.on('exit', armGrace);

    /** Once no other scenario writes at these names (beforeWriting) and nothing of the user's is there (outputs.ts): 'proceed'. */
    const proceedWhenFree = async (message: LoadedMessage): Promise<void> => {
      if (options.beforeWriting) {
        await options.beforeWriting([message.snapshots.before, message.snapshots.after, message.log]);
        if (settled) return;
        // Waiting for another scenario of the same name is not this one's time.
        clearTimeout(timer);
        timer = setTimeout(onTimeout, timeoutMs);
      }
      try {
        await checkOutputs([message.snapshots.before, message.snapshots.after], message.log, {
          force: options.force ?? false,
        });
      } catch (err) {
        // Refused: what is at those names is not ours, so the clean-up must not remove it.
        refused = true;
        finish(err instanceof LeakscanError ? err : fileError(outDir, err));
        return;
      }
      if (!settled) child.send({ type: 'proceed' } satisfies ProceedMessage);
    };

    child.on('message', (message: ChildMessage) => {
      switch (message.type) {
        case 'page':
          finish(new PageScenarioFound(scenarioFile));
          return;
        case 'loaded':
          loaded = message;
          options.onPlanned?.({
            name: message.name,
            iterations: message.iterations,
            growthIterations: message.growthIterations,
            snapshots: message.snapshots,
          });
          void proceedWhenFree(message);
          return;
        case 'written':
          options.onWritten?.(message.file);
          return;
        case 'progress':
          lastProgress = message;
          options.onProgress?.(message);
          return;
        case 'warning': {
          const text = sanitizeLine(`${message.name}: ${message.message}`);
          if (warnings.length < MAX_WARNINGS && !warnings.includes(text)) warnings.push(text);
          return;
        }
        case 'error':
          finish(childError(message, { scenario: name(), stage: stageText(lastProgress, loaded), outDir }));
          return;
        case 'stalled':
          stalled = true;
          return;
        case 'done':
          done = message;
          if (child.exitCode !== null || child.signalCode !== null) armGrace();
          return;
      }
    });
    child.on('error', (err) => finish(new ScenarioError(name(), `could not start: ${err.message}`, { cause: err })));
    // 'close' comes after the IPC channel has delivered every message, unlike 'exit'.
    child.on('close', (code, signal) => {
      if (done) {
        finishDone();
        return;
      }
      finish(earlyExitError({ code, signal, stalled, stderrTail }, name(), stageText(lastProgress, loaded)));
    });

    const start: StartMessage = {
      type: 'start',
      file: scenarioFile,
      iterations: options.iterations,
      batch: options.batch,
      intervalMs,
      growthIterations: options.growthIterations,
      outDir,
      scratchDir,
    };
    child.send(start);
  });
}
