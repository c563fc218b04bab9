// The snapshot reader on a real snapshot, checked against JSON.parse of the
// same file. The graph passes on hand-built graphs: algorithms.unit.test.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type HeapGraph, readSnapshot } from '../src/engine/index.js';
import { readRawSnapshot } from '../src/engine/reader.js';
import { StringTable } from '../src/engine/strings.js';
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

/** The graph's nodes as the file lists them: every field of meta.node_fields, node after node. */
function nodesAsInFile(graph: HeapGraph): number[] {
  const values: number[] = [];
  for (let o = 0; o < graph.nodeCount; o++) {
    for (const field of graph.meta.node_fields) {
      const value = {
        type: graph.nodeTypeIndex(o),
        name: graph.nodeNameIndex(o),
        id: graph.nodeId(o),
        self_size: graph.nodeSelfSize(o),
        edge_count: graph.nodeEdgeCount(o),
        trace_node_id: graph.nodeTraceNodeId(o),
        detachedness: graph.nodeDetachednessValue(o),
      }[field];
      assert.notEqual(value, undefined, `field ${field}`);
      values.push(value!);
    }
  }
  return values;
}

/** The graph's edges as the file lists them, to_node as ordinal × node field count. */
function edgesAsInFile(graph: HeapGraph): number[] {
  const values: number[] = [];
  for (let e = 0; e < graph.edgeCount; e++) {
    for (const field of graph.meta.edge_fields) {
      const value = {
        type: graph.edgeTypeIndex(e),
        name_or_index: graph.edgeNameIndex(e),
        to_node: graph.edgeTarget(e) * graph.nodeFieldCount,
      }[field];
      assert.notEqual(value, undefined, `field ${field}`);
      values.push(value!);
    }
  }
  return values;
}

function allStrings(strings: StringTable | readonly string[]): string[] {
  return strings instanceof StringTable ? strings.toArray() : [...strings];
}

describe('reader on a real snapshot', () => {
  test('counts, ids, sizes, names and strings equal JSON.parse of the file', async () => {
    const json = JSON.parse(readFileSync(real, 'utf8')) as JsonSnapshot;
    const graph = await readSnapshot(real);
    const fields = json.snapshot.meta.node_fields.length;
    assert.equal(graph.nodeCount, json.snapshot.node_count);
    assert.equal(graph.edgeCount, json.snapshot.edge_count);
    assert.deepEqual(graph.strings.toArray(), json.strings);
    assert.deepEqual(nodesAsInFile(graph), json.nodes);
    assert.deepEqual(edgesAsInFile(graph), json.edges);
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
      assert.deepEqual(other.columns, plain.columns);
      assert.deepEqual(allStrings(other.strings), allStrings(plain.strings));
    }
  });

  test('nodes and edges are kept a column per field, in about half the bytes of the flat arrays', async () => {
    const raw = await readRawSnapshot(real);
    const { nodes, edges } = raw.columns!;
    // No allocation tracking in this snapshot: no node has a trace id, and none is stored.
    assert.equal(nodes.traceNodeIds, null);
    let bytes = 0;
    for (const column of [...Object.values(nodes), ...Object.values(edges)])
      if (ArrayBuffer.isView(column)) bytes += column.byteLength;
    const flat = 4 * (raw.nodeCount * raw.meta.node_fields.length + raw.edgeCount * raw.meta.edge_fields.length);
    assert.ok(bytes < 0.75 * flat, `${bytes} bytes of columns for ${flat} bytes of flat arrays`);
  });

  test('a graph written back out reads the same', async () => {
    const graph = await readSnapshot(real);
    const copy = join(dir, 'copy.heapsnapshot.gz');
    await writeSnapshot(graph, copy);
    const again = await readSnapshot(copy);
    assert.deepEqual(nodesAsInFile(again), nodesAsInFile(graph));
    assert.deepEqual(edgesAsInFile(again), edgesAsInFile(graph));
    assert.deepEqual(again.strings.toArray(), graph.strings.toArray());
  });

  test('progress is reported up to the file size', async () => {
    const seen: number[] = [];
    await readSnapshot(real, { onProgress: (done, total) => seen.push(done / total) });
    assert.equal(seen.at(-1), 1);
  });
});
