// Objects that grow in bytes side by side, one per key of one collection (a
// hits array per client in a rate limiter, a samples array per chart), are one
// finding naming the collection's path, not one finding per array.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byteFinding, byteGroups } from '../src/analysis/findings.js';
import type { ByteGrowth, RetainerPath } from '../src/types.js';

/** rateLimits (a module variable) → [key] {hits} → .hits Array: the path to one client's array. */
function hitsOf(key: string, id: number, sizes: number[]): ByteGrowth {
  const retainerPath: RetainerPath = [
    { nodeId: 1, name: '(GC roots)', type: 'synthetic', edge: null },
    { nodeId: 2, name: 'system / Context', type: 'object', edge: { type: 'element', name: '3' } },
    { nodeId: 3, name: 'Object', type: 'object', edge: { type: 'context', name: 'rateLimits' } },
    { nodeId: 100 + id, name: '{hits}', type: 'object', edge: { type: 'property', name: key } },
    { nodeId: 200 + id, name: 'Array', type: 'object', edge: { type: 'property', name: 'hits' } },
  ];
  const bytesPerCall = (sizes[sizes.length - 1] - sizes[0]) / 10;
  return {
    holder: 'hits',
    name: 'Array',
    type: 'object',
    nodeId: 200 + id,
    retainedSizes: sizes,
    bytesPerCall,
    retainerPath,
  };
}

test('arrays growing one per key of one object are one finding, named by the collection', () => {
  const growth = [hitsOf('10.0.0.1', 1, [800, 1600]), hitsOf('10.0.0.2', 2, [800, 1600]), hitsOf('c3', 3, [400, 800])];
  const groups = byteGroups(growth);
  assert.equal(groups.length, 1);
  const [group] = groups;
  assert.equal(group.count, 3);
  assert.equal(group.holder, 'rateLimits[…].hits');
  assert.deepEqual(group.retainedSizes, [2000, 4000]);
  assert.equal(group.bytesPerCall, 200);
  const finding = byteFinding(group);
  assert.match(
    finding.summary,
    /^3 Array objects in rateLimits\[…\]\.hits grow 200 B per call together \(3\.91 KB now\)\.$/,
  );
  assert.equal(finding.holder.name, 'rateLimits[…].hits');
  assert.equal(finding.leaked.count, 3);
});

test('objects growing apart (different paths below the parent, or alone) stay one finding each', () => {
  const other = hitsOf('a', 4, [100, 300]);
  other.retainerPath![4] = { ...other.retainerPath![4], edge: { type: 'property', name: 'log' } };
  other.holder = 'log';
  const alone = { ...hitsOf('b', 5, [100, 200]), name: '(string)', type: 'string', holder: 'text' };
  const groups = byteGroups([hitsOf('x', 6, [10, 20]), other, alone]);
  assert.equal(groups.length, 3);
  assert.deepEqual(
    groups.map((g) => [g.holder, g.count]),
    [
      ['hits', 1],
      ['log', 1],
      ['text', 1],
    ],
  );
  assert.match(byteFinding(groups[0]).summary, /^hits grows 1 B per call/);
});
