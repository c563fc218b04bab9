// Expected growth (--ignore, the config file's "ignore"): new objects a rule
// names are marked as ignored before the leak rule looks at them, together
// with the new objects they alone retain. They stay counted, in rows of their
// own, and the results say how many each rule took: nothing is hidden.
import type { HeapGraph } from '../engine/index.js';
import { UsageError } from '../errors.js';
import type { RetainerPath } from '../types.js';
import { NOT_NEW } from './dominance.js';
import { type RootTrace, UNREACHED } from './trace.js';

export interface IgnoreRule {
  /** As the user wrote it: how results name the rule. */
  text: string;
  /** A class name (exact, or a glob with * and ?), or a holder path matched against a retainer path's named steps. */
  kind: 'class' | 'holder';
  /** For a class rule. */
  pattern: RegExp | null;
  /** For a holder rule: the names to find, in a row, among the named steps of the object's retainer path. */
  segments: string[];
}

const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('')}$`,
    's',
  );

/**
 * Reads rules: `class:NAME`, `holder:PATH`, or bare: a path when it has a dot
 * or brackets (`performance.resourceTimingBuffer`, `cache[…]`, as leakscan
 * prints holders), else a class name. Holder paths are split at dots and at
 * `[…]`/`[...]`, which stand for whatever unnamed slots lie between names.
 */
export function parseIgnoreRules(texts: readonly unknown[]): IgnoreRule[] {
  return texts.map((raw) => {
    if (typeof raw !== 'string' || raw.trim() === '')
      throw new UsageError(`--ignore: a rule is a class name or a holder path, got ${JSON.stringify(raw)}`);
    const text = raw.trim();
    const prefixed = /^(class|holder):(.*)$/.exec(text);
    const kind = prefixed
      ? (prefixed[1] as 'class' | 'holder')
      : /[.[\]]/.test(text) && !/\s/.test(text)
        ? 'holder'
        : 'class';
    const body = (prefixed ? prefixed[2] : text).trim();
    if (body === '') throw new UsageError(`--ignore ${JSON.stringify(text)}: nothing after "${kind}:"`);
    if (kind === 'class') return { text, kind, pattern: globToRegExp(body), segments: [] };
    const segments = body
      .replace(/\[(…|\.\.\.)?\]/g, '.')
      .split('.')
      .filter((s) => s !== '');
    if (segments.length === 0) throw new UsageError(`--ignore ${JSON.stringify(text)}: no name in the holder path`);
    return { text, kind, pattern: null, segments };
  });
}

const NAMING_EDGES = new Set(['property', 'context', 'shortcut']);
/** The steps a path is named by: property, variable and shortcut names, not indexes (as holderLabel reads them). */
const isNamingEdge = (type: string, name: string): boolean => NAMING_EDGES.has(type) && !/^\d+$/.test(name);

/**
 * How far into `segments` a path is after one more named step, `state` being
 * how far it was (the longest prefix of segments the path's named steps end
 * with); segments.length once matched, and it stays matched.
 */
function advance(segments: string[], state: number, name: string): number {
  if (state === segments.length) return state;
  // The steps that led to `state` are segments[0..state): try the longest prefix the new sequence ends with.
  for (let k = Math.min(state + 1, segments.length); k > 0; k--) {
    if (segments[k - 1] !== name) continue;
    let ok = true;
    for (let i = 0; i < k - 1 && ok; i++) ok = segments[i] === segments[state - (k - 1) + i];
    if (ok) return k;
  }
  return 0;
}

/** True when the rule names this object: its class, or its path (the steps that name it, in a row). */
export function ruleMatchesPath(rule: IgnoreRule, name: string, path: RetainerPath | null): boolean {
  if (rule.kind === 'class') return rule.pattern!.test(name);
  let state = 0;
  for (const step of path ?? []) {
    if (step.edge && isNamingEdge(step.edge.type, step.edge.name))
      state = advance(rule.segments, state, step.edge.name);
  }
  return state === rule.segments.length;
}

/**
 * Per node, the index of the rule that ignores it, or -1. A new object
 * (`isNew`) is ignored when its class (`className`) matches a class rule, or
 * when a holder rule's names appear in a row on its traced retainer path; and
 * so is every new object it dominates (what it alone retains: a cache entry's
 * strings). The first rule that matches wins. Paths are read once per node:
 * each node's state is its trace parent's state after one more step.
 */
export function ignoredNodes(
  graph: HeapGraph,
  trace: RootTrace,
  dominators: Uint32Array,
  preOrder: Uint32Array,
  rules: readonly IgnoreRule[],
  isNew: (o: number) => boolean,
  className: (o: number) => string,
): Int32Array {
  const ruleOf = new Int32Array(graph.nodeCount).fill(-1);
  if (rules.length === 0) return ruleOf;
  const holderRules = rules.flatMap((rule, index) => (rule.kind === 'holder' ? [{ rule, index }] : []));
  // Per holder rule, each node's state along its traced path (-1: not computed yet).
  const states = holderRules.map(() => new Int16Array(graph.nodeCount).fill(-1));
  const pathState = (r: number, ordinal: number): number => {
    const state = states[r];
    const segments = holderRules[r].rule.segments;
    // Up to the nearest node already known (or the root), then down again: no recursion, each node once.
    const chain: number[] = [];
    let o = ordinal;
    while (state[o] < 0 && o !== graph.rootOrdinal && trace.distance[o] !== UNREACHED) {
      chain.push(o);
      o = graph.edgeSource(trace.parentEdge[o]);
    }
    let s = Math.max(state[o], 0);
    for (let i = chain.length - 1; i >= 0; i--) {
      const e = trace.parentEdge[chain[i]];
      const type = graph.edgeTypeName(e);
      const name = graph.edgeName(e);
      if (isNamingEdge(type, name)) s = advance(segments, s, name);
      state[chain[i]] = s;
    }
    return s;
  };
  const direct = (o: number): number => {
    const name = className(o);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (rule.kind === 'class') {
        if (rule.pattern!.test(name)) return i;
        continue;
      }
      const r = holderRules.findIndex((h) => h.index === i);
      if (pathState(r, o) === rule.segments.length) return i;
    }
    return -1;
  };
  for (let i = 1; i < preOrder.length; i++) {
    const o = preOrder[i];
    if (!isNew(o)) continue;
    const inherited = ruleOf[dominators[o]];
    ruleOf[o] = inherited >= 0 ? inherited : direct(o);
  }
  return ruleOf;
}

/** isNew for ignoredNodes over a diff's memberClass: new objects, listed or not (an internal node between two new ones passes the rule down). */
export const newInDiff =
  (memberClass: Int32Array) =>
  (o: number): boolean =>
    memberClass[o] !== NOT_NEW;
