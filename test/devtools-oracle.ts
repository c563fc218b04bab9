// Chrome DevTools' own heap engine (heap-snapshot-toolkit: HeapSnapshot.ts
// compiled), as the oracle for dominators and retained sizes: users check our
// numbers by opening the same file in DevTools.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReadableStream } from 'node:stream/web';
import { parse } from 'heap-snapshot-toolkit';
import { calculateShallowSizes, type HeapGraph, readSnapshot, startDominance } from '../src/engine/index.js';
import type { DiffResult } from '../src/types.js';
import { runCli } from './helpers.js';

export interface DevToolsView {
  /** Per node ordinal (file order): node id, the id of its immediate dominator, its retained size. */
  ids: Uint32Array;
  dominatorIds: Uint32Array;
  retainedSizes: Float64Array;
}

/**
 * DevTools' answer for these files, computed once per `npm test`: it depends on the files'
 * bytes alone, never on leakscan's thresholds, so the second run of an oracle file (the
 * thresholds at 0) reads what the first run computed for the same bytes (the inputs both
 * runs share: helpers.ts sharedInputs) and compares leakscan's other paths with it. Kept
 * as JSON under LEAKSCAN_TEST_SHARED, by the SHA-256 of the files; without it, computed.
 */
async function rememberedAnswer<T, Stored>(
  kind: string,
  files: readonly string[],
  compute: () => Promise<T>,
  store: (answer: T) => Stored,
  restore: (stored: Stored) => T,
): Promise<T> {
  const shared = process.env.LEAKSCAN_TEST_SHARED;
  if (!shared) return compute();
  const hash = createHash('sha256').update(kind);
  for (const file of files) hash.update(readFileSync(file));
  const saved = join(shared, `devtools-${hash.digest('hex')}.json`);
  if (existsSync(saved)) return restore(JSON.parse(readFileSync(saved, 'utf8')) as Stored);
  const answer = await compute();
  // Written aside, then renamed: the other run of the file reads it whole or not at all.
  writeFileSync(`${saved}.${process.pid}`, JSON.stringify(store(answer)));
  renameSync(`${saved}.${process.pid}`, saved);
  return answer;
}

export async function devtoolsView(file: string): Promise<DevToolsView> {
  return rememberedAnswer(
    'view',
    [file],
    async () => viewOf(await parse(createReadStream(file, 'utf8'))),
    (view) => ({
      ids: Array.from(view.ids),
      dominatorIds: Array.from(view.dominatorIds),
      retainedSizes: Array.from(view.retainedSizes),
    }),
    (stored) => ({
      ids: Uint32Array.from(stored.ids),
      dominatorIds: Uint32Array.from(stored.dominatorIds),
      retainedSizes: Float64Array.from(stored.retainedSizes),
    }),
  );
}

/** devtoolsView of a snapshot's JSON text, without a file (graphs built in tests). */
export async function devtoolsViewOfJson(json: string): Promise<DevToolsView> {
  return viewOf(await parse(ReadableStream.from([json])));
}

function viewOf(snapshot: Awaited<ReturnType<typeof parse>>): DevToolsView {
  const { nodeCount, nodeFieldCount, nodeIdOffset, nodes, dominatorsTree, retainedSizes } = snapshot;
  const ids = new Uint32Array(nodeCount);
  for (let o = 0; o < nodeCount; o++) ids[o] = nodes.getValue(o * nodeFieldCount + nodeIdOffset);
  const dominatorIds = new Uint32Array(nodeCount);
  for (let o = 0; o < nodeCount; o++) dominatorIds[o] = ids[dominatorsTree[o]];
  return { ids, dominatorIds, retainedSizes };
}

/** One class of DevTools' Comparison view: # New, # Deleted, Alloc. size, Freed size. */
export interface DevToolsClassDiff {
  addedCount: number;
  removedCount: number;
  addedSize: number;
  removedSize: number;
}

/**
 * DevTools' Comparison view of a pair, per class name (class keys of one name,
 * e.g. constructors defined at two places, summed). As DevTools does, the base
 * is grouped with the after snapshot's object shapes.
 */
export async function devtoolsComparison(
  beforeFile: string,
  afterFile: string,
): Promise<Map<string, DevToolsClassDiff>> {
  return rememberedAnswer(
    'comparison',
    [beforeFile, afterFile],
    () => computeComparison(beforeFile, afterFile),
    (byName) => [...byName],
    (entries) => new Map(entries),
  );
}

async function computeComparison(beforeFile: string, afterFile: string): Promise<Map<string, DevToolsClassDiff>> {
  const start = await parse(createReadStream(beforeFile, 'utf8'));
  const end = await parse(createReadStream(afterFile, 'utf8'));
  const base = await start.aggregatesForDiff(await end.interfaceDefinitions());
  const byKey = (await end.calculateSnapshotDiff(`base:${beforeFile}`, base)) as Record<
    string,
    DevToolsClassDiff & { name: string }
  >;
  const byName = new Map<string, DevToolsClassDiff>();
  for (const d of Object.values(byKey)) {
    const sum = byName.get(d.name) ?? { addedCount: 0, removedCount: 0, addedSize: 0, removedSize: 0 };
    sum.addedCount += d.addedCount;
    sum.removedCount += d.removedCount;
    sum.addedSize += d.addedSize;
    sum.removedSize += d.removedSize;
    byName.set(d.name, sum);
  }
  return byName;
}

