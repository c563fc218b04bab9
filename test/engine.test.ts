// The snapshot engine on real snapshots (checked against JSON.parse of the
// same file) and on tiny hand-built graphs (dominators, retained sizes).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { before, describe, test } from 'node:test';
import { buildDominatorTree, buildRetainers, calculateDistances, calculateRetainedSizes, NO_NODE, readSnapshot, type HeapGraph } from '../src/engine/index.js';
import { readRawSnapshot } from '../src/engine/reader.js';
import { writeSnapshot } from '../src/engine/writer.js';
import { tempDir } from './helpers.js';

const dir = tempDir();
const real = join(dir, 'real.heapsnapshot');

before(() => {
  const program = `
    class Leaky { constructor(i) { this.i = i; this.label = 'leaky-' + i; } }
    globalThis.kept = [];
    for (let i = 0; i < 300; i++) kept.push(new Leaky(i));
    globalThis.quoted = 'tab\\there "quoted" \\u00e9\\u4e2d back\\\\slash';
    globalThis.fn = function namedClosure() { return kept.length; };
    setTimeout(() => require('v8').writeHeapSnapshot(${JSON.stringify(real)}), 10);`;
  execFileSync(process.execPath, ['-e', program]);
});

interface JsonSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] }; node_count: number; edge_count: number };
  nodes: number[];
  edges: number[];
  strings: string[];
}

describe('reader on a real snapshot', () => {
  test('counts, ids, sizes, names and strings equal JSON.parse of the file', async () => {
    const json = JSON.parse(readFileSync(real, 'utf8')) as JsonSnapshot;
    const graph = await readSnapshot(real);
    const fields = json.snapshot.meta.node_fields.length;
    assert.equal(graph.nodeCount, json.snapshot.node_count);
    assert.equal(graph.edgeCount, json.snapshot.edge_count);
    assert.deepEqual(graph.strings, json.strings);
    assert.deepEqual(Array.from(graph.nodes), json.nodes);
    for (const o of [0, 1, 17, graph.nodeCount >> 1, graph.nodeCount - 1]) {
      assert.equal(graph.nodeId(o), json.nodes[o * fields + 2]);
      assert.equal(graph.nodeSelfSize(o), json.nodes[o * fields + 3]);
      assert.equal(graph.nodeName(o), json.strings[json.nodes[o * fields + 1]]);
      assert.equal(graph.ordinalOfId(graph.nodeId(o)), o);
    }
    let leaky = 0;
    for (let o = 0; o < graph.nodeCount; o++) if (graph.className(o) === 'Leaky' && graph.nodeTypeName(o) === 'object') leaky++;
    assert.equal(leaky, 300);
    assert.ok(graph.strings.includes('tab\there "quoted" é中 back\\slash'), 'escapes and multi-byte UTF-8 decoded');
    assert.equal(graph.ordinalOfId(2 ** 31), -1);
  });

  test('gzip and tiny chunks (boundaries inside numbers, strings, escapes) give the same graph', async () => {
    const plain = await readRawSnapshot(real);
    const gz = join(dir, 'real.heapsnapshot.gz');
    writeFileSync(gz, gzipSync(readFileSync(real)));
    // Odd sizes put chunk boundaries inside numbers, strings, escapes and multi-byte characters thousands of times.
    for (const [file, chunkSize] of [[gz, undefined], [real, 1021], [gz, 257]] as const) {
      const other = await readRawSnapshot(file, { chunkSize });
      assert.deepEqual(other.nodes, plain.nodes);
      assert.deepEqual(other.edges, plain.edges);
      assert.deepEqual(other.strings, plain.strings);
    }
  });

  test('a graph written back out reads the same', async () => {
    const graph = await readSnapshot(real);
    const copy = join(dir, 'copy.heapsnapshot.gz');
    await writeSnapshot(graph, copy);
    const again = await readSnapshot(copy);
    assert.deepEqual(again.nodes, graph.nodes);
    assert.deepEqual(again.edges, graph.edges);
    assert.deepEqual(again.strings, graph.strings);
  });

  test('progress is reported up to the file size', async () => {
    const seen: number[] = [];
    await readSnapshot(real, { onProgress: (done, total) => seen.push(done / total) });
    assert.equal(seen.at(-1), 1);
  });
});

