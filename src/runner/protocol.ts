// Messages between the runner (parent) and a scenario's child process, over IPC.

import type { Pass } from '../scenario.js';
import type { LeakExpectation, PassSeries } from '../types.js';

/** The child writes a snapshot into a folder `${SNAPSHOT_TEMP_PREFIX}<its pid>-XXXXXX` beside it, then renames it out. */
export const SNAPSHOT_TEMP_PREFIX = '.leakscan-snapshot-';

export interface StartMessage {
  type: 'start';
  file: string;
  iterations?: number;
  batch?: number;
  intervalMs: number;
  /** With-GC calls before each growth snapshot (after `after`). */
  growthIterations?: number;
  outDir: string;
  /** Folder for the growth snapshots, which only the analysis reads. */
  scratchDir: string;
}

/** The runner's answer to 'loaded': the scenario's output names may be written; the child goes on to setup. */
export interface ProceedMessage {
  type: 'proceed';
}

export interface LoadedMessage {
  type: 'loaded';
  name: string;
  description: string;
  expect: LeakExpectation;
  trackClass: string | null;
  iterations: number;
  batch: number;
  growthIterations: number;
  snapshots: { before: string; after: string; growth: string[] };
  /** Where the runner keeps what the scenario prints. */
  log: string;
}

/** Sent before each stage starts, so a timeout can say where the scenario stopped. */
export interface ProgressMessage {
  type: 'progress';
  phase:
    | 'setup'
    | 'warm-up'
    | 'snapshot-before'
    | 'before-pass'
    | 'iteration'
    | 'snapshot-after'
    | 'growth'
    | 'snapshot-growth'
    | 'teardown';
  pass?: Pass;
  /** 1-based: the call within its pass ('iteration') or within the growth calls ('growth'). */
  iteration?: number;
}

/** A snapshot is complete at its name (sent after each one): its analysis can start while the scenario goes on. */
export interface WrittenMessage {
  type: 'written';
  file: string;
}

/** A process warning the scenario's process emitted ('warning' event). */
export interface WarningMessage {
  type: 'warning';
  name: string;
  message: string;
}

export interface DoneMessage {
  type: 'done';
  rss: PassSeries;
  heapUsed: PassSeries;
  external: PassSeries;
  durationMs: number;
}

export interface ErrorMessage {
  type: 'error';
  /** What failed: 'load', 'validate', 'setup', 'run', 'teardown', 'snapshot'; or, outside the
   *  calls, 'uncaught' (an exception in a timer or handler), 'rejection' (a promise rejection nobody handled). */
  stage: string;
  message: string;
  stack: string | null;
  code: string | null;
  file: string | null;
}

/** The event loop ran empty before the scenario finished: a call awaited a promise nothing settles. */
export interface StalledMessage {
  type: 'stalled';
}

/** The file is a page scenario (page-scenario.ts): the parent runs it (page.ts); the child exits. */
export interface PageMessage {
  type: 'page';
}

export type ChildMessage =
  | PageMessage
  | LoadedMessage
  | ProgressMessage
  | WrittenMessage
  | WarningMessage
  | DoneMessage
  | ErrorMessage
  | StalledMessage;
