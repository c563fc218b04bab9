// Writes a HeapGraph back out as heap-snapshot JSON (gzip when the name ends
// in .gz), streamed in chunks, so a rewritten snapshot opens in DevTools.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { HeapGraph } from './graph.js';
import { StringTable } from './strings.js';

const CHUNK_CHARS = 1 << 20;

function* serialize(
  graph: HeapGraph,
  strings: StringTable | readonly string[],
  elementIndex: ((index: number) => number) | undefined,
): Generator<string> {
  const stringAt = strings instanceof StringTable ? (i: number) => strings.get(i) : (i: number) => strings[i];
  const header = {
    meta: graph.meta,
    node_count: graph.nodeCount,
    edge_count: graph.edgeCount,
    trace_function_count: 0,
  };
  yield `{"snapshot":${JSON.stringify(header)},\n"nodes":[`;
  let out = '';
  // Fields the graph does not keep (none in V8's snapshots) are written as 0.
  const nodeField: Record<string, (o: number) => number> = {
    type: (o) => graph.nodeTypeIndex(o),
    name: (o) => graph.nodeNameIndex(o),
    id: (o) => graph.nodeId(o),
    self_size: (o) => graph.nodeSelfSize(o),
    edge_count: (o) => graph.nodeEdgeCount(o),
    trace_node_id: (o) => graph.nodeTraceNodeId(o),
    detachedness: (o) => graph.nodeDetachednessValue(o),
  };
  const nodeFields = graph.meta.node_fields.map((name) => nodeField[name] ?? (() => 0));
  for (let o = 0; o < graph.nodeCount; o++) {
    out += (o === 0 ? '' : ',\n') + nodeFields.map((field) => field(o)).join(',');
    if (out.length > CHUNK_CHARS) {
      yield out;
      out = '';
    }
  }
  yield `${out}],\n"edges":[`;
  out = '';
  const edgeField: Record<string, (e: number) => number> = {
    type: (e) => graph.edgeTypeIndex(e),
    name_or_index: elementIndex
      ? (e) => (graph.isElementEdge(e) ? elementIndex(graph.edgeNameIndex(e)) : graph.edgeNameIndex(e))
      : (e) => graph.edgeNameIndex(e),
    // The graph holds edge targets as ordinals; the format wants node indexes.
    to_node: (e) => graph.edgeTarget(e) * graph.nodeFieldCount,
  };
  const edgeFields = graph.meta.edge_fields.map((name) => edgeField[name] ?? (() => 0));
  for (let e = 0; e < graph.edgeCount; e++) {
    out += (e === 0 ? '' : ',\n') + edgeFields.map((field) => field(e)).join(',');
    if (out.length > CHUNK_CHARS) {
      yield out;
      out = '';
    }
  }
  yield `${out}],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":[`;
  out = '';
  for (let i = 0; i < strings.length; i++) {
    out += (i === 0 ? '' : ',\n') + JSON.stringify(stringAt(i));
    if (out.length > CHUNK_CHARS) {
      yield out;
      out = '';
    }
  }
  yield `${out}]}\n`;
}

/**
 * Writes `graph` with `strings` in place of its string table (same length: indexes stay valid),
 * and each element edge's index through `elementIndex` when given.
 */
export async function writeSnapshot(
  graph: HeapGraph,
  output: string,
  strings: StringTable | readonly string[] = graph.strings,
  mode = 0o600,
  elementIndex?: (index: number) => number,
): Promise<void> {
  const source = Readable.from(serialize(graph, strings, elementIndex));
  // 'wx': created here, owner-only from the start, never written through a file or link already at the name.
  const sink = createWriteStream(output, { mode, flags: 'wx' });
  if (output.endsWith('.gz')) await pipeline(source, createGzip(), sink);
  else await pipeline(source, sink);
}
