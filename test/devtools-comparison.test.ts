// The columns `leakscan diff` shares with DevTools' Comparison view (# New,
// # Deleted, Alloc. size, Freed size) equal what DevTools' own heap engine
// (heap-snapshot-toolkit) computes for the same pair, class by class, on pairs
// written here by child processes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { DiffResult } from '../src/types.js';
import { devtoolsComparison } from './devtools-oracle.js';
import { runCli, runFixture, tempDir } from './helpers.js';

const PAIRS: Array<{ name: string; fixture: string; args: string[] }> = [
  { name: 'sessions in a Map', fixture: 'pair-leak.cjs', args: ['300'] },
  { name: 'an HTTP server', fixture: 'pair-server.cjs', args: [] },
  { name: 'a linked list', fixture: 'pair-shapes.cjs', args: ['list', '2000'] },
  { name: 'closures keeping the previous object', fixture: 'pair-shapes.cjs', args: ['closures', '500'] },
];
const dirs = PAIRS.map(() => tempDir());

before(async () => {
  for (const [i, pair] of PAIRS.entries()) await runFixture(pair.fixture, dirs[i], pair.args);
});

const INTERNAL_NAMES: Record<string, string> = { hidden: '(system)', code: '(compiled code)', closure: 'Function', regexp: 'RegExp' };

/**
 * The Comparison row a leakscan class falls in. DevTools names classes a
 * little differently (closures 'Function', V8's internals by type, plain
 * objects by their shape {a, b}, strings by representation, "Detached" embedder
 * objects apart), so rows are compared after folding both sides to one name.
 */
function rowName(name: string, type: string): string {
  if (type === 'string') return '(string)';
  if (INTERNAL_NAMES[type]) return INTERNAL_NAMES[type];
  if (type !== 'object' && type !== 'native') return `(${type})`;
  return name;
}
function foldDevTools(name: string): string {
  if (name === '(concatenated string)' || name === '(sliced string)') return '(string)';
  if (name.startsWith('{')) return 'Object';
  return name.replace(/^Detached /, '');
}

type Columns = [number, number, number, number];
const add = (map: Map<string, Columns>, name: string, columns: Columns): void => {
  const sum = map.get(name) ?? [0, 0, 0, 0];
  map.set(name, sum.map((v, i) => v + columns[i]) as Columns);
};

describe('the Comparison columns equal DevTools', () => {
  for (const [i, pair] of PAIRS.entries()) {
    test(`${pair.name}: # New, # Deleted, Alloc. size and Freed size of every class`, async () => {
      const files = [join(dirs[i], 'before.heapsnapshot'), join(dirs[i], 'after.heapsnapshot')];
      const r = await runCli(['diff', '--json', '--min-count', '0', '--top', '100000', '--internal', '--paths', '0', ...files]);
      assert.equal(r.code, 0, r.stderr);
      const ours = new Map<string, Columns>();
      for (const c of (JSON.parse(r.stdout) as DiffResult).classes) add(ours, rowName(c.name, c.type), [c.added, c.removed, c.addedSize, c.removedSize]);
      const theirs = new Map<string, Columns>();
      for (const [name, d] of await devtoolsComparison(files[0], files[1])) {
        add(theirs, foldDevTools(name), [d.addedCount, d.removedCount, d.addedSize, d.removedSize]);
      }
      assert.ok(theirs.size >= 10, `DevTools lists ${theirs.size} classes`);
      const names = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
      const show = (c: Columns | undefined): string => (c ?? [0, 0, 0, 0]).join('/');
      const mismatches = names.filter((n) => show(ours.get(n)) !== show(theirs.get(n))).map((n) => `${n}: ours ${show(ours.get(n))}, DevTools ${show(theirs.get(n))}`);
      assert.deepEqual(mismatches, []);
    });
  }
});
