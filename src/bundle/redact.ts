// Replaces string contents in a snapshot so it can leave the machine: string
// values, script sources and regexp patterns go; what the analysis needs
// (class, property, variable and function names, the graph, sizes) stays.
import { readSnapshot } from '../engine/index.js';
import { writeSnapshot } from '../engine/writer.js';

export interface RedactStats {
  strings: number;
  redacted: number;
}

/**
 * Node types whose name IS their content. Every other node's name (a class,
 * a function, "system / Context") and every edge name (a property or
 * variable) is kept. A string-table entry is kept when anything other than
 * content uses it, so a secret also used as a property name survives: that
 * limit is documented in the README.
 */
const CONTENT_TYPES = new Set(['string', 'concatenated string', 'sliced string', 'regexp']);

export async function redactSnapshot(input: string, output: string, options: { onProgress?: (bytesRead: number, totalBytes: number) => void } = {}): Promise<RedactStats> {
  const graph = await readSnapshot(input, { onProgress: options.onProgress });
  const needed = new Uint8Array(graph.strings.length);
  for (let o = 0; o < graph.nodeCount; o++) {
    if (!CONTENT_TYPES.has(graph.nodeTypeName(o))) needed[graph.nodeNameIndex(o)] = 1;
  }
  const elementType = graph.edgeTypeNames.indexOf('element');
  const hiddenType = graph.edgeTypeNames.indexOf('hidden');
  for (let e = 0; e < graph.edgeCount; e++) {
    const type = graph.edgeTypeIndex(e);
    if (type === elementType || type === hiddenType) continue;
    needed[graph.edges[e * graph.edgeFieldCount + graph.edgeNameOrIndexOffset]] = 1;
  }
  // Whitelist: anything not needed as a name goes, including strings no node uses.
  let redacted = 0;
  const strings = graph.strings.map((value, i) => {
    if (needed[i] === 1) return value;
    redacted++;
    return `<redacted ${value.length} chars>`;
  });
  await writeSnapshot(graph, output, strings);
  return { strings: strings.length, redacted };
}
