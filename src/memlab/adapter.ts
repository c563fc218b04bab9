// The one module that touches memlab (CommonJS, global config, prints to
// stdout). It is the reference engine: `--engine memlab` and the cross-engine
// tests. memlab parses and computes dominators and retained sizes; what
// counts as new, reachable or internal follows leakscan's rules, so the two
// engines answer the same question. @memlab/api is an optional peer
// dependency (it brings puppeteer and its browser download): it is loaded at
// first use, so the default engine works without it.

import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runtimeOfNames } from '../analysis/snapshot-meta.js';
import { classNameOf, classTypeOf, isInternalClass } from '../classes.js';
import { fileError, LeakscanError, MissingDependencyError, SnapshotFormatError, UsageError } from '../errors.js';
import { isGzipFile } from '../gzip.js';
import type {
  ClassDiff,
  ClassSummary,
  DiffResult,
  InspectResult,
  ObjectSummary,
  RetainerPath,
  SnapshotMeta,
} from '../types.js';

// Minimal shapes of what we use from @memlab/core's IHeapSnapshot.
interface MemlabEdge {
  type: string;
  name_or_index: string | number;
  toNode: MemlabNode;
}
interface MemlabNode {
  id: number;
  is_detached: boolean;
  type: string;
  name: string;
  self_size: number;
  retainedSize: number;
  nodeIndex: number;
  dominatorNode: MemlabNode | null;
  references: MemlabEdge[];
}
interface MemlabHeap {
  nodes: {
    length: number;
    get(index: number): MemlabNode | null;
    forEach(cb: (node: MemlabNode, index: number) => unknown): void;
  };
  edges: { length: number };
}
interface MemlabConfig {
  muteConsole: boolean;
  verbose: boolean;
}
interface MemlabApi {
  config: MemlabConfig;
  getFullHeapFromFile(file: string): Promise<MemlabHeap>;
}

let memlabApi: MemlabApi | undefined;

/** @memlab/api, resolved from leakscan's own location (where npm puts peer dependencies). */
function loadMemlab(): MemlabApi {
  if (memlabApi) return memlabApi;
  const require = createRequire(import.meta.url);
  try {
    require.resolve('@memlab/api');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new MissingDependencyError('@memlab/api', '--engine memlab', { cause: err });
  }
  memlabApi = require('@memlab/api') as MemlabApi;
  return memlabApi;
}

const TRANSIENT_ROOTS = new Set(['(Stack roots)', '(Handle scope)']);
/** As HeapGraph.holdsWeakly: V8 clears its string tables of otherwise unreferenced strings. */
const WEAK_HOLDERS = new Set(['(Internalized strings)', '(External strings)']);

const HIJACKED_EVENTS: string[] = ['exit', 'SIGINT', 'SIGUSR1', 'SIGUSR2'];

/** Runs `work` with memlab silent and its global config as it was afterwards. */
async function withMemlab<T>(work: (api: MemlabApi) => Promise<T>): Promise<T> {
  // memlab's console adds process handlers (on exit it writes a terminal control code; on
  // SIGINT it exits): whatever it adds during the call is taken off again afterwards.
  const listenersBefore = new Map(HIJACKED_EVENTS.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
  const api = loadMemlab();
  const saved = { muteConsole: api.config.muteConsole, verbose: api.config.verbose };
  const writeOut = process.stdout.write;
  const writeErr = process.stderr.write;
  api.config.muteConsole = true;
  api.config.verbose = false;
  // memlab also writes progress and terminal control codes straight to stdout (which carries
  // our report) and stderr (which carries our one-line errors).
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await work(api);
  } finally {
    for (const event of HIJACKED_EVENTS) {
      for (const listener of process.listeners(event as 'exit')) {
        if (!listenersBefore.get(event)!.has(listener)) process.off(event, listener);
      }
    }
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    api.config.muteConsole = saved.muteConsole;
    api.config.verbose = saved.verbose;
  }
}

