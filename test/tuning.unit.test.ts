// The size thresholds that switch to other code (tuning.ts): read from the
// environment, and the thread path giving what the in-place path gives. The
// oracle tests run again with both at 0 (scripts/test.mjs).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
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
  const file = join(tempDir(), 'small.heapsnapshot');
  const program = `
    class Held { constructor(i) { this.i = i; this.parts = [new Map([[i, 'part-' + i]])]; } }
    globalThis.kept = new Map();
    for (let i = 0; i < 200; i++) kept.set(i, new Held(i));
    globalThis.weak = new WeakMap([[kept.get(1), { note: 'held by a WeakMap key' }]]);
    require('v8').writeHeapSnapshot(${JSON.stringify(file)});`;
  execFileSync(process.execPath, ['-e', program]);
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
