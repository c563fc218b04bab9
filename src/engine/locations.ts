// Where in the program a heap node comes from: the definition site V8 records
// in `locations` (a closure's function; an object's constructor) and, in
// snapshots of a process with allocation tracking on, the stack that
// allocated it (`trace_tree` over `trace_function_infos`). Built lazily, once
// per graph, and only when asked. Reference: DevTools' HeapSnapshot
// buildLocationMap and AllocationProfile.serializeAllocationStack.
import type { AllocationFrame, SourceLocation } from '../types.js';
import type { HeapGraph } from './graph.js';

const NONE = 0xffffffff;

/** Edge names of the links from a function to its script and scope, old V8 and new. */
const SHARED_EDGES = ['shared'];
const SCRIPT_EDGES = ['script_or_debug_info', 'script'];
const SCOPE_INFO_EDGES = ['name_or_scope_info', 'scope_info'];

/** Chrome names a script node `system / Script / <url>`; Node by its file name alone. */
const CHROME_SCRIPT = 'system / Script / ';

/** The script's name (path or URL) from its node's name; '' for another node or a script without one. */
function scriptNameOf(nodeName: string): string {
  if (nodeName.startsWith(CHROME_SCRIPT)) return nodeName.slice(CHROME_SCRIPT.length);
  return nodeName.startsWith('system / ') ? '' : nodeName;
}

export class SourceIndex {
  private readonly graph: HeapGraph;
  /** Per node ordinal, its entry in graph.locations (NONE when it has none); built at first use. */
  private entryByNode: Uint32Array | null = null;
  private fields = { count: 4, object: 0, script: 1, line: 2, column: 3, scriptObject: -1 };
  private scriptNames: Map<number, string> | null = null;
  /** ScopeInfo ordinal → ordinal of a closure of the function that owns that scope. */
  private scopeOwners: Map<number, number> | null = null;
  /** Trace node id → its position in graph.trace (-1 when none). */
  private tracePosition: Int32Array | Map<number, number> | null = null;
  private functionFields = { count: 6, name: 1, scriptName: 2, line: 4, column: 5 };

  constructor(graph: HeapGraph) {
    this.graph = graph;
    const fields = graph.meta.location_fields;
    if (Array.isArray(fields)) {
      this.fields = {
        count: fields.length,
        object: fields.indexOf('object_index'),
        script: fields.indexOf('script_id'),
        line: fields.indexOf('line'),
        column: fields.indexOf('column'),
        scriptObject: fields.indexOf('script_object_index'),
      };
    }
    const infoFields = graph.meta.trace_function_info_fields;
    if (Array.isArray(infoFields)) {
      this.functionFields = {
        count: infoFields.length,
        name: infoFields.indexOf('name'),
        scriptName: infoFields.indexOf('script_name'),
        line: infoFields.indexOf('line'),
        column: infoFields.indexOf('column'),
      };
    }
  }

  /** True when the snapshot records definition sites. */
  get hasLocations(): boolean {
    const f = this.fields;
    return (
      this.graph.locations !== null &&
      this.graph.locations.length > 0 &&
      f.count > 0 &&
      Math.min(f.object, f.script, f.line, f.column) >= 0
    );
  }

  /** True when the snapshot records allocation stacks. */
  get hasTraces(): boolean {
    const f = this.functionFields;
    return (
      this.graph.trace !== null &&
      this.graph.nodeTraceNodeIdOffset >= 0 &&
      f.count > 0 &&
      Math.min(f.name, f.scriptName, f.line, f.column) >= 0
    );
  }

  /** One pass over `locations`: per node, its entry; entries naming no node are ignored. */
  private entries(): Uint32Array {
    if (this.entryByNode) return this.entryByNode;
    const graph = this.graph;
    const entryOf = new Uint32Array(graph.nodeCount).fill(NONE);
    if (this.hasLocations) {
      const { count, object } = this.fields;
      const locations = graph.locations!;
      const nodeFieldCount = graph.nodeFieldCount;
      const nodesLength = graph.nodeCount * nodeFieldCount;
      for (let i = 0, entry = 0; i + count <= locations.length; i += count, entry++) {
        const nodeIndex = locations[i + object];
        if (nodeIndex < nodesLength && nodeIndex % nodeFieldCount === 0) entryOf[nodeIndex / nodeFieldCount] = entry;
      }
    }
    this.entryByNode = entryOf;
    return entryOf;
  }

