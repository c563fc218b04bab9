// Writes a HeapGraph back out as heap-snapshot JSON (gzip when the name ends
// in .gz), streamed in chunks, so a rewritten snapshot opens in DevTools.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { HeapGraph } from './graph.js';

const CHUNK_CHARS = 1 << 20;

function* serialize(graph: HeapGraph, strings: readonly string[]): Generator<string> {
  const header = {
    meta: graph.meta,
    node_count: graph.nodeCount,
    edge_count: graph.edgeCount,
    trace_function_count: 0,
  };
  yield `{"snapshot":${JSON.stringify(header)},\n"nodes":[`;
  let out = '';
  const nodes = graph.nodes;
  for (let i = 0; i < nodes.length; i++) {
    out += i === 0 ? String(nodes[i]) : (i % graph.nodeFieldCount === 0 ? ',\n' : ',') + nodes[i];
    if (out.length > CHUNK_CHARS) {
      yield out;
      out = '';
    }
  }
  yield `${out}],\n"edges":[`;
  out = '';
  const edges = graph.edges;
  const toNode = graph.edgeToNodeOffset;
  for (let i = 0; i < edges.length; i++) {
    // The graph holds edge targets as ordinals; the format wants node indexes.
    const value = i % graph.edgeFieldCount === toNode ? edges[i] * graph.nodeFieldCount : edges[i];
    out += i === 0 ? String(value) : (i % graph.edgeFieldCount === 0 ? ',\n' : ',') + value;
    if (out.length > CHUNK_CHARS) {
      yield out;
      out = '';
    }
  }
  yield `${out}],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":[`;
  out = '';
  for (let i = 0; i < strings.length; i++) {
    out += (i === 0 ? '' : ',\n') + JSON.stringify(strings[i]);
    if (out.length > CHUNK_CHARS) {
      yield out;
      out = '';
    }
  }
  yield `${out}]}\n`;
}

/** Writes `graph` with `strings` in place of its string table (same length: indexes stay valid). */
export async function writeSnapshot(
  graph: HeapGraph,
  output: string,
  strings: readonly string[] = graph.strings,
  mode = 0o600,
): Promise<void> {
  const source = Readable.from(serialize(graph, strings));
  // 'wx': created here, owner-only from the start, never written through a file or link already at the name.
  const sink = createWriteStream(output, { mode, flags: 'wx' });
  if (output.endsWith('.gz')) await pipeline(source, createGzip(), sink);
  else await pipeline(source, sink);
}
