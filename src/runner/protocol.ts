// Messages between the runner (parent) and a scenario's child process, over IPC.
import type { LeakExpectation } from '../types.js';

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
}

export interface ProgressMessage {
  type: 'progress';
  phase: 'setup' | 'snapshot-before' | 'iteration' | 'snapshot-after' | 'growth' | 'snapshot-growth' | 'teardown';
  pass?: 'without-gc' | 'with-gc';
  iteration?: number;
}

export interface DoneMessage {
  type: 'done';
  rss: { withoutGc: number[]; withGc: number[] };
  durationMs: number;
}

export interface ErrorMessage {
  type: 'error';
  /** What failed: 'load', 'validate', 'setup', 'run', 'teardown', 'snapshot'. */
  stage: string;
  message: string;
  stack: string | null;
  code: string | null;
  file: string | null;
}

export type ChildMessage = LoadedMessage | ProgressMessage | DoneMessage | ErrorMessage;
