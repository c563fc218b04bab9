// The function whose object literal made a record (engine/locations.ts literalLocation), on a snapshot this
// process writes of records it made: a function alive, and a callback called once inside another and dropped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { readSnapshot } from '../src/engine/index.js';
import { sourceIndex } from '../src/engine/locations.js';
import { tempDir } from './helpers.js';

const kept: unknown[] = [];

function addRecords(n: number): void {
  for (let i = 0; i < n; i++) kept.push({ literalAlpha: i, literalBeta: [i] });
}

function addThroughCallback(n: number): void {
  const make = (): void => {
    for (let i = 0; i < n; i++) kept.push({ literalGamma: i, literalDelta: `d${i}` });
  };
  make();
}

/** The compiled file's line (1-based) that holds `text`: V8's places are this file's. */
const lineOf = (text: string): number =>
  readFileSync(fileURLToPath(import.meta.url), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

test('records made by an object literal: the function of the literal, else the function around it still alive', async () => {
  addRecords(500);
  addThroughCallback(500);
  const graph = await readSnapshot(v8.writeHeapSnapshot(join(tempDir(), 'literals.heapsnapshot')));
  const index = sourceIndex(graph);
  /** A kept record with the property `name` (one holding an object: V8 writes no edge for a small integer). */
  const recordWith = (name: string): number => {
    for (let o = 0; o < graph.nodeCount; o++) {
      if (graph.nodeTypeName(o) !== 'object') continue;
      for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++)
        if (graph.edgeTypeName(e) === 'property' && graph.edgeName(e) === name) return o;
    }
    return -1;
  };
  const here = fileURLToPath(import.meta.url);
  const placed = (name: string): string => {
    const at = index.literalLocation(recordWith(name));
    return at ? `${fileURLToPath(new URL(at.script, 'file://'))}:${at.line}` : 'none';
  };
  assert.equal(placed('literalBeta'), `${here}:${lineOf('function addRecords(')}`);
  assert.equal(placed('literalDelta'), `${here}:${lineOf('function addThroughCallback(')}`);
  // An array has no literal's boilerplate of that map: no place rather than a wrong one.
  assert.equal(index.literalLocation(graph.rootOrdinal), null);
  assert.ok(kept.length > 0);
});