  private edgeTo(ordinal: number, names: readonly string[]): number {
    const graph = this.graph;
    for (const name of names) {
      for (let e = graph.firstEdge(ordinal), end = graph.firstEdge(ordinal + 1); e < end; e++) {
        if (!graph.isElementEdge(e) && graph.edgeTypeName(e) !== 'hidden' && graph.edgeName(e) === name)
          return graph.edgeTarget(e);
      }
    }
    return -1;
  }

  /** Script id → name, read off the closures: closure → shared → script, whose node name is the script's. */
  private scripts(): Map<number, string> {
    if (this.scriptNames) return this.scriptNames;
    const names = new Map<number, string>();
    this.scriptNames = names;
    if (!this.hasLocations) return names;
    const graph = this.graph;
    const entryOf = this.entries();
    const closure = graph.nodeTypeNames.indexOf('closure');
    const locations = graph.locations!;
    const { count, script, scriptObject } = this.fields;
    // Newer snapshots (Chrome's) name the script's node in each entry.
    if (scriptObject >= 0) {
      const { nodeFieldCount } = graph;
      const nodesLength = graph.nodeCount * nodeFieldCount;
      for (let i = 0; i + count <= locations.length; i += count) {
        const scriptId = locations[i + script];
        const nodeIndex = locations[i + scriptObject];
        if (names.has(scriptId) || nodeIndex >= nodesLength || nodeIndex % nodeFieldCount !== 0) continue;
        const name = scriptNameOf(graph.nodeName(nodeIndex / nodeFieldCount));
        if (name !== '') names.set(scriptId, name);
      }
    }
    for (let o = 0; o < graph.nodeCount; o++) {
      if (entryOf[o] === NONE || graph.nodeTypeIndex(o) !== closure) continue;
      const scriptId = locations[entryOf[o] * count + script];
      if (names.has(scriptId)) continue;
      const shared = this.edgeTo(o, SHARED_EDGES);
      const scriptNode = shared < 0 ? -1 : this.edgeTo(shared, SCRIPT_EDGES);
      // A function being debugged links to its DebugInfo instead (system / …): another closure will say.
      const name = scriptNode < 0 ? '' : scriptNameOf(graph.nodeName(scriptNode));
      if (name !== '') names.set(scriptId, name);
    }
    return names;
  }

  /**
   * Where the node comes from as V8 recorded it: for a closure, its function's
   * definition; for an object, its constructor's. 1-based line and column;
   * null when the snapshot does not say or the script has no name.
   */
  locationOf(ordinal: number): SourceLocation | null {
    if (!this.hasLocations) return null;
    const entry = this.entries()[ordinal];
    return entry === NONE ? null : this.locationOfEntry(entry);
  }

  /** The node's entry in `locations`, -1 when it has none: for tallies that compare sites without building them. */
  entryOf(ordinal: number): number {
    if (!this.hasLocations) return -1;
    const entry = this.entries()[ordinal];
    return entry === NONE ? -1 : entry;
  }

  /** True when two entries name the same script, line and column. */
  sameSite(a: number, b: number): boolean {
    const { count, script, line, column } = this.fields;
    const l = this.graph.locations!;
    const x = a * count;
    const y = b * count;
    return l[x + script] === l[y + script] && l[x + line] === l[y + line] && l[x + column] === l[y + column];
  }

  locationOfEntry(entry: number): SourceLocation | null {
    const { count, script, line, column } = this.fields;
    const base = entry * count;
    const locations = this.graph.locations!;
    const name = this.scripts().get(locations[base + script]);
    if (!name) return null;
    return { script: name, line: locations[base + line] + 1, column: locations[base + column] + 1 };
  }

