// Big snapshots must not end in "JavaScript heap out of memory": when the
// files call for more heap than this process may use, the command runs again
// in a child Node with a larger --max-old-space-size.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { totalmem } from 'node:os';
import v8 from 'node:v8';
import { ExitCode, InterruptedError } from '../errors.js';
import { isGzipFile } from '../gzip.js';

const RELAUNCHED = 'LEAKSCAN_HEAP_RAISED';
const MB = 1024 * 1024;

/**
 * Heap bytes per snapshot byte each engine needs, estimates with room to
 * spare: leakscan keeps nodes and edges in typed arrays outside the V8 heap
 * and only the string table in it; memlab keeps a JavaScript object per node
 * and per edge.
 */
const HEAP_PER_BYTE = { leakscan: 0.5, memlab: 9 } as const;
/** gzip'd snapshots inflate about tenfold (digits and commas compress well). */
const GZIP_RATIO = 10;
/** What the process needs besides the snapshot: its own code, yargs, the reports. */
const BASE_HEAP_BYTES = 256 * MB;
/** The relaunched heap gets this much more than the estimate, which is rough… */
const HEADROOM = 1.5;
/** …but never more than this share of the machine's memory, less the typed arrays: the rest is for the OS. */
const MAX_SHARE_OF_RAM = 0.8;
/**
 * Typed-array bytes per snapshot byte (nodes and edges as Uint32, about one
 * number per 3-4 bytes of JSON, and the passes' own arrays): they live
 * outside the V8 heap, so --max-old-space-size does not hold them and the
 * heap must leave them room.
 */
const TYPED_PER_BYTE = 2;

function snapshotBytes(file: string): number {
  try {
    const info = statSync(file);
    if (!info.isFile()) return 0; // opening a FIFO would block: the reader refuses it
    return isGzipFile(file) ? info.size * GZIP_RATIO : info.size;
  } catch {
    return 0; // missing or unreadable: the command itself reports it
  }
}

/**
 * The heap, MB, for a snapshot of `largest` bytes (as snapshotBytes counts):
 * the estimate with headroom, within the share of `totalBytes` of memory
 * that the typed arrays outside the heap leave.
 */
export function plannedHeapMb(largest: number, engine: keyof typeof HEAP_PER_BYTE, totalBytes: number): number {
  const needed = largest * HEAP_PER_BYTE[engine] + BASE_HEAP_BYTES;
  const typedBytes = largest * TYPED_PER_BYTE;
  return Math.floor(
    Math.min(needed * HEADROOM, Math.max(BASE_HEAP_BYTES, totalBytes * MAX_SHARE_OF_RAM - typedBytes)) / MB,
  );
}

/**
 * Runs this command again with a heap sized for the largest of `files`, if the
 * current limit is too small, and resolves to its exit code; null when this
 * process is big enough (or already is the relaunched one).
 */
export async function relaunchForHeap(files: string[], engine: keyof typeof HEAP_PER_BYTE): Promise<ExitCode | null> {
  if (process.env[RELAUNCHED]) return null;
  const largest = Math.max(0, ...files.map(snapshotBytes));
  const needed = largest * HEAP_PER_BYTE[engine] + BASE_HEAP_BYTES;
  const limit = v8.getHeapStatistics().heap_size_limit;
  if (needed <= limit) return null;
  const heapMb = plannedHeapMb(largest, engine, totalmem());
  if (heapMb * MB <= limit) return null;
  const child = spawn(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${heapMb}`, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, [RELAUNCHED]: '1' },
    },
  );
  // Ctrl-C reaches both processes (one process group); a SIGTERM only this one: pass it on.
  // The child has no handler, so it stops at once (it writes no file). A second signal stops
  // this process at once too, the child with it.
  let stopping: NodeJS.Signals | null = null;
  const forward = (signal: NodeJS.Signals): void => {
    if (stopping) {
      child.kill('SIGKILL');
      process.off('SIGINT', forward).off('SIGTERM', forward);
      process.kill(process.pid, signal);
      return;
    }
    stopping = signal;
    child.kill(signal);
  };
  process.on('SIGINT', forward).on('SIGTERM', forward);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      const stoppedBy = stopping ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? signal : null);
      if (stoppedBy) reject(new InterruptedError(stoppedBy, 'the relaunched leakscan process was stopped'));
      else resolve((code ?? ExitCode.Internal) as ExitCode);
    });
  });
}
