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

/** V8's records a literal's place is read from: a function's feedback, its literals' sites, the function. */
const FEEDBACK_VECTOR = 'system / FeedbackVector';
const ALLOCATION_SITE = 'system / AllocationSite';
const FEEDBACK_CELL = 'system / FeedbackCell';
/** Functions made inside one another looked through, from a closure alive, for the one whose literal it is. */
const MAX_OUTER_FUNCTIONS = 8;

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
  /** What the feedback vectors say of the literals and functions (see feedback()); built at first use. */
  private feedbackLinks: {
    literalByMap: Map<number, number>;
    sharedOf: Map<number, number>;
    outerClosureOf: Map<number, number>;
  } | null = null;
  /** SharedFunctionInfo ordinal → a closure of it; built at first use. */
  private closureOfShared: Map<number, number> | null = null;
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
    const owner = this.scopeOwner(scopeInfo);
    return owner === undefined ? null : this.locationOf(owner);
  }

  /** A closure of the function that owns a ScopeInfo, if one is alive. */
  private scopeOwner(scopeInfo: number): number | undefined {
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
    return this.scopeOwners.get(scopeInfo);
  }

  /**
   * For an object made by an object literal (`{ id, cells }`, which has no constructor to place it): the function
   * whose literal it is. V8 keeps, in that function's feedback vector, an AllocationSite whose boilerplate has the
   * object's hidden class (its map). The function is named by a closure of it still alive, else by the nearest
   * function around it that is (a callback called once and dropped, inside a component): the function whose
   * feedback holds the inner one's feedback cell. Null when no literal of one function has that map.
   */
  literalLocation(ordinal: number): SourceLocation | null {
    if (!this.hasLocations) return null;
    const map = this.edgeTo(ordinal, ['map']);
    if (map < 0) return null;
    const feedback = this.feedback();
    const vector = feedback.literalByMap.get(map) ?? -1;
    if (vector < 0) return null;
    const own = this.closuresByShared().get(feedback.sharedOf.get(vector) ?? -1);
    const owner = own ?? feedback.outerClosureOf.get(vector);
    return owner === undefined ? null : this.locationOf(owner);
  }

  /**
   * What the functions' feedback says: per hidden class, the feedback vector whose literal's boilerplate has it
   * (-1 when several functions' have); per vector, its function (SharedFunctionInfo), and the nearest closure
   * alive around it: a function's closure feedback cells hold the feedback of the functions made in it.
   */
  private feedback(): NonNullable<SourceIndex['feedbackLinks']> {
    if (this.feedbackLinks) return this.feedbackLinks;
    const graph = this.graph;
    const literalByMap = new Map<number, number>();
    const sharedOf = new Map<number, number>();
    const outerClosureOf = new Map<number, number>();
    this.feedbackLinks = { literalByMap, sharedOf, outerClosureOf };
    const code = graph.nodeTypeNames.indexOf('code');
    // A function's shared info is named by the function in Node's snapshots, `system / SharedFunctionInfo` in
    // Chrome's: it is told by a closure of it (only a function with one alive names a place).
    const alive = this.closuresByShared();
    // V8 writes each name once in the string table: after the first vector, its name's index is compared.
    let vectorName = -1;
    for (let o = 0; o < graph.nodeCount; o++) {
      if (graph.nodeTypeIndex(o) !== code) continue;
      if (vectorName < 0) {
        if (graph.nodeName(o) !== FEEDBACK_VECTOR) continue;
        vectorName = graph.nodeNameIndex(o);
      } else if (graph.nodeNameIndex(o) !== vectorName) continue;
      for (let e = graph.firstEdge(o), end = graph.firstEdge(o + 1); e < end; e++) {
        const to = graph.edgeTarget(e);
        const name = graph.nodeName(to);
        if (alive.has(to)) sharedOf.set(o, to);
        else if (name === ALLOCATION_SITE) {
          const boilerplate = this.edgeTo(to, ['transition_info']);
          if (boilerplate < 0 || graph.nodeTypeName(boilerplate) !== 'object') continue;
          const map = this.edgeTo(boilerplate, ['map']);
          const known = literalByMap.get(map);
          if (map >= 0) literalByMap.set(map, known === undefined || known === o ? o : -1);
        }
      }
    }
    // From each closure alive down its feedback's cells to the vectors of the functions made in it, stopping at a
    // function with a closure of its own alive (nearer to what is below it).
    const cellValue = (cell: number): number => this.edgeTo(cell, ['value']);
    const isVector = (o: number): boolean => o >= 0 && graph.nodeNameIndex(o) === vectorName;
    /** The vectors of the functions made in the one whose feedback (vector or closure cells array) is `x`. */
    const innerVectors = (x: number): number[] => {
      const inner: number[] = [];
      const fromCells = (array: number): void => {
        for (let e = graph.firstEdge(array), end = graph.firstEdge(array + 1); e < end; e++) {
          const cell = graph.edgeTarget(e);
          if (graph.nodeName(cell) !== FEEDBACK_CELL) continue;
          const v = cellValue(cell);
          if (isVector(v) && v !== x) inner.push(v);
        }
      };
      fromCells(x);
      // A vector keeps its closure cells in an array of its own (`system / ClosureFeedbackCellArray` in Chrome's
      // snapshots, unnamed in Node's).
      if (isVector(x))
        for (let e = graph.firstEdge(x), end = graph.firstEdge(x + 1); e < end; e++) {
          const to = graph.edgeTarget(e);
          if (graph.nodeTypeIndex(to) === code && !isVector(to) && graph.nodeName(to) !== ALLOCATION_SITE)
            fromCells(to);
        }
      return inner;
    };
    for (const closure of alive.values()) {
      const cell = this.edgeTo(closure, ['feedback_cell']);
      let vectors = cell < 0 ? [] : innerVectors(cellValue(cell));
      for (let depth = 0; depth < MAX_OUTER_FUNCTIONS && vectors.length > 0; depth++) {
        const next: number[] = [];
        for (const inner of vectors) {
          if (outerClosureOf.has(inner)) continue;
          outerClosureOf.set(inner, closure);
          if (!alive.has(sharedOf.get(inner) ?? -1)) next.push(...innerVectors(inner));
        }
        vectors = next;
      }
    }
    return this.feedbackLinks;
  }

  /** SharedFunctionInfo ordinal → a closure of that function. */
  private closuresByShared(): Map<number, number> {
    if (this.closureOfShared) return this.closureOfShared;
    const graph = this.graph;
    const entryOf = this.entries();
    const closure = graph.nodeTypeNames.indexOf('closure');
    const byShared = new Map<number, number>();
    for (let o = 0; o < graph.nodeCount; o++) {
      if (entryOf[o] === NONE || graph.nodeTypeIndex(o) !== closure) continue;
      const shared = this.edgeTo(o, SHARED_EDGES);
      if (shared >= 0 && !byShared.has(shared)) byShared.set(shared, o);
    }
    this.closureOfShared = byShared;
    return byShared;
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
