// The size thresholds that switch to other code (tuning.ts): read from the
// environment, and the thread path giving what the in-place path gives. The
// oracle tests run again with both at 0 (scripts/test.mjs).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import v8 from 'node:v8';
import {
  calculateShallowSizes,
  DEFAULT_TUNING,
  readSnapshot,
  startDominance,
  tuningFrom,
} from '../src/engine/index.js';
import { tempDir } from './helpers.js';

test('tuning: the defaults, each replaced by its LEAKSCAN_* variable', () => {
  assert.deepEqual(tuningFrom({}), DEFAULT_TUNING);
  assert.deepEqual(tuningFrom({ LEAKSCAN_THREAD_MIN_NODES: '0', LEAKSCAN_PARALLEL_MIN_BYTES: '' }), {
    ...DEFAULT_TUNING,
    threadMinNodes: 0,
  });
  assert.deepEqual(tuningFrom({ LEAKSCAN_PARALLEL_MIN_BYTES: '0' }), { ...DEFAULT_TUNING, parallelMinBytes: 0 });
  for (const bad of ['-1', '1.5', 'many', '1e400'])
    assert.throws(() => tuningFrom({ LEAKSCAN_THREAD_MIN_NODES: bad }), /LEAKSCAN_THREAD_MIN_NODES/);
});

test('dominators on their own thread equal those computed in place, on a real snapshot', async () => {
  // A snapshot of this test's own process: real V8 output, no child process (the unit tier runs in-process).
  class Held {
    parts: Map<number, string>[];
    constructor(readonly i: number) {
      this.parts = [new Map([[i, `part-${i}`]])];
    }
  }
  const kept = new Map<number, Held>();
  for (let i = 0; i < 200; i++) kept.set(i, new Held(i));
  const weak = new WeakMap([[kept.get(1) as Held, { note: 'held by a WeakMap key' }]]);
  const file = v8.writeHeapSnapshot(join(tempDir(), 'small.heapsnapshot'));
  assert.ok(kept.size && weak.has(kept.get(1) as Held));
  const graph = await readSnapshot(file);
  const shallow = calculateShallowSizes(graph);

  const here = startDominance(graph, Number.POSITIVE_INFINITY);
  const thread = startDominance(graph, 0);
  assert.equal(here.onThread, false);
  assert.equal(thread.onThread, true, 'a threshold of 0 takes the thread path on a small graph');
  here.useShallowSizes(shallow);
  thread.useShallowSizes(shallow);
  const [a, b] = await Promise.all([here.result, thread.result]);
  thread.cancel();
  // The thread reads a sparse copy of the strings (stringsForDominators): any string the passes need and it drops shows here.
  assert.deepEqual(Array.from(b.dominators), Array.from(a.dominators));
  assert.deepEqual(Array.from(b.retainedSizes), Array.from(a.retainedSizes));
});
