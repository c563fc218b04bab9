// The columns `leakscan diff` shares with DevTools' Comparison view (# New,
// # Deleted, Alloc. size, Freed size) equal what DevTools' own heap engine
// (heap-snapshot-toolkit) computes for the same pair, class by class, on pairs
// written here by child processes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { columnsUnlikeDevTools, diffEveryClass } from './devtools-oracle.js';
import { runFixture, sharedInputs } from './helpers.js';

const PAIRS: Array<{ name: string; fixture: string; args: string[] }> = [
  { name: 'sessions in a Map', fixture: 'pair-leak.cjs', args: ['300'] },
  { name: 'an HTTP server', fixture: 'pair-server.cjs', args: [] },
  { name: 'a linked list', fixture: 'pair-shapes.cjs', args: ['list', '2000'] },
  { name: 'closures keeping the previous object', fixture: 'pair-shapes.cjs', args: ['closures', '500'] },
];
const dirs: string[] = [];

before(async () => {
  // Both runs of this file in npm test compare the same pairs (and DevTools' answers for them).
  for (const [i, pair] of PAIRS.entries())
    dirs.push(await sharedInputs(`comparison-pair-${i}`, (into) => runFixture(pair.fixture, into, pair.args)));
});

describe('the Comparison columns equal DevTools', () => {
  for (const [i, pair] of PAIRS.entries()) {
    test(`${pair.name}: # New, # Deleted, Alloc. size and Freed size of every class`, async () => {
      const files = [join(dirs[i], 'before.heapsnapshot'), join(dirs[i], 'after.heapsnapshot')] as const;
      const { classes, mismatches } = await columnsUnlikeDevTools(await diffEveryClass(...files), ...files);
      assert.ok(classes >= 10, `DevTools lists ${classes} classes`);
      assert.deepEqual(mismatches, []);
    });
  }
});
