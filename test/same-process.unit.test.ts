// The checks before a diff by id (same-process.ts) on pairs of graphs built in
// code: snapshots in the wrong order, and snapshots of two processes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baselineOf } from '../src/analysis/baseline.js';
import { checkPair } from '../src/analysis/same-process.js';
import { SnapshotOrderError, UnrelatedSnapshotsError } from '../src/errors.js';
import { buildGraph, type GraphSpec, node } from './graph-builder.js';

/** A heap of `count` strings with ids 101, 103, …, their text `prefix` and a number, and one object of id `newest`. */
function heap(prefix: string, count: number, newest: number): GraphSpec {
  const strings = Array.from({ length: count }, (_, i) => node(`${prefix}-${i}`, 32, 'string', { id: 101 + 2 * i }));
  return {
    nodes: [node('(root)', 0, 'synthetic', { id: 1 }), node('Holder', 16, 'object', { id: newest }), ...strings],
    edges: [
      ['(root)', 'Holder', 'element', 1],
      ...strings.map((s, i): [string, string, string, number] => ['Holder', s.name, 'element', i]),
    ],
  };
}

test('an after snapshot older than before: swap them, when both are of one process', () => {
  const before = baselineOf(buildGraph(heap('session', 20, 501), 'later.heapsnapshot'));
  const after = buildGraph(heap('session', 20, 301), 'earlier.heapsnapshot');
  assert.throws(
    () => checkPair(before, after, null),
    (err: Error) => {
      assert.ok(err instanceof SnapshotOrderError, String(err));
      assert.match(
        err.message,
        /^earlier\.heapsnapshot was taken before later\.heapsnapshot .*: swap them: leakscan diff earlier\.heapsnapshot later\.heapsnapshot$/,
      );
      return true;
    },
  );
});

test('an older snapshot of another process: not of one process, and no swap to advise', () => {
  const before = baselineOf(buildGraph(heap('session', 20, 501), 'app.heapsnapshot'));
  const after = buildGraph(heap('report', 20, 301), 'other.heapsnapshot');
  assert.throws(
    () => checkPair(before, after, null),
    (err: Error) => {
      assert.ok(err instanceof UnrelatedSnapshotsError, String(err));
      assert.match(err.message, /^app\.heapsnapshot and other\.heapsnapshot are not snapshots of one process/);
      assert.doesNotMatch(err.message, /swap/);
      return true;
    },
  );
});
