// The snapshot engine on real snapshots (checked against JSON.parse of the
// same file) and on tiny hand-built graphs (dominators, retained sizes).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  buildDominatorTree,
  buildRetainers,
  calculateDistances,
  calculateRetainedSizes,
  type HeapGraph,
  NO_NODE,
  readSnapshot,
} from '../src/engine/index.js';
import { readRawSnapshot } from '../src/engine/reader.js';
import { writeSnapshot } from '../src/engine/writer.js';
import { devtoolsView } from './devtools-oracle.js';
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
    for (let o = 0; o < graph.nodeCount; o++)
      if (graph.className(o) === 'Leaky' && graph.nodeTypeName(o) === 'object') leaky++;
    assert.equal(leaky, 300);
    assert.ok(graph.strings.includes('tab\there "quoted" é中 back\\slash'), 'escapes and multi-byte UTF-8 decoded');
    assert.equal(graph.ordinalOfId(2 ** 31), -1);
  });

  test('gzip and tiny chunks (boundaries inside numbers, strings, escapes) give the same graph', async () => {
    const plain = await readRawSnapshot(real);
    const gz = join(dir, 'real.heapsnapshot.gz');
    writeFileSync(gz, gzipSync(readFileSync(real)));
    // Odd sizes put chunk boundaries inside numbers, strings, escapes and multi-byte characters thousands of times.
    for (const [file, chunkSize] of [
      [gz, undefined],
      [real, 1021],
      [gz, 257],
    ] as const) {
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

/**
 * Builds a snapshot file from a list of edges between named nodes; node 0 is
 * the root. A node is [name, self size, type (default object; the root is
 * synthetic)]; an edge is [from, to, type (default property), name]. Node
 * ordinal i gets id 2i + 1.
 */
function tinyGraph(
  name: string,
  nodes: Array<[string, number, string?]>,
  edges: Array<[number, number, string?, string?]>,
): string {
  const nodeTypes = [
    'hidden',
    'array',
    'string',
    'object',
    'code',
    'closure',
    'regexp',
    'number',
    'native',
    'synthetic',
  ];
  const edgeTypes = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
  const strings = ['(root)', ...nodes.slice(1).map(([n]) => n), 'ref'];
  const stringIndex = (s: string): number => {
    const i = strings.indexOf(s);
    return i >= 0 ? i : strings.push(s) - 1;
  };
  const bySource = nodes.map((): Array<[number, number, string?, string?]> => []);
  for (const edge of edges) bySource[edge[0]].push(edge);
  const nodeArray: number[] = [];
  for (const [i, [, size, type]] of nodes.entries()) {
    nodeArray.push(
      nodeTypes.indexOf(type ?? (i === 0 ? 'synthetic' : 'object')),
      i,
      i * 2 + 1,
      size,
      bySource[i].length,
      0,
      0,
    );
  }
  const edgeArray: number[] = [];
  for (const out of bySource) {
    for (const [, to, type, edgeName] of out)
      edgeArray.push(edgeTypes.indexOf(type ?? 'property'), stringIndex(edgeName ?? 'ref'), to * 7);
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

async function analyse(
  file: string,
): Promise<{ graph: HeapGraph; dominators: Uint32Array; retained: Float64Array; distances: Uint32Array }> {
  const graph = await readSnapshot(file);
  const dominators = buildDominatorTree(graph, buildRetainers(graph));
  const retained = calculateRetainedSizes(graph, dominators);
  // Every hand-built graph is also checked against DevTools' engine, so the
  // expectations written below cannot drift from what DevTools shows.
  const devtools = await devtoolsView(file);
  assert.deepEqual(
    Array.from(dominators, (d) => graph.nodeId(d)),
    Array.from(devtools.dominatorIds),
    'dominators as DevTools',
  );
  assert.deepEqual(Array.from(retained), Array.from(devtools.retainedSizes), 'retained sizes as DevTools');
  return { graph, dominators, retained, distances: calculateDistances(graph) };
}

describe('dominators and retained sizes', () => {
  test('diamond: the join is dominated by the fork, not by either branch', async () => {
    // root → a → {b, c} → d
    const file = tinyGraph(
      'diamond',
      [
        ['(root)', 0],
        ['a', 10],
        ['b', 20],
        ['c', 30],
        ['d', 40],
      ],
      [
        [0, 1],
        [1, 2],
        [1, 3],
        [2, 4],
        [3, 4],
      ],
    );
    const { dominators, retained, distances } = await analyse(file);
    assert.deepEqual(Array.from(dominators), [0, 0, 1, 1, 1]);
    assert.deepEqual(Array.from(retained), [100, 100, 20, 30, 40]);
    assert.deepEqual(Array.from(distances), [0, 1, 2, 2, 3]);
  });

  test('chain and cycle: a cycle entered once is dominated by its entry', async () => {
    // root → a → b → c → b
    const file = tinyGraph(
      'cycle',
      [
        ['(root)', 0],
        ['a', 1],
        ['b', 2],
        ['c', 4],
      ],
      [
        [0, 1],
        [1, 2],
        [2, 3],
        [3, 2],
      ],
    );
    const { dominators, retained } = await analyse(file);
    assert.deepEqual(Array.from(dominators), [0, 0, 1, 2]);
    assert.deepEqual(Array.from(retained), [7, 7, 6, 4]);
  });

  test('weak edges do not retain: a node held only weakly hangs under the root, as in DevTools', async () => {
    // root → a -weak-> b ; root → c → d, a -weak-> d
    const file = tinyGraph(
      'weak',
      [
        ['(root)', 0],
        ['a', 1],
        ['b', 2],
        ['c', 4],
        ['d', 8],
      ],
      [
        [0, 1],
        [0, 3],
        [1, 2, 'weak'],
        [1, 4, 'weak'],
        [3, 4],
      ],
    );
    const { dominators, retained, distances } = await analyse(file);
    assert.equal(dominators[2], 0, 'b is an orphan: DevTools puts it under the root');
    assert.equal(distances[2], NO_NODE);
    assert.equal(dominators[4], 3, 'd is held only through c');
    assert.equal(retained[1], 1);
    assert.equal(retained[3], 12);
    assert.equal(retained[0], 15, 'the root retains everything, orphans included');
  });

  test('no stale dominators: a join reached again through a cycle is dominated by the root', async () => {
    // Found by random search against the definition: Cooper-Harvey-Kennedy
    // iterated only over "affected" nodes left 5 under 4, though 5 is also
    // reached by root → 2 → 3 → 1 → 5.
    const file = tinyGraph(
      'stale',
      [
        ['(root)', 0],
        ['n1', 1],
        ['n2', 1],
        ['n3', 1],
        ['n4', 1],
        ['n5', 1],
      ],
      [
        [0, 4],
        [0, 2],
        [1, 5],
        [2, 3],
        [3, 2],
        [3, 1],
        [4, 5],
        [5, 3],
      ],
    );
    const { dominators, retained } = await analyse(file);
    assert.deepEqual(Array.from(dominators), [0, 3, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(retained), [5, 1, 1, 2, 1, 1]);
  });

  test('orphan cycles: each member of a clique nothing else holds hangs under the root', async () => {
    // root → a ; b ⇄ c with no other retainers ; d -weak-> ... only weak retainer of e is d
    const file = tinyGraph(
      'clique',
      [
        ['(root)', 0],
        ['a', 1],
        ['b', 2],
        ['c', 4],
        ['e', 8],
      ],
      [
        [0, 1],
        [1, 4, 'weak'],
        [2, 3],
        [3, 2],
      ],
    );
    const { dominators, retained } = await analyse(file);
    assert.deepEqual(Array.from(dominators), [0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(retained), [15, 1, 2, 4, 8]);
  });

  test('string tables retain for dominators (DevTools does not treat them as weak)', async () => {
    // root → (GC roots) → (Internalized strings) → s ; root → a → s
    const file = tinyGraph(
      'strings',
      [
        ['(root)', 0],
        ['(GC roots)', 0, 'synthetic'],
        ['(Internalized strings)', 0, 'synthetic'],
        ['a', 1],
        ['s', 16, 'string'],
      ],
      [
        [0, 1, 'element'],
        [0, 3],
        [1, 2, 'element'],
        [2, 4, 'element'],
        [3, 4],
      ],
    );
    const { dominators, retained } = await analyse(file);
    assert.equal(dominators[4], 0, 's is held by the table and by a');
    assert.equal(retained[3], 1);
  });

  test('shortcut edges retain only from the root', async () => {
    // root → a → b ; root → c -shortcut-> b
    const file = tinyGraph(
      'shortcut',
      [
        ['(root)', 0],
        ['a', 1],
        ['b', 2],
        ['c', 4],
      ],
      [
        [0, 1],
        [0, 3],
        [1, 2],
        [3, 2, 'shortcut'],
      ],
    );
    const { dominators, retained } = await analyse(file);
    assert.equal(dominators[2], 1);
    assert.equal(retained[1], 3);
  });

  test('edges from objects the page does not own into ones it owns do not retain', async () => {
    // root -shortcut-> g (a user root: the page owns what it reaches) → x ;
    // root → (GC roots) → y → x, y is not page-owned.
    const file = tinyGraph(
      'page',
      [
        ['(root)', 0],
        ['g', 1],
        ['x', 2],
        ['(GC roots)', 0, 'synthetic'],
        ['y', 4],
      ],
      [
        [0, 1, 'shortcut'],
        [0, 3, 'element'],
        [1, 2],
        [3, 4, 'element'],
        [4, 2],
      ],
    );
    const { dominators } = await analyse(file);
    assert.equal(dominators[2], 1, 'x belongs to g');
  });

  test('a WeakMap value is retained by its key, not by the table', async () => {
    // root → m (WeakMap) → t (table) -internal-> v ; root → k -internal-> v ; t -weak-> k
    const pair = '1 / part of key (k @7) -> value (v @9) pair in WeakMap (table @5)';
    const file = tinyGraph(
      'weakmap',
      [
        ['(root)', 0],
        ['WeakMap', 1],
        ['(table)', 2, 'array'],
        ['k', 4],
        ['v', 8],
      ],
      [
        [0, 1],
        [0, 3],
        [1, 2, 'internal'],
        [2, 3, 'weak'],
        [2, 4, 'internal', pair],
        [3, 4, 'internal', pair],
      ],
    );
    const { graph, dominators } = await analyse(file);
    assert.equal(graph.nodeId(2), 5, 'the table id named in the edge');
    assert.equal(dominators[4], 3, 'v belongs to its key');
  });

  test('with user roots, hidden and array nodes hand their self size to their only owner (DevTools shallow sizes)', async () => {
    // root -shortcut-> g → o → h (hidden) ; root → (GC roots) → q → h2 (array), root → (GC roots) → r → h2
    const file = tinyGraph(
      'shallow',
      [
        ['(root)', 0],
        ['g', 1],
        ['o', 2],
        ['h', 16, 'hidden'],
        ['(GC roots)', 0, 'synthetic'],
        ['q', 4],
        ['r', 8],
        ['h2', 32, 'array'],
      ],
      [
        [0, 1, 'shortcut'],
        [0, 4, 'element'],
        [1, 2],
        [2, 3],
        [4, 5, 'element'],
        [4, 6, 'element'],
        [5, 7],
        [6, 7],
      ],
    );
    const { retained } = await analyse(file);
    assert.equal(retained[3], 0, 'h counts in o');
    assert.equal(retained[2], 18);
    assert.equal(retained[7], 32, 'h2 has two owners and keeps its size');
  });

  test('random graphs with every edge and node kind: same as DevTools', async () => {
    // Deep search trees and odd edge mixes reach the parts of Lengauer-Tarjan
    // (path compression, shared buckets, leftover cycles) that the cases above do not.
    let seed = 12345;
    const random = (k: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    const nodeKinds = ['object', 'object', 'object', 'hidden', 'array', 'synthetic', 'string'];
    const edgeKinds = [
      'property',
      'property',
      'property',
      'element',
      'internal',
      'weak',
      'shortcut',
      'hidden',
      'context',
    ];
    for (let g = 0; g < 40; g++) {
      const count = 6 + random(40);
      const nodes: Array<[string, number, string?]> = [['(root)', 0]];
      for (let i = 1; i < count; i++) nodes.push([`n${i}`, 1 + random(100), nodeKinds[random(nodeKinds.length)]]);
      const edges: Array<[number, number, string?]> = [];
      // Distinct pairs: DevTools' distance pass overflows its queue when the root has two edges to one user root.
      const pairs = new Set<number>();
      for (let i = 0; i < count * 2; i++) {
        const from = random(3) === 0 ? 0 : random(count);
        const to = 1 + random(count - 1);
        if (pairs.has(from * count + to)) continue;
        pairs.add(from * count + to);
        edges.push([from, to, edgeKinds[random(edgeKinds.length)]]);
      }
      await analyse(tinyGraph(`random${g}`, nodes, edges));
    }
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
