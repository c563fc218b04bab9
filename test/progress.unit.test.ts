// The one progress bar of a diff: the bytes of both files over their sum,
// whatever order the two readers report in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnalysisProgress } from '../src/analysis/load.js';
import { ScenarioProgress, wholeProgressText } from '../src/report/progress.js';

const read = (file: string, bytesRead: number, totalBytes: number): AnalysisProgress => ({
  phase: 'read',
  file,
  bytesRead,
  totalBytes,
});

test('two files read at once: one percentage over both, never going back', () => {
  const text = wholeProgressText(2, 300);
  // after (200 bytes) on the main thread, before (100 bytes) on a worker, interleaved.
  const events: AnalysisProgress[] = [
    read('/x/after.heapsnapshot', 50, 200),
    read('/x/before.heapsnapshot', 20, 100),
    { phase: 'analyze', file: '/x/before.heapsnapshot', step: 'tracing' },
    read('/x/after.heapsnapshot', 120, 200),
    read('/x/before.heapsnapshot', 100, 100),
    read('/x/after.heapsnapshot', 200, 200),
    { phase: 'analyze', file: '/x/after.heapsnapshot', step: 'dominators' },
  ];
  const shown = events.map(text);
  assert.deepEqual(shown, [
    'reading 2 snapshots 16%',
    'reading 2 snapshots 23%',
    'reading 2 snapshots 23%',
    'reading 2 snapshots 46%',
    'reading 2 snapshots 73%',
    'reading 2 snapshots 100%',
    'analysing after.heapsnapshot: dominators',
  ]);
});

test('one file read after the other: the bar goes on from where the first left it', () => {
  const text = wholeProgressText(2, 400);
  assert.equal(text(read('a', 100, 100)), 'reading 2 snapshots 25%');
  assert.equal(text({ phase: 'analyze', file: 'a', step: 'tracing' }), 'reading 2 snapshots 25%');
  assert.equal(text(read('b', 150, 300)), 'reading 2 snapshots 62%');
});

test('no read events (memlab parser): the steps as they come', () => {
  const text = wholeProgressText(2, 400);
  assert.equal(
    text({ phase: 'analyze', file: '/x/a.heapsnapshot', step: 'parsing' }),
    'analysing a.heapsnapshot: parsing',
  );
});

test('scenarios under way at once: one line, in the order of the list, without the finished ones', () => {
  const line = new ScenarioProgress();
  assert.equal(line.update(1, 'weakref: setup'), 'weakref: setup');
  assert.equal(line.update(0, 'cycle: with-gc iteration 3'), 'cycle: with-gc iteration 3 · weakref: setup');
  assert.equal(line.update(1, 'weakref: snapshot-before'), 'cycle: with-gc iteration 3 · weakref: snapshot-before');
  assert.equal(line.end(0), 'weakref: snapshot-before');
  assert.equal(line.end(1), '');
});
