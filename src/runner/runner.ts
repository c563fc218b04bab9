// Parent side of a scenario run: one fresh `node --expose-gc` child per
// scenario, driven over IPC, killed on timeout. Leaves either complete
// snapshots or none.
import { fork } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileError, LeakscanError, ScenarioError } from '../errors.js';
import type { ScenarioRun } from '../types.js';
import type { ChildMessage, LoadedMessage, ProgressMessage, StartMessage } from './protocol.js';

export { builtinScenarioNames, resolveScenario } from '../scenario.js';

export interface RunOptions {
  /** Calls per pass; default: the scenario's, else 10. */
  iterations?: number;
  /** Objects per call; default: the scenario's, else 100. */
  batch?: number;
  /** Pause after each call, ms. Default 100. */
  intervalMs?: number;
  /** With-GC calls before each growth snapshot. Default: half the iterations, at least 2. */
  growthIterations?: number;
  /** Where the before/after snapshots go; created if missing. */
  outDir: string;
  /** The whole scenario's time limit, ms. Default 120 000. */
  timeoutMs?: number;
  onProgress?: (event: ProgressMessage) => void;
}

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const STDERR_TAIL = 4096;

/** Removes the scenario's snapshots and any temp files the child left, after a failure. */
function cleanUp(loaded: LoadedMessage | null, outDir: string, childPid: number | undefined): void {
  if (loaded) {
    rmSync(loaded.snapshots.before, { force: true });
    rmSync(loaded.snapshots.after, { force: true });
  }
  if (childPid === undefined) return;
  for (const name of readdirSync(outDir)) {
    if (name.endsWith(`.tmp-${childPid}`)) rmSync(join(outDir, name), { force: true });
  }
}

export function runScenario(scenarioFile: string, options: RunOptions): Promise<ScenarioRun> {
  const outDir = resolve(options.outDir);
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    return Promise.reject(fileError(options.outDir, err));
  }
  const scratchDir = mkdtempSync(join(tmpdir(), 'leakscan-'));
  const label = basename(scenarioFile).replace(/\.\w+$/, '');
  const intervalMs = options.intervalMs ?? 100;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const execArgv = ['--expose-gc'];
  const child = fork(CHILD, [], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
  let stderrTail = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderrTail = (stderrTail + text).slice(-STDERR_TAIL);
  });

  return new Promise<ScenarioRun>((resolvePromise, rejectPromise) => {
    let loaded: LoadedMessage | null = null;
    let settled = false;
    const finish = (err: LeakscanError | null, run?: ScenarioRun): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (err) {
        cleanUp(loaded, outDir, child.pid);
        rmSync(scratchDir, { recursive: true, force: true });
        rejectPromise(err);
      } else {
        resolvePromise(run!);
      }
    };
    const name = (): string => loaded?.name ?? label;
    const timer = setTimeout(() => {
      finish(new ScenarioError(name(), `timed out after ${Math.round(timeoutMs / 1000)}s (raise --timeout if it needs longer)`));
    }, timeoutMs);

    child.on('message', (message: ChildMessage) => {
      switch (message.type) {
        case 'loaded':
          loaded = message;
          return;
        case 'progress':
          options.onProgress?.(message);
          return;
        case 'error': {
          const cause = Object.assign(new Error(message.message), { stack: message.stack ?? undefined });
          if (message.stage === 'snapshot' && message.code) {
            finish(fileError(message.file ?? outDir, Object.assign(cause, { code: message.code })));
          } else if (message.stage === 'validate') {
            finish(new ScenarioError(name(), message.message.replace(/^scenario \S+: /, ''), { cause }));
          } else {
            const where = message.stage === 'load' ? 'failed to load' : `threw in ${message.stage}`;
            finish(new ScenarioError(name(), `${where}: ${message.message}`, { cause }));
          }
          return;
        }
        case 'done': {
          const l = loaded!;
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
            rss: message.rss,
            snapshots: l.snapshots,
            durationMs: message.durationMs,
          });
          return;
        }
      }
    });
    child.on('error', (err) => finish(new ScenarioError(name(), `could not start: ${err.message}`, { cause: err })));
    // 'close' comes after the IPC channel has delivered every message, unlike 'exit'.
    child.on('close', (code, signal) => {
      const last = stderrTail.trim().split('\n').filter(Boolean);
      const detail = last.find((line) => /Error|heap out of memory/.test(line)) ?? last.at(-1);
      if (code === 0 && !detail) {
        // Node exits once nothing is pending: a call awaited a promise that nothing will ever settle.
        finish(new ScenarioError(name(), 'stopped before finishing: a call returned a promise that never settles'));
      } else {
        finish(new ScenarioError(name(), `its process exited (${signal ?? `code ${code}`}) before finishing${detail ? `: ${detail.trim()}` : ''}`));
      }
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

/** The folder the runner made for a run's growth snapshots. */
export function scratchDirOf(run: ScenarioRun): string {
  return dirname(run.snapshots.growth[0]);
}
