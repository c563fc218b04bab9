// sortedOrder, the id order a diff merges two snapshots in: a stable
// permutation that sorts a strided field, against Array.prototype.sort.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sortedOrder } from '../src/engine/sort.js';

/** The reference: indexes sorted by key, ties in index order. */
function expected(keys: number[]): number[] {
  return keys.map((_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
}

/** `keys` as the field at `offset` of records of `stride` numbers, the other fields noise. */
function strided(keys: number[], stride: number, offset: number): Uint32Array {
  const records = new Uint32Array(keys.length * stride).fill(0xdeadbeef);
  keys.forEach((key, i) => {
    records[i * stride + offset] = key;
  });
  return records;
}

test('sorts every kind of key set as Array.prototype.sort does, ties kept in order', () => {
  let seed = 7;
  const next = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed;
  };
  const cases: [string, number[]][] = [
    ['empty', []],
    ['one', [42]],
    ['already ascending (no sort)', [1, 3, 3, 5, 70000, 0xffffffff]],
    ['ascending but one', [1, 3, 5, 7, 2, 9]],
    ['descending', [0xffffffff, 70000, 65536, 65535, 2, 1, 0]],
    ['one high digit, low digits differ', [0x10005, 0x10001, 0x10003, 0x10001]],
    ['one low digit, high digits differ', [0x50007, 0x10007, 0x30007, 0x10007]],
    ['random, full range with ties', Array.from({ length: 3000 }, (_, i) => (i % 5 === 0 ? 12345 : next()))],
    ['random, small ids', Array.from({ length: 3000 }, () => next() % 5000)],
  ];
  for (const [name, keys] of cases) {
    assert.deepEqual(Array.from(sortedOrder(Uint32Array.from(keys))), expected(keys), name);
    for (const [stride, offset] of [
      [7, 2],
      [6, 5],
    ])
      assert.deepEqual(
        Array.from(sortedOrder(strided(keys, stride, offset), stride, offset)),
        expected(keys),
        `${name}, stride ${stride}`,
      );
  }
});
