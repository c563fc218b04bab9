// "Where in my code": a class row's definition site and the stacks that
// allocated its new objects, read off the after snapshot (engine/locations.ts).
import type { HeapGraph } from '../engine/index.js';
import { sourceIndex } from '../engine/locations.js';
import type { AllocationFrame, AllocationStack, SourceLocation } from '../types.js';

/** Allocation stacks kept per class (most objects first), and frames kept per stack. */
export const STACKS_PER_CLASS = 5;
export const FRAMES_PER_STACK = 16;

interface Tally {
  /** The first `locations` entry met (-1: none yet), and how many objects share its site. */
  entry: number;
  count: number;
  /** Objects with a location at all. */
  located: number;
  /** Other sites met: an entry of each, and how many objects share it. */
  others: Array<{ entry: number; count: number }> | null;
  /** New objects per trace node id: count and shallow size. */
  stacks: Map<number, { count: number; size: number }> | null;
}

export interface ClassWhere {
  location: SourceLocation | null;
  allocationStacks: AllocationStack[] | null;
}

/**
 * For each class index in `wanted`: the definition most of its objects in
 * `members` share (their constructor's, or the closure's function), and, when
 * the snapshot has allocation traces, their allocation stacks grouped, most
 * objects first. `classOf(o)` is a node's class index, or -1 for nodes that do
 * not count. One pass over the nodes; lookups only for members of wanted classes.
 */
export function whereOfClasses(
  graph: HeapGraph,
  classOf: (ordinal: number) => number,
  wanted: ReadonlySet<number>,
  shallowSizes: Uint32Array,
): Map<number, ClassWhere> {
  const index = sourceIndex(graph);
  const result = new Map<number, ClassWhere>();
  if (wanted.size === 0 || (!index.hasLocations && !index.hasTraces)) return result;
  const tallies = new Map<number, Tally>();
  const withTraces = index.hasTraces;
  const withLocations = index.hasLocations;
  for (let o = 0; o < graph.nodeCount; o++) {
    const cls = classOf(o);
    if (cls < 0 || !wanted.has(cls)) continue;
    let tally = tallies.get(cls);
    if (!tally) {
      tally = { entry: -1, count: 0, located: 0, others: null, stacks: null };
      tallies.set(cls, tally);
    }
    if (withLocations) {
      const entry = index.entryOf(o);
      if (entry >= 0) {
        tally.located++;
        if (tally.entry < 0) tally.entry = entry;
        if (index.sameSite(entry, tally.entry)) tally.count++;
        else {
          // Rare (a class name defined twice, anonymous functions): a short list, looked through.
          tally.others ??= [];
          const other = tally.others.find((x) => index.sameSite(x.entry, entry));
          if (other) other.count++;
          else if (tally.others.length < 64) tally.others.push({ entry, count: 1 });
        }
      }
    }
    if (withTraces) {
      const traceNodeId = graph.nodeTraceNodeId(o);
      if (traceNodeId !== 0) {
        tally.stacks ??= new Map();
        const stack = tally.stacks.get(traceNodeId);
        if (stack) {
          stack.count++;
          stack.size += shallowSizes[o];
        } else tally.stacks.set(traceNodeId, { count: 1, size: shallowSizes[o] });
      }
    }
  }
  for (const [cls, tally] of tallies) {
    let { entry, count } = tally;
    for (const other of tally.others ?? []) {
      if (other.count > count) ({ entry, count } = other);
    }
    result.set(cls, {
      // A name several definitions share ("(anonymous)", a class defined twice) has a site only when most objects agree on it.
      location: entry < 0 || count * 2 <= tally.located ? null : index.locationOfEntry(entry),
      allocationStacks: withTraces ? groupStacks(graph, tally.stacks) : null,
    });
  }
  return result;
}

/** Trace nodes → stacks, merged when they read the same (frames cut at FRAMES_PER_STACK), most objects first. */
function groupStacks(
  graph: HeapGraph,
  byTraceNode: Map<number, { count: number; size: number }> | null,
): AllocationStack[] {
  if (!byTraceNode) return [];
  const index = sourceIndex(graph);
  const byFrames = new Map<string, AllocationStack>();
  for (const [traceNodeId, { count, size }] of byTraceNode) {
    const frames = (index.allocationFrames(traceNodeId) ?? []).slice(0, FRAMES_PER_STACK);
    if (frames.length === 0) continue;
    const key = JSON.stringify(frames);
    const stack = byFrames.get(key);
    if (stack) {
      stack.count += count;
      stack.size += size;
    } else byFrames.set(key, { count, size, frames });
  }
  return [...byFrames.values()]
    .sort((a, b) => b.count - a.count || b.size - a.size || frameKey(a.frames).localeCompare(frameKey(b.frames)))
    .slice(0, STACKS_PER_CLASS);
}

const frameKey = (frames: AllocationFrame[]): string =>
  frames.map((f) => `${f.functionName} ${f.script}:${f.line}:${f.column}`).join(' < ');

/** A node's definition (see SourceIndex.locationOf) and allocation stack, for inspect. */
export function whereOfNode(
  graph: HeapGraph,
  ordinal: number,
): { location: SourceLocation | null; allocationStack: AllocationFrame[] | null } {
  const index = sourceIndex(graph);
  return {
    location: index.stepLocation(ordinal),
    allocationStack: index.hasTraces
      ? (index.allocationFrames(graph.nodeTraceNodeId(ordinal))?.slice(0, FRAMES_PER_STACK) ?? null)
      : null,
  };
}

/**
 * Stacks cut at the first frame `cut` matches (that frame and its callers
 * dropped), then merged where they now read the same: `run` drops its runner's
 * own frames below the scenario's.
 */
export function cutStacks(stacks: AllocationStack[], cut: (frame: AllocationFrame) => boolean): AllocationStack[] {
  const byFrames = new Map<string, AllocationStack>();
  for (const stack of stacks) {
    const at = stack.frames.findIndex(cut);
    const frames = at < 0 ? stack.frames : stack.frames.slice(0, at);
    if (frames.length === 0) continue;
    const key = JSON.stringify(frames);
    const same = byFrames.get(key);
    if (same) {
      same.count += stack.count;
      same.size += stack.size;
    } else byFrames.set(key, { count: stack.count, size: stack.size, frames });
  }
  return [...byFrames.values()].sort((a, b) => b.count - a.count || b.size - a.size);
}