function describeNode(graph: HeapGraph, o: number): string {
  return `@${graph.nodeId(o)} ${graph.nodeTypeName(o)} ${JSON.stringify(graph.nodeName(o).slice(0, 60))}`;
}

/** Every node of `file` whose immediate dominator or retained size differs from DevTools': a count and the first few, described. */
export async function nodesUnlikeDevTools(
  file: string,
): Promise<{ nodeCount: number; count: number; first: string[] }> {
  const graph = await readSnapshot(file);
  // As diff and inspect start them: on a thread when the graph reaches tuning's threadMinNodes.
  const pending = startDominance(graph);
  pending.useShallowSizes(calculateShallowSizes(graph));
  const { dominators, retainedSizes: retained } = await pending.result;
  pending.cancel();
  const devtools = await devtoolsView(file);
  if (devtools.ids.length !== graph.nodeCount) throw new Error('the engines read different node counts');
  const first: string[] = [];
  let count = 0;
  for (let o = 0; o < graph.nodeCount; o++) {
    if (graph.nodeId(o) !== devtools.ids[o]) throw new Error('the engines keep different node orders');
    if (graph.nodeId(dominators[o]) === devtools.dominatorIds[o] && retained[o] === devtools.retainedSizes[o]) continue;
    count++;
    if (first.length < 8) {
      const theirs = graph.ordinalOfId(devtools.dominatorIds[o]);
      first.push(
        `${describeNode(graph, o)}: dominator ours ${describeNode(graph, dominators[o])}, DevTools ${describeNode(graph, theirs)}; ` +
          `retained ours ${retained[o]}, DevTools ${devtools.retainedSizes[o]}`,
      );
    }
  }
  return { nodeCount: graph.nodeCount, count, first };
}

const INTERNAL_NAMES: Record<string, string> = {
  hidden: '(system)',
  code: '(compiled code)',
  closure: 'Function',
  regexp: 'RegExp',
};

/**
 * The Comparison row a leakscan class falls in. DevTools names classes a
 * little differently (closures 'Function', V8's internals by type, plain
 * strings by representation), so rows are compared after folding both sides
 * to one name. DOM classes (`<li>`, `Detached <li>`) are compared as they are.
 */
function rowName(name: string, type: string): string {
  if (type === 'string') return '(string)';
  if (INTERNAL_NAMES[type]) return INTERNAL_NAMES[type];
  if (type !== 'object' && type !== 'native') return `(${type})`;
  return name;
}
function foldDevTools(name: string): string {
  if (name === '(concatenated string)' || name === '(sliced string)') return '(string)';
  return name;
}

type Columns = [number, number, number, number];
const add = (map: Map<string, Columns>, name: string, columns: Columns): void => {
  const sum = map.get(name) ?? [0, 0, 0, 0];
  map.set(name, sum.map((v, i) => v + columns[i]) as Columns);
};

/** `leakscan diff --json` listing every class (internal types too, no paths): what columnsUnlikeDevTools compares. */
export async function diffEveryClass(beforeFile: string, afterFile: string): Promise<DiffResult> {
  const r = await runCli([
    'diff',
    '--json',
    '--min-count',
    '0',
    '--top',
    '100000',
    '--internal',
    '--paths',
    '0',
    beforeFile,
    afterFile,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as DiffResult;
}

/**
 * Classes whose # New / # Deleted / Alloc. size / Freed size in `ours`
 * (leakscan diff --json with every class: --min-count 0 --internal) differ
 * from DevTools' Comparison view of the same pair, as "name: ours …, DevTools …".
 */
export async function columnsUnlikeDevTools(
  ours: DiffResult,
  beforeFile: string,
  afterFile: string,
): Promise<{ classes: number; mismatches: string[] }> {
  const mine = new Map<string, Columns>();
  for (const c of ours.classes) add(mine, rowName(c.name, c.type), [c.added, c.removed, c.addedSize, c.removedSize]);
  const theirs = new Map<string, Columns>();
  for (const [name, d] of await devtoolsComparison(beforeFile, afterFile))
    add(theirs, foldDevTools(name), [d.addedCount, d.removedCount, d.addedSize, d.removedSize]);
  const names = [...new Set([...mine.keys(), ...theirs.keys()])].sort();
  const show = (c: Columns | undefined): string => (c ?? [0, 0, 0, 0]).join('/');
  const mismatches = names
    .filter((n) => show(mine.get(n)) !== show(theirs.get(n)))
    .map((n) => `${n}: ours ${show(mine.get(n))}, DevTools ${show(theirs.get(n))}`);
  return { classes: theirs.size, mismatches };
}