async function loadHeap(api: MemlabApi, file: string): Promise<MemlabHeap> {
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    size = stat.size;
  } catch (err) {
    throw fileError(file, err);
  }
  if (size === 0) throw new SnapshotFormatError(file, 'file is empty');
  if (isGzipFile(file))
    throw new UsageError(
      `${file}: the memlab engine reads only uncompressed snapshots (gunzip it, or use the leakscan engine)`,
    );
  try {
    return await api.getFullHeapFromFile(file);
  } catch (err) {
    if (err instanceof LeakscanError) throw err;
    throw new SnapshotFormatError(
      file,
      `memlab could not read it: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

interface Trace {
  /** Parent edge by node index; undefined for unreached nodes and the root. */
  parent: (MemlabEdge | undefined)[];
  parentNode: Int32Array;
  reached: Uint8Array;
  transientOnly: Uint8Array;
  reachableCount: number;
}

/** Breadth-first from the root over non-weak edges, transient roots last (as src/analysis/trace.ts). */
function trace(heap: MemlabHeap): Trace {
  const n = heap.nodes.length;
  const reached = new Uint8Array(n);
  const transientOnly = new Uint8Array(n);
  const parentNode = new Int32Array(n).fill(-1);
  const parent: (MemlabEdge | undefined)[] = new Array(n);
  const root = heap.nodes.get(0)!;
  const queue: MemlabNode[] = [root];
  const deferred: Array<[MemlabEdge, MemlabNode]> = [];
  reached[0] = 1;
  let count = 1;
  /** Visits what the queue reaches: first deferring the transient roots, then (their turn) marking what only they reach. */
  const drain = (phase: { deferTransientRoots: boolean; markTransientOnly: boolean }): void => {
    for (let head = 0; head < queue.length; head++) {
      const from = queue[head];
      if (from.type === 'synthetic' && WEAK_HOLDERS.has(from.name)) continue;
      for (const edge of from.references) {
        if (edge.type === 'weak') continue;
        const to = edge.toNode;
        if (reached[to.nodeIndex]) continue;
        if (phase.deferTransientRoots && from !== root && to.type === 'synthetic' && TRANSIENT_ROOTS.has(to.name)) {
          deferred.push([edge, from]);
          continue;
        }
        reached[to.nodeIndex] = 1;
        if (phase.markTransientOnly) transientOnly[to.nodeIndex] = 1;
        parent[to.nodeIndex] = edge;
        parentNode[to.nodeIndex] = from.nodeIndex;
        queue.push(to);
        count++;
      }
    }
    queue.length = 0;
  };
  drain({ deferTransientRoots: true, markTransientOnly: false });
  for (const [edge, from] of deferred) {
    const to = edge.toNode;
    if (reached[to.nodeIndex]) continue;
    reached[to.nodeIndex] = 1;
    transientOnly[to.nodeIndex] = 1;
    parent[to.nodeIndex] = edge;
    parentNode[to.nodeIndex] = from.nodeIndex;
    queue.push(to);
    count++;
  }
  drain({ deferTransientRoots: false, markTransientOnly: true });
  return { parent, parentNode, reached, transientOnly, reachableCount: count };
}

function pathTo(heap: MemlabHeap, t: Trace, node: MemlabNode): RetainerPath | null {
  if (!t.reached[node.nodeIndex]) return null;
  const steps: RetainerPath = [];
  for (let index = node.nodeIndex; index > 0; index = t.parentNode[index]) {
    const n = heap.nodes.get(index)!;
    const edge = t.parent[index]!;
    steps.push({
      nodeId: n.id,
      name: classNameOf(n.type, nameOf(n)),
      type: n.type,
      edge: { type: edge.type, name: String(edge.name_or_index) },
    });
  }
  steps.reverse();
  if (steps.length) steps[0] = { ...steps[0], edge: null };
  return steps;
}

/** memlab renames detached nodes "Detached <name>"; the snapshot's own name is what leakscan groups by. */
const DETACHED_PREFIX = 'Detached ';
const nameOf = (node: MemlabNode): string =>
  node.is_detached && node.name.startsWith(DETACHED_PREFIX) ? node.name.slice(DETACHED_PREFIX.length) : node.name;
const keyOf = (node: MemlabNode): string => `${classTypeOf(node.type)}\u0000${classNameOf(node.type, nameOf(node))}`;
const isInternal = (node: MemlabNode): boolean => isInternalClass(classTypeOf(node.type), nameOf(node));

function runtimeOf(heap: MemlabHeap): SnapshotMeta['runtime'] {
  const objectNames = function* (): Generator<string> {
    for (let i = 0; i < heap.nodes.length; i++) {
      const node = heap.nodes.get(i)!;
      if (node.type === 'object') yield node.name;
    }
  };
  return runtimeOfNames(
    heap.nodes.get(0)!.references.map((edge) => edge.toNode.name),
    objectNames,
  );
}

function metaOf(file: string, heap: MemlabHeap, t: Trace): SnapshotMeta {
  let totalSize = 0;
  let reachableSize = 0;
  heap.nodes.forEach((node, i) => {
    totalSize += node.self_size;
    if (t.reached[i]) reachableSize += node.self_size;
  });
  return {
    path: file,
    fileBytes: statSync(file).size,
    nodeCount: heap.nodes.length,
    edgeCount: heap.edges.length,
    totalSize,
    reachableSize,
    runtime: runtimeOf(heap),
  };
}

/**
 * Whether a member of the same class is among the node's dominators (then its
 * size is already counted), and whether any member or compiled code is (then
 * the node is nested, as in src/analysis/dominance.ts).
 */
function dominatedBySame(
  node: MemlabNode,
  isMember: (n: MemlabNode) => string | null,
  key: string,
): { same: boolean; any: boolean } {
  let any = false;
  for (let d = node.dominatorNode; d && d !== d.dominatorNode && d.nodeIndex !== 0; d = d.dominatorNode) {
    if (d.type === 'code') any = true;
    const k = isMember(d);
    if (k !== null) {
      any = true;
      if (k === key) return { same: true, any };
    }
  }
  return { same: false, any };
}

/** Classes given a retainer path, from the top: as many as leakscan's engine traces by default (diff --paths). */
const TRACED_CLASSES = 3;
/**
 * The diff lists every class with a new or freed object; the command applies
 * --min-count and the suspect rule afterwards, as with leakscan's engine.
 */
const UNFILTERED: DiffResult['thresholds'] = { minCount: 1, minBytes: 0 };
/** inspect's default table lengths, as leakscan's engine has them (inspect --top). */
const INSPECT_CLASSES = 20;
const INSPECT_OBJECTS = 10;

export interface MemlabOptions {
  onProgress?: (step: string) => void;
}

export async function memlabDiff(
  beforeFile: string,
  afterFile: string,
  options: MemlabOptions = {},
): Promise<DiffResult> {
  return withMemlab(async (api) => {
    options.onProgress?.(`memlab: reading ${beforeFile}`);
    let before: MemlabHeap | null = await loadHeap(api, beforeFile);
    const bt = trace(before);
    const beforeMeta = metaOf(beforeFile, before, bt);
    const beforeClass = new Map<number, string>();
    const beforeSize = new Map<number, number>();
    before.nodes.forEach((node, i) => {
      if (!bt.reached[i]) return;
      beforeClass.set(node.id, keyOf(node));
      beforeSize.set(node.id, node.self_size);
    });
    before = null;

    options.onProgress?.(`memlab: reading ${afterFile}`);
    const after = await loadHeap(api, afterFile);
    const at = trace(after);
    const afterMeta = metaOf(afterFile, after, at);
    const rows = new Map<string, ClassDiff & { sample: MemlabNode | null; sampleDepth: number }>();
    const row = (key: string): ClassDiff & { sample: MemlabNode | null; sampleDepth: number } => {
      let r = rows.get(key);
      if (!r) {
        const [type, name] = key.split('\u0000');
        r = {
          name,
          type,
          added: 0,
          removed: 0,
          addedSize: 0,
          removedSize: 0,
          retainedSize: 0,
          heldByNew: 0,
          heldByStack: 0,
          heldWeakly: 0,
          suspect: false,
          sampleNodeId: null,
          retainerPath: null,
          holders: null,
          sample: null,
          sampleDepth: Infinity,
        };
        rows.set(key, r);
      }
      return r;
    };
    const addedKey = new Map<number, string>();
    const stackHeld = new Set<number>();
    const afterIds = new Set<number>();
    let shared = 0;
    after.nodes.forEach((node, i) => {
      afterIds.add(node.id);
      if (!at.reached[i]) return;
      if (beforeClass.has(node.id)) {
        shared++;
        return;
      }
      if (isInternal(node)) return;
      // Held only by a running function's stack: counted and marked, as the leakscan engine does.
      if (at.transientOnly[i]) stackHeld.add(node.nodeIndex);
      addedKey.set(node.nodeIndex, keyOf(node));
    });
    const memberKey = (n: MemlabNode): string | null => addedKey.get(n.nodeIndex) ?? null;
    let totalRetained = 0;
    for (const [index, key] of addedKey) {
      const node = after.nodes.get(index)!;
      const r = row(key);
      r.added++;
      r.addedSize += node.self_size;
      if (stackHeld.has(index)) r.heldByStack++;
      const dom = dominatedBySame(node, memberKey, key);
      if (!dom.same) r.retainedSize += node.retainedSize;
      if (dom.any) r.heldByNew++;
      else totalRetained += node.retainedSize;
      let depth = 0;
      for (let p = at.parentNode[index]; p > 0; p = at.parentNode[p]) depth++;
      if (depth < r.sampleDepth) {
        r.sampleDepth = depth;
        r.sample = node;
      }
    }
    for (const [id, key] of beforeClass) {
      if (afterIds.has(id)) continue;
      const [type, name] = key.split('\u0000');
      if (isInternalClass(type, name)) continue;
      const r = row(key);
      r.removed++;
      r.removedSize += beforeSize.get(id)!;
    }
    const classes = [...rows.values()].sort(
      (x, y) => y.retainedSize - x.retainedSize || y.added - x.added || x.name.localeCompare(y.name),
    );
    classes.forEach((r, rank) => {
      if (rank < TRACED_CLASSES && r.sample) {
        r.sampleNodeId = r.sample.id;
        r.retainerPath = pathTo(after, at, r.sample);
      }
    });
    const totals = { added: 0, removed: 0, addedSize: 0, removedSize: 0, retainedSize: totalRetained };
    for (const r of classes) {
      totals.added += r.added;
      totals.removed += r.removed;
      totals.addedSize += r.addedSize;
      totals.removedSize += r.removedSize;
    }
    return {
      before: beforeMeta,
      after: afterMeta,
      sharedIds: shared,
      classes: classes.map(({ sample: _s, sampleDepth: _d, ...c }) => c),
      totals,
      thresholds: UNFILTERED,
      findings: [],
      engine: 'memlab' as const,
    };
  });
}

export async function memlabInspect(file: string, options: MemlabOptions = {}): Promise<InspectResult> {
  return withMemlab(async (api) => {
    options.onProgress?.(`memlab: reading ${file}`);
    const heap = await loadHeap(api, file);
    const t = trace(heap);
    const classes = new Map<string, ClassSummary>();
    const keyByIndex = new Map<number, string>();
    heap.nodes.forEach((node, i) => {
      if (!t.reached[i] || isInternal(node)) return;
      keyByIndex.set(i, keyOf(node));
    });
    for (const [index, key] of keyByIndex) {
      const node = heap.nodes.get(index)!;
      let c = classes.get(key);
      if (!c) {
        c = {
          name: classNameOf(node.type, nameOf(node)),
          type: classTypeOf(node.type),
          count: 0,
          selfSize: 0,
          retainedSize: 0,
        };
        classes.set(key, c);
      }
      c.count++;
      c.selfSize += node.self_size;
      if (!dominatedBySame(node, (n) => keyByIndex.get(n.nodeIndex) ?? null, key).same)
        c.retainedSize += node.retainedSize;
    }
    const all = [...classes.values()];
    const summary = (node: MemlabNode): ObjectSummary => ({
      nodeId: node.id,
      name: classNameOf(node.type, nameOf(node)),
      type: node.type,
      selfSize: node.self_size,
      retainedSize: node.retainedSize,
      retainerPath: pathTo(heap, t, node),
    });
    const largest = [...keyByIndex.keys()]
      .map((i) => heap.nodes.get(i)!)
      .sort((a, b) => b.retainedSize - a.retainedSize);
    const chosen = new Set<MemlabNode>();
    for (const node of largest) {
      if (chosen.size >= INSPECT_OBJECTS) break;
      let dominated = false;
      for (let d = node.dominatorNode; d && d !== d.dominatorNode && d.nodeIndex !== 0; d = d.dominatorNode) {
        if (chosen.has(d)) {
          dominated = true;
          break;
        }
      }
      if (!dominated) chosen.add(node);
    }
    return {
      snapshot: metaOf(file, heap, t),
      byRetainedSize: [...all]
        .sort((a, b) => b.retainedSize - a.retainedSize || b.count - a.count)
        .slice(0, INSPECT_CLASSES),
      byCount: [...all].sort((a, b) => b.count - a.count || b.retainedSize - a.retainedSize).slice(0, INSPECT_CLASSES),
      largestObjects: [...chosen].map(summary),
      duplicatedStrings: [],
      object: null,
      classInstances: null,
      engine: 'memlab' as const,
    };
  });
}