/** Builds a snapshot file from a list of edges between named nodes; node 0 is the root. */
function tinyGraph(name: string, nodes: Array<[string, number]>, edges: Array<[number, number, string?]>): string {
  const nodeTypes = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic'];
  const edgeTypes = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
  const strings = ['(root)', ...nodes.slice(1).map(([n]) => n), 'ref'];
  const bySource = nodes.map((): Array<[number, number, string?]> => []);
  for (const edge of edges) bySource[edge[0]].push(edge);
  const nodeArray: number[] = [];
  nodes.forEach(([, size], i) => nodeArray.push(i === 0 ? 9 : 3, i, i * 2 + 1, size, bySource[i].length, 0, 0));
  const edgeArray: number[] = [];
  for (const out of bySource) {
    for (const [, to, type] of out) edgeArray.push(edgeTypes.indexOf(type ?? 'property'), strings.length - 1, to * 7);
  }
  const file = join(dir, `${name}.heapsnapshot`);
  writeFileSync(
    file,
    JSON.stringify({
      snapshot: {
        meta: {
          node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
          node_types: [nodeTypes, 'string', 'number', 'number', 'number', 'number', 'number'],
          edge_fields: ['type', 'name_or_index', 'to_node'],
          edge_types: [edgeTypes, 'string_or_number', 'node'],
        },
        node_count: nodes.length,
        edge_count: edgeArray.length / 3,
      },
      nodes: nodeArray,
      edges: edgeArray,
      strings,
    }),
  );
  return file;
}

async function analyse(file: string): Promise<{ graph: HeapGraph; dominators: Uint32Array; retained: Float64Array; distances: Uint32Array }> {
  const graph = await readSnapshot(file);
  const dominators = buildDominatorTree(graph, buildRetainers(graph));
  return { graph, dominators, retained: calculateRetainedSizes(graph, dominators), distances: calculateDistances(graph) };
}

describe('dominators and retained sizes', () => {
  test('diamond: the join is dominated by the fork, not by either branch', async () => {
    // root → a → {b, c} → d
    const file = tinyGraph('diamond', [['(root)', 0], ['a', 10], ['b', 20], ['c', 30], ['d', 40]], [[0, 1], [1, 2], [1, 3], [2, 4], [3, 4]]);
    const { dominators, retained, distances } = await analyse(file);
    assert.deepEqual(Array.from(dominators), [0, 0, 1, 1, 1]);
    assert.deepEqual(Array.from(retained), [100, 100, 20, 30, 40]);
    assert.deepEqual(Array.from(distances), [0, 1, 2, 2, 3]);
  });

  test('chain and cycle: a cycle entered once is dominated by its entry', async () => {
    // root → a → b → c → b
    const file = tinyGraph('cycle', [['(root)', 0], ['a', 1], ['b', 2], ['c', 4]], [[0, 1], [1, 2], [2, 3], [3, 2]]);
    const { dominators, retained } = await analyse(file);
    assert.deepEqual(Array.from(dominators), [0, 0, 1, 2]);
    assert.deepEqual(Array.from(retained), [7, 7, 6, 4]);
  });

  test('weak edges do not retain: a weakly held node is unreachable', async () => {
    // root → a -weak-> b ; root → c → d, a -weak-> d
    const file = tinyGraph('weak', [['(root)', 0], ['a', 1], ['b', 2], ['c', 4], ['d', 8]], [[0, 1], [0, 3], [1, 2, 'weak'], [1, 4, 'weak'], [3, 4]]);
    const { dominators, retained, distances } = await analyse(file);
    assert.equal(dominators[2], NO_NODE);
    assert.equal(distances[2], NO_NODE);
    assert.equal(dominators[4], 3, 'd is held only through c');
    assert.equal(retained[1], 1);
    assert.equal(retained[3], 12);
  });

  test('a deep chain needs no recursion', async () => {
    const n = 200_000;
    const nodes: Array<[string, number]> = [['(root)', 0]];
    const edges: Array<[number, number]> = [];
    for (let i = 1; i <= n; i++) {
      nodes.push([`n${i}`, 1]);
      edges.push([i - 1, i]);
    }
    const { retained, dominators } = await analyse(tinyGraph('deep', nodes, edges));
    assert.equal(retained[1], n);
    assert.equal(dominators[n], n - 1);
  });
});