  /**
   * For a `system / Context`: the definition of the function whose scope it
   * is (context → scope_info, owned by that function's shared info).
   */
  scopeLocation(contextOrdinal: number): SourceLocation | null {
    if (!this.hasLocations) return null;
    const scopeInfo = this.edgeTo(contextOrdinal, ['scope_info']);
    if (scopeInfo < 0) return null;
    if (!this.scopeOwners) {
      const owners = new Map<number, number>();
      const graph = this.graph;
      const entryOf = this.entries();
      const closure = graph.nodeTypeNames.indexOf('closure');
      for (let o = 0; o < graph.nodeCount; o++) {
        if (entryOf[o] === NONE || graph.nodeTypeIndex(o) !== closure) continue;
        const shared = this.edgeTo(o, SHARED_EDGES);
        const scope = shared < 0 ? -1 : this.edgeTo(shared, SCOPE_INFO_EDGES);
        if (scope >= 0 && !owners.has(scope)) owners.set(scope, o);
      }
      this.scopeOwners = owners;
    }
    const owner = this.scopeOwners.get(scopeInfo);
    return owner === undefined ? null : this.locationOf(owner);
  }

  /** What a retainer path step shows: a closure's or an object's definition, a scope's function. */
  stepLocation(ordinal: number): SourceLocation | null {
    if (!this.hasLocations) return null;
    const type = this.graph.nodeTypeName(ordinal);
    if (type === 'closure' || type === 'object') {
      if (type === 'object' && this.graph.nodeName(ordinal) === 'system / Context') return this.scopeLocation(ordinal);
      return this.locationOf(ordinal);
    }
    return null;
  }

  /** Position in graph.trace of a trace node id; -1 when unknown. */
  tracePositionOf(traceNodeId: number): number {
    const trace = this.graph.trace;
    if (!trace || traceNodeId === 0) return -1;
    if (!this.tracePosition) {
      let maxId = 0;
      for (const id of trace.nodeIds) if (id > maxId) maxId = id;
      if (maxId <= trace.nodeIds.length * 4 + 1024) {
        const positions = new Int32Array(maxId + 1).fill(-1);
        trace.nodeIds.forEach((id, at) => {
          positions[id] = at;
        });
        this.tracePosition = positions;
      } else {
        this.tracePosition = new Map(Array.from(trace.nodeIds, (id, at) => [id, at]));
      }
    }
    const positions = this.tracePosition;
    return positions instanceof Map
      ? (positions.get(traceNodeId) ?? -1)
      : traceNodeId < positions.length
        ? positions[traceNodeId]
        : -1;
  }

  /**
   * The stack that allocated objects of this trace node, innermost (the
   * allocating function) first, without the tree's synthetic root. Lines and
   * columns as V8 writes them here: 1-based, 0 when unknown.
   */
  allocationFrames(traceNodeId: number): AllocationFrame[] | null {
    if (!this.hasTraces) return null;
    const trace = this.graph.trace!;
    const strings = this.graph.strings;
    const f = this.functionFields;
    const infos = trace.functionInfos;
    const frames: AllocationFrame[] = [];
    let at = this.tracePositionOf(traceNodeId);
    if (at < 0) return null;
    for (let guard = 0; at >= 0 && trace.parents[at] >= 0 && guard < trace.parents.length; guard++) {
      const base = trace.functionInfoIndexes[at] * f.count;
      if (base + f.count <= infos.length) {
        const str = (index: number): string => (index < strings.length ? strings.get(index) : '');
        frames.push({
          functionName: str(infos[base + f.name]),
          script: str(infos[base + f.scriptName]),
          line: infos[base + f.line],
          column: infos[base + f.column],
        });
      }
      at = trace.parents[at];
    }
    return frames.length ? frames : null;
  }
}

const indexes = new WeakMap<HeapGraph, SourceIndex>();

/** The graph's SourceIndex, made at first use. */
export function sourceIndex(graph: HeapGraph): SourceIndex {
  let index = indexes.get(graph);
  if (!index) {
    index = new SourceIndex(graph);
    indexes.set(graph, index);
  }
  return index;
}
