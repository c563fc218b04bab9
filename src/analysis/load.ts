// Reading snapshots for the analysis: a file into a HeapGraph (by leakscan's
// reader, or memlab's parser with --engine memlab: the one place the engine is
// chosen), and the before snapshot of a diff reduced to its baseline, here or
// on a worker thread (baseline-worker.ts).

import { statSync } from 'node:fs';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { HeapGraph, readSnapshot } from '../engine/index.js';
import { type ExitCode, LeakscanError } from '../errors.js';
import { readSnapshotWithMemlab } from '../memlab/adapter.js';
import type { DiffResult } from '../types.js';
import { type Baseline, baselineOf } from './baseline.js';
import { ClassTable } from './class-table.js';

export type AnalysisProgress =
  | { phase: 'read'; file: string; bytesRead: number; totalBytes: number }
  | { phase: 'analyze'; file: string; step: string };

export interface LoadOptions {
  onProgress?: (event: AnalysisProgress) => void;
  /** Whose parser reads the files: leakscan's (default) or memlab's; every pass after the read is the same. */
  engine?: Engine;
}

export type Engine = DiffResult['engine'];

/** Reads a snapshot, reporting the bytes read as AnalysisProgress; the one place the engine matters. */
export async function loadGraph(
  file: string,
  onProgress: LoadOptions['onProgress'],
  engine: Engine = 'leakscan',
): Promise<HeapGraph> {
  if (engine === 'memlab') {
    const raw = await readSnapshotWithMemlab(file, {
      onProgress: (step) => onProgress?.({ phase: 'analyze', file, step }),
    });
    return new HeapGraph(raw, file);
  }
  return readSnapshot(file, {
    onProgress: onProgress
      ? (bytesRead, totalBytes) => onProgress({ phase: 'read', file, bytesRead, totalBytes })
      : undefined,
  });
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // the reader reports it
  }
}

/** loadBaseline on a worker thread (baseline-worker.ts); errors come back as LeakscanErrors with their exit code. */
export function loadBaselineInWorker(
  file: string,
  options: LoadOptions,
): { baseline: Promise<Baseline>; worker: Worker } {
  const worker = new Worker(new URL('./baseline-worker.js', import.meta.url), {
    workerData: { file, engine: options.engine },
    // The worker gets this process's heap limit (it may have been raised for a big file).
    resourceLimits: { maxOldGenerationSizeMb: Math.floor(v8.getHeapStatistics().heap_size_limit / (1024 * 1024)) },
  });
  const baseline = new Promise<Baseline>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') {
        options.onProgress?.(message.event);
      } else if (message.type === 'done') {
        const table = new ClassTable();
        for (const key of message.keys) table.intern(key.name, key.type);
        const { type: _, keys: __, ...kept } = message;
        resolve({ ...kept, table });
      } else {
        const error =
          message.exitCode === null ? new Error(message.message) : new LeakscanError(message.message, message.exitCode);
        if (message.stack) error.stack = message.stack;
        reject(error);
      }
    });
    worker.on('error', reject);
  });
  // A failure of the after file settles the diff first; this one must not go unhandled.
  baseline.catch(() => {});
  return { baseline, worker };
}

type WorkerMessage =
  | { type: 'progress'; event: AnalysisProgress }
  | ({ type: 'done'; keys: { name: string; type: string }[] } & Omit<Baseline, 'table'>)
  | { type: 'error'; message: string; stack?: string; exitCode: ExitCode | null };

/** Reads the before snapshot and keeps only its ids, classes and self sizes; the graph itself is dropped. */
export async function loadBaseline(file: string, options: LoadOptions = {}): Promise<Baseline> {
  const graph = await loadGraph(file, options.onProgress, options.engine);
  options.onProgress?.({ phase: 'analyze', file, step: 'tracing' });
  return baselineOf(graph);
}
