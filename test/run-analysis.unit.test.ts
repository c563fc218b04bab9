// The leak rule's analysis (findRunLeaks, findLeaks) on snapshots of this
// test's own process: each file is read once, the trend handing the graph it
// prepared of the reported snapshot (after, or the last) to the diff.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import v8 from 'node:v8';
import { baselineOf } from '../src/analysis/baseline.js';
import { type AnalysisProgress, loadGraph } from '../src/analysis/diff.js';
import { findLeaks } from '../src/analysis/leaks.js';
import { findRunLeaks } from '../src/analysis/run-analysis.js';
import type { HeapGraph } from '../src/engine/index.js';
import { tempDir } from './helpers.js';

class KeptEntry {
  constructor(readonly i: number) {}
}
/** Module scope: held by the module, not by the running test's stack (which the diff counts apart). */
const kept: KeptEntry[] = [];
const ITERATIONS = 10;
const GROWTH_ITERATIONS = 5;
const files = { before: '', after: '', growth: [] as string[] };

before(() => {
  const dir = tempDir();
  const file = (name: string): string => join(dir, `${name}.heapsnapshot`);
  const calls = (count: number): void => {
    for (let i = 0; i < count; i++) kept.push(new KeptEntry(kept.length));
  };
  files.before = v8.writeHeapSnapshot(file('before'));
  calls(ITERATIONS);
  files.after = v8.writeHeapSnapshot(file('after'));
  for (const name of ['growth-1', 'growth-2']) {
    calls(GROWTH_ITERATIONS);
    files.growth.push(v8.writeHeapSnapshot(file(name)));
  }
});

/** Reads of each file, counted from their progress (the reader's last event of a read is the whole file). */
function countReads(): { reads: Map<string, number>; onProgress: (event: AnalysisProgress) => void } {
  const reads = new Map<string, number>();
  const onProgress = (event: AnalysisProgress): void => {
    if (event.phase === 'read' && event.bytesRead === event.totalBytes)
      reads.set(event.file, (reads.get(event.file) ?? 0) + 1);
  };
  return { reads, onProgress };
}

const onceEach = (): Map<string, number> => new Map([files.before, files.after, ...files.growth].map((f) => [f, 1]));

test('run: each snapshot is read once, and the diff reports on after', async () => {
  const { reads, onProgress } = countReads();
  const { diff, leaks } = await findRunLeaks(
    { name: 'kept', iterations: ITERATIONS, growthIterations: GROWTH_ITERATIONS, snapshots: files },
    { onProgress },
  );
  assert.deepEqual(reads, onceEach());
  assert.equal(diff.after.path, files.after);
  const leak = leaks.find((c) => c.name === 'KeptEntry');
  assert.ok(leak, `KeptEntry among ${leaks.map((c) => c.name).join(', ')}`);
  assert.equal(leak.added, ITERATIONS, 'the objects new in after');
});

test('a series: each snapshot is read once, and the diff reports on the last', async () => {
  const { reads, onProgress } = countReads();
  const read = { graph: (await loadGraph(files.before, onProgress)) as HeapGraph | null };
  const { diff, leaks } = await findLeaks(
    baselineOf(read.graph!),
    files.after,
    files.growth,
    { calls: ITERATIONS, stepCalls: GROWTH_ITERATIONS },
    { minCount: 1, minBytes: 0 },
    onProgress,
    { reportAt: 'last', before: read },
  );
  assert.deepEqual(reads, onceEach());
  assert.equal(diff.after.path, files.growth.at(-1));
  const leak = leaks.find((c) => c.name === 'KeptEntry');
  assert.ok(leak, `KeptEntry among ${leaks.map((c) => c.name).join(', ')}`);
  assert.equal(leak.added, ITERATIONS + files.growth.length * GROWTH_ITERATIONS, 'the objects new in the last');
});
