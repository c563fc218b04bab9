// HeapGraph's checks of a snapshot's indexes (types, names, edge targets),
// made from what the column builders note as records go by: each bad index
// is refused with the first culprit named, by both ways a graph is built
// (the reader's columns, and flat arrays as memlab's parser gives them).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeapGraph } from '../src/engine/index.js';
import { SnapshotParser } from '../src/engine/snapshot-sections.js';

const META = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
  node_types: [['hidden', 'object', 'synthetic'], 'string', 'number', 'number', 'number', 'number', 'number'],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [
    ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'],
    'string_or_number',
    'node',
  ],
};
// (root) -[property foo]-> Foo -[element 5]-> (root)
const NODES = [2, 0, 1, 0, 1, 0, 0, 1, 1, 3, 16, 1, 0, 0];
const EDGES = [2, 2, 7, 1, 5, 0];
const STRINGS = ['(root)', 'Foo', 'foo'];

function viaReader(nodes: number[], edges: number[]): HeapGraph {
  const json = JSON.stringify({
    snapshot: { meta: META, node_count: nodes.length / 7, edge_count: edges.length / 3, trace_function_count: 0 },
    nodes,
    edges,
    strings: STRINGS,
  });
  const parser = new SnapshotParser('x.heapsnapshot', json.length);
  parser.feed(Buffer.from(json));
  return new HeapGraph(parser.finish(json.length, json.length), 'x.heapsnapshot');
}

function viaArrays(nodes: number[], edges: number[]): HeapGraph {
  const raw = {
    meta: META,
    nodeCount: nodes.length / 7,
    edgeCount: edges.length / 3,
    nodes: Uint32Array.from(nodes),
    edges: Uint32Array.from(edges),
    strings: STRINGS,
    fileBytes: 0,
  };
  return new HeapGraph(raw, 'x.heapsnapshot');
}

const replaced = (values: number[], at: number, value: number): number[] =>
  values.map((v, i) => (i === at ? value : v));

describe('HeapGraph checks', () => {
  for (const [how, make] of [
    ['reader', viaReader],
    ['arrays', viaArrays],
  ] as const) {
    it(`${how}: a good graph has its edge targets as ordinals`, () => {
      const graph = make(NODES, EDGES);
      assert.deepEqual([graph.edgeTarget(0), graph.edgeTarget(1)], [1, 0]);
      assert.equal(graph.edgeName(0), 'foo');
    });

    it(`${how}: each bad index is refused, naming the first culprit`, () => {
      for (const [nodes, edges, message] of [
        [replaced(NODES, 7, 9), EDGES, /node 1 has an unknown type/],
        [replaced(NODES, 8, 3), EDGES, /node 1 names string 3, but there are only 3 strings/],
        [NODES, replaced(EDGES, 3, 9), /edge 1 has an unknown type/],
        [NODES, replaced(EDGES, 1, 3), /edge 0 names string 3, but there are only 3 strings/],
        [NODES, replaced(EDGES, 2, 8), /edge 0 points outside the node array \(to_node 8\)/],
        [NODES, replaced(EDGES, 5, 14), /edge 1 points outside the node array \(to_node 14\)/],
        // A bad target before a bad name: the target is named; a bad name before a bad target: the name.
        [NODES, replaced(replaced(EDGES, 2, 8), 4, 0), /edge 0 points outside/],
        [NODES, replaced(replaced(EDGES, 1, 3), 5, 14), /edge 0 names string 3/],
        [NODES, replaced(replaced(EDGES, 3, 2), 4, 99), /edge 1 names string 99/],
      ] as const) {
        assert.throws(() => make([...nodes], [...edges]), message);
      }
    });
  }
  it('an element edge may carry any index (it names no string)', () => {
    assert.equal(viaReader(NODES, replaced(EDGES, 4, 1e6)).edgeName(1), '1000000');
  });
});
