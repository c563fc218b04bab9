// The leaks in the user's terms (docs/findings.md): the suspects' new objects
// grouped by holder (the nearest old dominator, dominance.ts), one finding per
// holder, named by what the user would recognise below it, the access path to
// the holder from the nearest object of theirs, the place in their code, the
// pattern the graph shows, and the fix. Reads what the diff's passes already
// computed; the only walks are bounded ones around a few sample objects.
import { isBrowserInternal } from '../classes.js';
import type { HeapGraph } from '../engine/index.js';
import { sourceIndex } from '../engine/locations.js';
import { formatBytes } from '../text/numbers.js';
import type { ByteGrowth, Finding, FindingPattern, RetainerPath, RetainerStep, SourceLocation } from '../types.js';
import { type ClassTable, isShapeClass } from './class-table.js';
import { type DominatorChildren, NOT_NEW, type SetRetainedSizes } from './dominance.js';
import { type FindingFacts, findingFix, findingSummary } from './finding-text.js';
import {
  isDetachedName,
  isJsIdentifier,
  isRuntimeScript,
  isUserLocation,
  isUserScript,
  propertyAccess,
  Tier,
  type TierValue,
  tierOf,
} from './ownership.js';
import { holderLabel, retainerPath } from './paths.js';
import { takesOneAtATime } from './source-text.js';
import { parentOf, type RootTrace, UNREACHED, viaName } from './trace.js';

export interface FindingsInput {
  graph: HeapGraph;
  trace: RootTrace;
  tree: DominatorChildren;
  retainedSizes: Float64Array;
  walk: SetRetainedSizes;
  memberClass: Int32Array;
  table: ClassTable;
  /** Per class index: 1 when the class is a suspect. */
  suspect: Uint8Array;
  /** Keep findings the runtime makes of its own bookkeeping (--internal). */
  includeInternal?: boolean;
  /**
   * Least number of a suspect class's objects under one holder for it to be a finding: the diff's --min-count,
   * or per class (run: half of what the class makes over the calls). Default 1.
   */
  minCount?: number | ((key: { name: string; type: string }) => number);
  /** Told the holders (node ids) of the groups left out as the runtime's own, which are accumulations all the same. */
  runtimeHolders?: (nodeIds: number[]) => void;
}

/** Holder groups examined, most suspect objects first: a leak spread thinner than this is one of these. */
const MAX_GROUPS = 16;
/** A holder of fewer suspect objects than this share of the largest holder's is not a finding of its own. */
const MIN_GROUP_SHARE = 0.05;
/** Members of a closure class looked at for one defined in the user's code (the user's among a library's). */
const USER_SAMPLE_TRIES = 64;
/** Pieces below a new string for it to read as grown by appending (`+=` per call), not one concatenation. */
const MIN_APPENDS = 16;
/** New strings on top of such pieces under one holder, at most: one variable appended to, or a few. */
const MAX_APPENDED_STRINGS = 4;
/** Nodes a bounded walk around a sample may visit. */
const MAX_VISITS = 256;

interface ClassInGroup {
  cls: number;
  count: number;
  retained: number;
  /** The member nearest the roots. */
  sample: number;
  /**
   * For a closure class ("(anonymous)" is everyone's): a member defined in the user's code, if one was met; for a
   * bound function (`this.onKey.bind(this)`), the function it calls, defined where the user reads it.
   */
  userSample?: number;
  /** For a string grown by appending (`+=`): the strings on top and the pieces below them, counted together. */
  appended?: number;
  /** For a closure class: members registered on the holder itself, only Chrome's own objects between (Blink's listener table). */
  direct: number;
  /** For a closure class: members held through a detached element below the holder (a button's own click handler). */
  inDom: number;
  /** For a closure class: the first members registered on the holder itself (up to USER_SAMPLE_TRIES). */
  directMembers?: number[];
  suspect: boolean;
  tier: TierValue;
  location: SourceLocation | null;
}

/** A holder's finding, before the runtime's own and the parts of another leak are left out. */
interface GroupFinding {
  finding: Finding;
  /** The runtime's own bookkeeping (left out without --internal). */
  internal: boolean;
  /** What leaks is the user's (their class or callback). */
  own: boolean;
  /** The group's holder: the nearest old dominator (the finding may name a collection inside it). */
  dominator: number;
}

/**
 * One finding per holder of suspect objects, most retained bytes first. Groups
 * of different classes under one holder are one leak (a timer and the object
 * its callback keeps).
 */
export function findingsOf(input: FindingsInput): Finding[] {
  const { trace, walk, memberClass, suspect } = input;
  const { ordinals, holders, retained } = walk.members;
  const groups = topHolders(walk, memberClass, suspect);
  if (groups.length === 0) return [];
  const groupOf = new Map(groups.map((holder, g) => [holder, g]));
  const perGroup: Map<number, ClassInGroup>[] = groups.map(() => new Map());
  /** Per group, strings inside another new string of the group, by class: the pieces a `+=` appends. */
  const pieces: Map<number, number>[] = groups.map(() => new Map());
  for (let i = 0; i < ordinals.length; i++) {
    const g = groupOf.get(holders[i]);
    if (g === undefined) continue;
    const o = ordinals[i];
    const cls = memberClass[o];
    // A string dominated by another new string is part of its representation (a concatenation's halves, a
    // slice's parent), as DevTools shows it under that string: one entry, not several.
    if (retained[i] === 0 && input.table.keys[cls].type === 'string') {
      const parts = pieces[g];
      parts.set(cls, (parts.get(cls) ?? 0) + 1);
      continue;
    }
    let entry = perGroup[g].get(cls);
    if (!entry) {
      entry = {
        cls,
        count: 0,
        retained: 0,
        sample: o,
        suspect: suspect[cls] === 1,
        tier: Tier.runtime,
        location: null,
        direct: 0,
        inDom: 0,
      };
      perGroup[g].set(cls, entry);
    }
    entry.count++;
    entry.retained += retained[i];
    if (trace.distance[o] < trace.distance[entry.sample]) entry.sample = o;
    if (input.table.keys[cls].type === 'closure') {
      if (entry.userSample === undefined && entry.count <= USER_SAMPLE_TRIES) {
        const defined = boundTarget(input.graph, o);
        if (isUserLocation(sourceIndex(input.graph).locationOf(defined))) entry.userSample = defined;
      }
      if (registeredOn(input, o, holders[i])) {
        entry.direct++;
        if (entry.direct <= USER_SAMPLE_TRIES) entry.directMembers = [...(entry.directMembers ?? []), o];
      } else if (insideDetachedElement(input, o, holders[i])) entry.inDom++;
    }
  }
  const findings: GroupFinding[] = [];
  // A holder of a handful where others hold hundreds is noise (a literal V8 keeps as an allocation site), and so
  // is one of fewer than a suspect class's least count: one stale closure and two arrays of a framework's last
  // round are not where a leak accumulates. Counted class by class, never summed across classes.
  const { minCount } = input;
  const leastOf = (cls: number): number =>
    typeof minCount === 'function' ? minCount(input.table.keys[cls]) : (minCount ?? 1);
  let largest = 0;
  for (const classes of perGroup) for (const c of classes.values()) if (c.suspect) largest = Math.max(largest, c.count);
  const share = largest * MIN_GROUP_SHARE;
  // The lists of one collection (a Map of arrays, a Set per room, made before the first snapshot) are one place a
  // leak accumulates: a class's counts in them add up (mergeSiblings makes their findings one).
  const containers = groups.map((holder) => listContainer(input, holder));
  const together = new Map<string, number>();
  const togetherKey = (g: number, cls: number): string => `${containers[g]}:${cls}`;
  for (const [g, classes] of perGroup.entries())
    if (containers[g] >= 0)
      for (const c of classes.values())
        together.set(togetherKey(g, c.cls), (together.get(togetherKey(g, c.cls)) ?? 0) + c.count);
  for (const [g, holder] of groups.entries()) {
    // A string grown by += is one string on top of the pieces appended: they are what accumulates.
    for (const c of perGroup[g].values()) {
      const appended = pieces[g].get(c.cls) ?? 0;
      if (c.count <= MAX_APPENDED_STRINGS && appended >= MIN_APPENDS) c.appended = c.count + appended;
    }
    const accumulates = [...perGroup[g].values()].some(
      (c) =>
        c.suspect &&
        Math.max(c.appended ?? c.count, together.get(togetherKey(g, c.cls)) ?? 0) >= Math.max(share, leastOf(c.cls)),
    );
    if (!accumulates) continue;
    const finding = groupFinding(input, holder, [...perGroup[g].values()]);
    if (finding) findings.push(finding);
  }
  const leftOut = findings.filter((f) => input.includeInternal !== true && f.internal);
  if (leftOut.length > 0) input.runtimeHolders?.(leftOut.map((f) => f.finding.holder.nodeId));
  // One leak seen from two holders, one on the way to the other (an emitter's _events and its listener arrays, a
  // cache and the private map inside it): a library's or the runtime's objects as many as the user's beside them
  // are parts of that leak (its listener wrappers, its key strings), not a second one.
  const partOfAnother = (f: GroupFinding): boolean =>
    findings.some((g) => g.own && !g.internal && g !== f && sameLeak(f, g));
  return mergeSiblings(
    findings
      .filter((f) => input.includeInternal === true || !f.internal)
      .filter((f) => f.own || !partOfAnother(f))
      .map((f) => f.finding),
  ).sort((a, b) => b.leaked.retainedSize - a.leaked.retainedSize || b.leaked.count - a.leaked.count);
}

/** V8's own tables between a collection and what it holds (a Map's backing array): no step the user types. */
const isTableType = (type: string): boolean => type === 'array' || type === 'hidden';
const isV8Table = (step: RetainerStep): boolean => isTableType(step.type);

/** Collections of lists: a Map, Set or Array of them, or a plain Object used as one (`byUser[id]`). */
const isListsContainer = (name: string, type: string): boolean =>
  type === 'object' && (name === 'Map' || name === 'Set' || name === 'Array' || name === 'Object');

/** The object a holder sits right inside (only V8's tables between, as a Map holds an array), or -1. */
function listContainer(input: FindingsInput, holder: number): number {
  const { graph, trace } = input;
  const isTable = (o: number): boolean => isTableType(graph.nodeTypeName(o));
  let at = holder;
  // A list's own table as the holder (an old Set's backing store, not made anew): the list is its owner.
  for (let steps = 0; steps < 2 && isTable(at) && trace.parentEdge[at] !== UNREACHED; steps++)
    at = parentOf(graph, trace, at);
  for (let steps = 0; steps < MAX_VISITS; steps++) {
    if (at === graph.rootOrdinal || trace.parentEdge[at] === UNREACHED) return -1;
    at = parentOf(graph, trace, at);
    if (!isTable(at)) return isListsContainer(graph.nodeName(at), graph.nodeTypeName(at)) ? at : -1;
  }
  return -1;
}

/** A finding merged over the lists of one collection: its holder's node id and the lists'. */
const mergedHolders = new WeakMap<Finding, number[]>();

/** The node ids of the objects a finding's objects accumulate in: its holder, and the lists of a merged one. */
export function holderIdsOf(finding: Finding): number[] {
  return mergedHolders.get(finding) ?? [finding.holder.nodeId];
}

/** The last accessor of a holder's name: `.get("c3")`, `[12]`, `.orders`. */
const LAST_ACCESSOR =
  /(?:\.get\((?:[^()"]|"(?:[^"\\]|\\.)*")*\)|\[(?:[^\]"]|"(?:[^"\\]|\\.)*")*\]|\.[\p{L}_$][\p{L}\p{N}_$]*)$/u;

/**
 * One collection's lists each holding one leak's objects (a Map of arrays, one per customer, the arrays made before
 * the first snapshot: each an old holder with a finding of its own): where it accumulates is the collection. Its
 * findings of the same class become one, named by the collection as they are (`orders` of `orders.get("c3")`),
 * counts and sizes summed.
 */
function mergeSiblings(findings: Finding[]): Finding[] {
  const groups = new Map<string, { container: RetainerStep; name: string; members: Finding[] }>();
  /** Per finding grouped, its list: the holder, or the collection whose own table the holder is. */
  const listOf = new Map<Finding, RetainerStep>();
  for (const f of findings) {
    if (f.pattern !== 'collection') continue;
    let at = f.retainerPath.findIndex((step) => step.nodeId === f.holder.nodeId);
    // A list's own table as the holder (an old Set's backing store): the list is its owner.
    while (at > 0 && isV8Table(f.retainerPath[at])) at--;
    let up = at - 1;
    while (up > 0 && isV8Table(f.retainerPath[up])) up--;
    const name = f.holder.name.replace(LAST_ACCESSOR, '');
    if (at <= 0 || up < 0 || name === '' || name === f.holder.name) continue;
    const container = f.retainerPath[up];
    if (!isListsContainer(container.name, container.type)) continue;
    const key = `${f.leaked.type}\0${f.leaked.name}\0${container.nodeId}\0${name}`;
    const group = groups.get(key) ?? { container, name, members: [] };
    group.members.push(f);
    groups.set(key, group);
    listOf.set(f, f.retainerPath[at]);
  }
  const merged = new Map<Finding, Finding | null>();
  for (const { container, name, members } of groups.values()) {
    if (members.length < 2) continue;
    const [first] = members.sort((a, b) => b.leaked.retainedSize - a.leaked.retainedSize);
    const sum = (value: (f: Finding) => number): number => members.reduce((total, f) => total + value(f), 0);
    const facts = factsOf.get(first);
    const finding: Finding = {
      ...first,
      leaked: { ...first.leaked, count: sum((f) => f.leaked.count), retainedSize: sum((f) => f.leaked.retainedSize) },
      holder: { name, nodeId: container.nodeId, location: first.holder.location },
    };
    const mergedFacts: FindingFacts | undefined = facts && {
      ...facts,
      holder: name,
      wrapper: { ...facts.wrapper, count: sum((f) => factsOf.get(f)?.wrapper.count ?? f.leaked.count) },
      leaked: { ...facts.leaked, count: finding.leaked.count },
      retainedSize: finding.leaked.retainedSize,
      lists: { count: members.length, name: listOf.get(first)?.name ?? 'Array' },
    };
    mergedHolders.set(finding, [container.nodeId, ...members.map((f) => f.holder.nodeId)]);
    merged.set(first, mergedFacts ? worded(mergedFacts, finding) : finding);
    for (const other of members.slice(1)) merged.set(other, null);
  }
  return findings.flatMap((f) => {
    const replaced = merged.get(f);
    return replaced === undefined ? [f] : replaced === null ? [] : [replaced];
  });
}

const globalsOf = new WeakMap<HeapGraph, Map<number, string>>();

/**
 * The values of the global object's properties (Node's `global`, a page's `Window`) and of the ES modules'
 * exports, by node id, with their names: what a user types to reach them at the top level.
 */
function globalValues(graph: HeapGraph): ReadonlyMap<number, string> {
  let names = globalsOf.get(graph);
  if (names) return names;
  names = new Map();
  const modules: number[] = [];
  // A global behind a getter (Node's `process`) keeps its value in the getter's scope: of the objects whose class
  // bears the getter's name (the value and its prototype), the one with the most properties is it.
  const accessors = new Set<string>();
  for (let o = 0; o < graph.nodeCount; o++) {
    const type = graph.nodeTypeName(o);
    if (type === 'hidden' && graph.nodeName(o) === 'system / SourceTextModule') modules.push(o);
    if ((type !== 'object' && type !== 'native') || !/^(global|Window)(\s|$)/.test(graph.nodeName(o))) continue;
    for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++) {
      if (graph.edgeTypeName(e) !== 'property') continue;
      const name = graph.edgeName(e);
      const getter = /^get (.+)$/.exec(name);
      if (getter && isJsIdentifier(getter[1])) accessors.add(getter[1]);
      const id = graph.nodeId(graph.edgeTarget(e));
      if (isJsIdentifier(name) && !names.has(id)) names.set(id, name);
    }
  }
  const byClass = new Map<string, { id: number; edges: number; tie: boolean }>();
  for (let o = 0; o < graph.nodeCount && accessors.size > 0; o++) {
    if (graph.nodeTypeName(o) !== 'object' || !accessors.has(graph.nodeName(o))) continue;
    const edges = graph.firstEdge(o + 1) - graph.firstEdge(o);
    const best = byClass.get(graph.nodeName(o));
    if (!best || edges > best.edges) byClass.set(graph.nodeName(o), { id: graph.nodeId(o), edges, tie: false });
    else if (edges === best.edges) best.tie = true;
  }
  for (const [name, best] of byClass) if (!best.tie && !names.has(best.id)) names.set(best.id, name);
  for (const module of modules) addModuleExports(graph, module, names);
  globalsOf.set(graph, names);
  return names;
}

/**
 * An ES module's exports, into `names`: V8 keeps them in a hash table of the module's, each export's name
 * (a string) in the element just before its binding (a `system / Cell`, whose `value` is the exported value).
 */
function addModuleExports(graph: HeapGraph, module: number, names: Map<number, string>): void {
  for (let m = graph.firstEdge(module); m < graph.firstEdge(module + 1); m++) {
    const table = graph.edgeTarget(m);
    if (graph.nodeTypeName(table) !== 'array') continue;
    let previous = -1;
    for (let e = graph.firstEdge(table); e < graph.firstEdge(table + 1); e++) {
      const cell = graph.edgeTarget(e);
      const key = previous >= 0 ? graph.edgeTarget(previous) : -1;
      const follows = previous >= 0 && Number(graph.edgeName(previous)) + 1 === Number(graph.edgeName(e));
      previous = e;
      if (!follows || graph.nodeName(cell) !== 'system / Cell' || graph.nodeTypeName(key) !== 'string') continue;
      const name = graph.nodeName(key);
      if (!isJsIdentifier(name)) continue;
      for (let v = graph.firstEdge(cell); v < graph.firstEdge(cell + 1); v++) {
        if (graph.edgeName(v) !== 'value') continue;
        const id = graph.nodeId(graph.edgeTarget(v));
        if (!names.has(id)) names.set(id, name);
      }
    }
  }
}

const userVariablesOf = new WeakMap<HeapGraph, Map<number, string>>();
/** Enclosing scopes followed out from a closure's own (`previous`): a module's scope is a few levels out. */
const MAX_SCOPE_DEPTH = 8;

/**
 * The values of the variables of the user's scopes, by node id, with their names: the scope of each closure
 * defined in the user's code and the scopes around it. A library's object the user keeps in a variable
 * (`const app = express()`) is named by it, whichever way the shortest path reached it (the server serving it,
 * a scope of the library's where it is `this`). `this` itself names nothing a user types from outside.
 */
function userVariables(graph: HeapGraph): ReadonlyMap<number, string> {
  let names = userVariablesOf.get(graph);
  if (names) return names;
  names = new Map();
  const index = sourceIndex(graph);
  const closure = graph.nodeTypeNames.indexOf('closure');
  const context = graph.edgeTypeNames.indexOf('context');
  const internal = graph.edgeTypeNames.indexOf('internal');
  const seen = new Set<number>();
  // Whose a script is, once per script: a program has tens of thousands of closures and a few hundred scripts.
  const userScripts = new Map<string, boolean>();
  const isUsers = (script: string): boolean => {
    let users = userScripts.get(script);
    if (users === undefined) {
      users = isUserScript(script);
      userScripts.set(script, users);
    }
    return users;
  };
  for (let o = 0; o < graph.nodeCount; o++) {
    if (graph.nodeTypeIndex(o) !== closure) continue;
    const location = index.locationOf(o);
    if (location === null || !isUsers(location.script)) continue;
    let scope = -1;
    for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++)
      if (graph.edgeTypeIndex(e) === internal && graph.edgeName(e) === 'context') scope = graph.edgeTarget(e);
    for (let depth = 0; depth < MAX_SCOPE_DEPTH && scope >= 0 && !seen.has(scope); depth++) {
      seen.add(scope);
      let outer = -1;
      for (let e = graph.firstEdge(scope); e < graph.firstEdge(scope + 1); e++) {
        const name = graph.edgeName(e);
        if (graph.edgeTypeIndex(e) === internal && name === 'previous') outer = graph.edgeTarget(e);
        if (graph.edgeTypeIndex(e) !== context || name === 'this' || !isJsIdentifier(name)) continue;
        const id = graph.nodeId(graph.edgeTarget(e));
        if (!names.has(id)) names.set(id, name);
      }
      scope = outer;
    }
  }
  userVariablesOf.set(graph, names);
  return names;
}

/** V8's edge from a WeakMap key to its value: `4 / part of key (App @7) -> value (Array @9) pair in WeakMap (table @8)`. */
const WEAK_MAP_PAIR = /^\d+ \/ part of key \(.* @\d+\) -> value \(.* @\d+\) pair in WeakMap \(table @(\d+)\)$/;

/** The variable (the user's, or a global) holding the WeakMap whose table is `tableNodeId`; the table's only holder is it. */
function weakMapName(input: FindingsInput, tableNodeId: number): string | undefined {
  const { graph, trace } = input;
  const table = graph.ordinalOfId(tableNodeId);
  if (table < 0 || trace.parentEdge[table] === UNREACHED) return undefined;
  const map = parentOf(graph, trace, table);
  if (graph.constructorName(map) !== 'WeakMap') return undefined;
  const id = graph.nodeId(map);
  return userVariables(graph).get(id) ?? globalValues(graph).get(id);
}

const symbolVariablesOf = new WeakMap<HeapGraph, Map<string, string | null>>();

/**
 * The user's variables holding a symbol, by the symbol's description (V8 names a symbol-keyed property by it):
 * `const kItems = Symbol('items')` gives items → kItems; null when several names hold symbols of one description.
 */
function symbolVariables(graph: HeapGraph): ReadonlyMap<string, string | null> {
  let names = symbolVariablesOf.get(graph);
  if (names) return names;
  names = new Map();
  for (const [id, variable] of userVariables(graph)) {
    const o = graph.ordinalOfId(id);
    if (o < 0 || graph.nodeTypeName(o) !== 'symbol') continue;
    for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++) {
      if (graph.edgeName(e) !== 'name' || graph.nodeTypeName(graph.edgeTarget(e)) !== 'string') continue;
      const description = graph.nodeName(graph.edgeTarget(e));
      const known = names.get(description);
      names.set(description, known === undefined || known === variable ? variable : null);
    }
  }
  symbolVariablesOf.set(graph, names);
  return names;
}

/**
 * True when `o` is registered on the holder itself: only Chrome's own objects (a listener table and its records)
 * lie between them, or `o` is an element of the holder's (an array of callbacks, a Set's or Map's table between).
 */
function registeredOn(input: FindingsInput, o: number, holder: number): boolean {
  const { graph, trace } = input;
  let at = o;
  let element = false;
  for (let steps = 0; steps < MAX_VISITS; steps++) {
    if (trace.parentEdge[at] === UNREACHED) return false;
    if (steps === 0 || element) element = graph.edgeTypeName(trace.parentEdge[at]) === 'element';
    at = parentOf(graph, trace, at);
    if (at === holder) return steps > 0 || element;
    const type = graph.nodeTypeName(at);
    if (element && isTableType(type)) continue; // a collection's backing store
    if (type !== 'native' || !isBrowserInternal(graph.nodeName(at), 'native')) return false;
  }
  return false;
}

/** The function a bound function calls (V8's `native_bind` and its `bound_function`), else the closure itself. */
function boundTarget(graph: HeapGraph, closure: number): number {
  for (let e = graph.firstEdge(closure); e < graph.firstEdge(closure + 1); e++)
    if (graph.edgeName(e) === 'bound_function' && graph.nodeTypeName(graph.edgeTarget(e)) === 'closure')
      return graph.edgeTarget(e);
  return closure;
}

/**
 * True when a detached element lies between `o` and its holder: `o` is part of the DOM the holder keeps (a
 * handler on one of its buttons), not what accumulates in the holder.
 */
function insideDetachedElement(input: FindingsInput, o: number, holder: number): boolean {
  const { graph, trace } = input;
  let at = o;
  for (let steps = 0; steps < MAX_VISITS; steps++) {
    if (trace.parentEdge[at] === UNREACHED) return false;
    at = parentOf(graph, trace, at);
    if (at === holder) return false;
    if (graph.nodeTypeName(at) === 'native' && graph.isDetached(at) && /^<[a-zA-Z]/.test(graph.nodeName(at)))
      return true;
  }
  return false;
}

/**
 * The detached elements of the wrapper's class by their tag and class attribute, as Chrome names them (`<div
 * class="tooltip">`; their other attributes, often one per element, left out): the one nearest the roots (in the
 * holder itself), and how many of the group's have the same. Undefined when it has no class attribute.
 */
function elementNamed(input: FindingsInput, dominator: number, wrapper: ClassInGroup): FindingFacts['element'] {
  const { graph, walk, memberClass } = input;
  const name = tagAndClass(graph.nodeName(wrapper.sample));
  if (name === null) return undefined;
  const { ordinals, holders } = walk.members;
  let count = 0;
  for (let i = 0; i < ordinals.length; i++)
    if (
      holders[i] === dominator &&
      memberClass[ordinals[i]] === wrapper.cls &&
      tagAndClass(graph.nodeName(ordinals[i])) === name
    )
      count++;
  return count > 0 ? { name, count } : undefined;
}

/** `<div class="dialog">` from Chrome's `<div class="dialog" aria-labelledby="title-0">`; null without a class. */
export function tagAndClass(nodeName: string): string | null {
  const match = /^<([a-zA-Z][\w-]*)\s(?:[^>]*\s)?class="([^"]*)"/.exec(nodeName);
  return match && match[2].trim() !== '' ? `<${match[1]} class="${match[2]}">` : null;
}

/** Blink's record of an `on…` event handler property (`window.onresize = …`), not an addEventListener's. */
const EVENT_HANDLER = 'V8EventHandlerNonNull';

/** The holders of most suspect objects (up to MAX_GROUPS), found by sorting a typed array of them. */
function topHolders(walk: SetRetainedSizes, memberClass: Int32Array, suspect: Uint8Array): number[] {
  const { ordinals, holders } = walk.members;
  let count = 0;
  for (let i = 0; i < ordinals.length; i++) if (suspect[memberClass[ordinals[i]]] === 1) count++;
  if (count === 0) return [];
  const sorted = new Uint32Array(count);
  for (let i = 0, k = 0; i < ordinals.length; i++)
    if (suspect[memberClass[ordinals[i]]] === 1) sorted[k++] = holders[i];
  sorted.sort();
  const runs: Array<{ holder: number; count: number }> = [];
  for (let i = 0; i < count; ) {
    let j = i;
    while (j < count && sorted[j] === sorted[i]) j++;
    runs.push({ holder: sorted[i], count: j - i });
    i = j;
  }
  runs.sort((a, b) => b.count - a.count || a.holder - b.holder);
  return runs.slice(0, MAX_GROUPS).map((r) => r.holder);
}

/**
 * The node just below the holder on the way to `sample` when it is a new Array
 * reached by a named property (an EventEmitter's listener array for one event,
 * created when the second listener came) that retains most of what is new under
 * the holder, else null.
 */
function newArrayBelow(input: FindingsInput, holder: number, sample: number): number | null {
  const { graph, trace, memberClass } = input;
  let below = sample;
  for (let steps = 0; steps < MAX_VISITS && below !== graph.rootOrdinal; steps++) {
    if (trace.parentEdge[below] === UNREACHED) return null;
    const parent = parentOf(graph, trace, below);
    if (parent === holder) {
      const edge = trace.parentEdge[below];
      const named = graph.edgeTypeName(edge) === 'property';
      const isNewArray = memberClass[below] !== NOT_NEW && graph.constructorName(below) === 'Array';
      // The one array they sit in, not one of many (a memo's [err, value] per key): most of what is new there.
      const most = input.retainedSizes[below] * 2 >= newUnder(input, holder);
      return named && isNewArray && most ? graph.nodeId(below) : null;
    }
    below = parent;
  }
  return null;
}

/**
 * New objects held directly by the holder, by class: its children in the dominator tree, and those of the new
 * storage just below it (a Map's table, an array's elements, made new as it grew): the holder's entries.
 */
function entriesOf(input: FindingsInput, holder: number): Map<number, number> {
  const { graph, tree, memberClass, table } = input;
  const counts = new Map<number, number>();
  const visit = (parent: number, depth: number): void => {
    for (let c = tree.first[parent]; c < tree.first[parent + 1]; c++) {
      const child = tree.children[c];
      const cls = memberClass[child];
      if (cls === NOT_NEW) continue;
      // New and in no class (V8's storage the diff does not list: a Map's table), or a plain container.
      const key = cls >= 0 ? table.keys[cls] : null;
      if (key !== null) counts.set(cls, (counts.get(cls) ?? 0) + 1);
      if (
        depth === 0 &&
        (key === null || key.type === 'array' || key.type === 'hidden' || /^(Array|Object)$/.test(key.name))
      )
        visit(child, 1);
    }
  };
  if (graph.nodeTypeName(holder) !== 'synthetic') visit(holder, 0);
  return counts;
}

/** Slices among a holder's strings for the finding to say that each keeps its parent whole: half of them or more. */
const MIN_SLICES_SHARE = 0.5;
/** A parent at least this many times the slices' own size (V8's 32 B each) reads as a chunk kept for them. */
const MIN_PARENT_RATIO = 4;

/**
 * The holder's new strings (its entries, as entriesOf) that are V8's sliced strings, and their parents (new, each
 * counted once), when they are most of the leaked strings and the parents outweigh them: lines cut from the
 * chunks a file was read in, each keeping its chunk.
 */
function slicesIn(
  input: FindingsInput,
  holder: number,
  leaked: ClassInGroup,
): { count: number; parents: number; parentBytes: number } | undefined {
  const { graph, tree, memberClass } = input;
  let count = 0;
  let sliceBytes = 0;
  let parentBytes = 0;
  const parents = new Set<number>();
  const visit = (parent: number, depth: number): void => {
    for (let c = tree.first[parent]; c < tree.first[parent + 1]; c++) {
      const child = tree.children[c];
      if (memberClass[child] === NOT_NEW) continue;
      const type = graph.nodeTypeName(child);
      if (type === 'sliced string') {
        count++;
        sliceBytes += graph.nodeSelfSize(child);
        for (let e = graph.firstEdge(child); e < graph.firstEdge(child + 1); e++) {
          const to = graph.edgeTarget(e);
          if (graph.edgeName(e) !== 'parent' || memberClass[to] === NOT_NEW || parents.has(to)) continue;
          parents.add(to);
          parentBytes += graph.nodeSelfSize(to);
        }
      } else if (depth === 0 && (isTableType(type) || graph.constructorName(child) === 'Array')) visit(child, 1);
    }
  };
  if (graph.nodeTypeName(holder) !== 'synthetic') visit(holder, 0);
  const strings = leaked.count - parents.size;
  if (count === 0 || count < strings * MIN_SLICES_SHARE || parentBytes < sliceBytes * MIN_PARENT_RATIO)
    return undefined;
  return { count, parents: parents.size, parentBytes };
}

/**
 * The retained size of everything new that hangs directly from the holder, each byte once. Below the roots or a
 * scope (objects held by several others: a current state array and the undo history's copies) only the group's
 * own classes: those dominate whatever else is new in the page or the script too. V8's tables of the holder (a
 * Set's or Map's, an array's elements) are looked into, not counted whole: one made anew as the collection grew
 * holds its old entries too, and those are no new bytes.
 */
function newUnder(input: FindingsInput, holder: number, classes?: ClassInGroup[]): number {
  const { graph, tree, memberClass, retainedSizes } = input;
  const shared = graph.nodeTypeName(holder) === 'synthetic' || isScope(graph.nodeName(holder));
  const own = shared && classes ? new Set(classes.map((c) => c.cls)) : null;
  let total = 0;
  const visit = (at: number, depth: number): void => {
    for (let c = tree.first[at]; c < tree.first[at + 1]; c++) {
      const child = tree.children[c];
      const type = graph.nodeTypeName(child);
      if (depth < 2 && isTableType(type)) visit(child, depth + 1);
      else if (memberClass[child] !== NOT_NEW && (own === null || own.has(memberClass[child])))
        total += retainedSizes[child];
    }
  };
  visit(holder, 0);
  return total;
}

function groupFinding(input: FindingsInput, dominator: number, classes: ClassInGroup[]): GroupFinding | null {
  const { graph, table, trace } = input;
  const index = sourceIndex(graph);
  for (const c of classes) {
    const key = table.keys[c.cls];
    // A record's shape has no constructor: the function whose literal makes it, if one is known.
    c.location =
      index.locationOf(c.userSample ?? c.sample) ?? (isShapeClass(key) ? index.literalLocation(c.sample) : null);
    c.tier = tierOf(key.name, key.type, c.location, isShapeClass(key));
    if (c.tier === Tier.runtime && isScriptHeldWebObject(input, c.sample)) c.tier = Tier.library;
  }
  const suspects = classes.filter((c) => c.suspect);
  if (suspects.length === 0) return null;
  // Callbacks that sit in the kept DOM (its buttons' own handlers) are part of it: neither what accumulates nor the
  // place to fix, unless nothing else is suspect.
  const partOfDom = (c: ClassInGroup): boolean => c.direct === 0 && c.inDom * 2 > c.count;
  const outsideDom = suspects.some((c) => !partOfDom(c)) ? suspects.filter((c) => !partOfDom(c)) : suspects;
  // Callbacks registered on the holder itself (in its list, its listener table) are what accumulates there, however
  // plain what each keeps (a component's model in a store's subscriber list).
  const registered = outsideDom.filter((c) => c.direct > 0);
  // A library's objects that are themselves the entries (requests as a Map's keys), not inside one of them: they
  // are what accumulates, before the records and callbacks each holds (its params, a listener on it).
  const entries = registered.length > 0 ? new Map<number, number>() : entriesOf(input, dominator);
  const isEntry = (c: ClassInGroup): boolean =>
    c.tier === Tier.library && table.keys[c.cls].type === 'object' && (entries.get(c.cls) ?? 0) * 2 >= c.count;
  const libraryEntries = outsideDom.filter(isEntry);
  const accumulating = registered.length > 0 ? registered : libraryEntries.length > 0 ? libraryEntries : outsideDom;
  // The wrapper: what accumulates directly, the plainest suspect (a cache's values before its key strings), the most numerous.
  // Of two kinds of detached elements, the one nearer the roots is in the holder itself (the inputs a registry
  // keeps), the other inside them or around them (their form's <div>s), however many.
  const elements = (a: ClassInGroup, b: ClassInGroup): boolean =>
    isDetachedName(table.keys[a.cls].name) && isDetachedName(table.keys[b.cls].name);
  const wrapper = accumulating.reduce((best, c) =>
    c.tier < best.tier ||
    (c.tier === best.tier &&
      (elements(c, best)
        ? trace.distance[c.sample] < trace.distance[best.sample]
        : c.count > best.count || (c.count === best.count && c.retained > best.retained)))
      ? c
      : best,
  );
  // What the user would recognise: as many as the wrappers (half, for noise), the plainest tier, the most bytes.
  // Callbacks registered on the holder count as many as they are there, not with the closures deeper down (a
  // button's click handler inside the DOM each one keeps).
  const accumulated = table.keys[wrapper.cls].type === 'closure' && wrapper.direct > 0 ? wrapper.direct : wrapper.count;
  const least = Math.max(1, Math.floor(accumulated / 2));
  const candidates = classes.filter((c) => c.count >= least);
  // Plainer than the wrapper reads better only when it is the user's own, or the wrapper a mere container: inside a
  // library's object the user stored (a request), its shapes ({content-length, …}) are that library's records.
  // Detached DOM that accumulates is named as DOM (`Detached <div>`), or by the user's own class around it: not
  // by the JavaScript wrappers Chrome makes for the same nodes (HTMLDivElement).
  const detachedWrapper = isDetachedName(table.keys[wrapper.cls].name);
  // A record of the user's ({ws, history} in a Set) is named itself, not by a callback inside it that grows with no
  // rule of its own (a listener on its socket, counted with a library's closures of the same name).
  const ownRecord = wrapper.tier <= Tier.shape && table.keys[wrapper.cls].type !== 'closure';
  const callbackInside = (c: ClassInGroup): boolean => ownRecord && !c.suspect && table.keys[c.cls].type === 'closure';
  // Inside a library's objects that are the entries, only an instance of the user's class is what they stored
  // (node-cache's record around a Session); the user's callbacks on each (a request's 'finish' listener) are its parts.
  const recognisable = (c: ClassInGroup): boolean =>
    detachedWrapper
      ? c === wrapper || isDetachedName(table.keys[c.cls].name) || c.tier <= Tier.userClosure
      : isEntry(wrapper)
        ? c === wrapper || c.tier >= wrapper.tier || c.tier === Tier.userClass
        : c === wrapper ||
          c.tier >= wrapper.tier ||
          (c.tier <= Tier.userClosure && !callbackInside(c)) ||
          wrapper.tier >= Tier.plain;
  // Node's record of a CommonJS module (a file require()d per call): the modules are what leaks, whatever they export.
  const modules = isCommonJsModule(table.keys[wrapper.cls].name, wrapper.location);
  // A vm sandbox is what the user made (vm.createContext), not its context's global record below it.
  const leaked =
    modules || isVmSandbox(graph, wrapper.sample)
      ? wrapper
      : candidates
          .filter((c) => recognisable(c) && (c === wrapper || !partOfDom(c)))
          .reduce((best, c) =>
            c.tier < best.tier ||
            (c.tier === best.tier &&
              (c.retained > best.retained || (c.retained === best.retained && c.count > best.count)))
              ? c
              : best,
          );
  const path = retainerPath(graph, trace, leaked.sample) ?? retainerPath(graph, trace, wrapper.sample) ?? [];
  // Held from two of the graph's roots (the document's observers and a handle of Chrome's), the dominator is a root:
  // the objects are named, and their pattern read, from the last old object on the way to them.
  // Objects Chrome keeps alive while they may still fire events (a channel, a socket never closed) are their own
  // holders: the first new object on the way.
  const pending = (step: { name: string; type: string }): boolean =>
    step.name === PENDING_ACTIVITIES && step.type === 'native';
  const rooted = graph.nodeTypeName(dominator) === 'synthetic' || pending(nodeStep(graph, dominator));
  const entry = rooted ? entryOf(input, path, dominator) : { firstNew: -1, lastOld: dominator };
  const keptAlive = entry.firstNew > 0 && path.slice(0, entry.firstNew).some(pending);
  const holder = keptAlive ? graph.ordinalOfId(path[entry.firstNew].nodeId) : entry.lastOld;
  const holderNodeId = graph.nodeId(holder);
  const lookups: NameLookups = {
    globals: () => globalValues(graph),
    hasGetterOf: (nodeId, name) => hasGetter(graph, nodeId, name),
    getterFor: (nodeId, className) => getterNamedFor(graph, nodeId, className),
    variables: () => userVariables(graph),
    symbolVariable: (description) => symbolVariables(graph).get(description) ?? undefined,
    weakMapOf: (tableNodeId) => weakMapName(input, tableNodeId),
    mapKeyOf: (tableNodeId, valueSlot) => mapKey(graph, tableNodeId, valueSlot),
    frameFunction: (frameNodeId) => frameFunctionOf(graph, frameNodeId),
  };
  // Held two ways from objects on separate paths (a scheduler's jobs by name and in another module's list): their
  // dominator is on no path to them, or is a category of GC roots. The last old object on the path, which the new
  // ones hang from, is where they were added: named and read as the holder.
  let namedNodeId = holderNodeId;
  let at = holder;
  if (!path.some((step) => step.nodeId === holderNodeId) || graph.nodeTypeName(holder) === 'synthetic') {
    const from = lastOldStep(input, path);
    if (from >= 0) {
      at = from;
      namedNodeId = graph.nodeId(from);
    }
  }
  const pathHolderId = namedNodeId;
  let access = accessPath(path, namedNodeId, newArrayBelow(input, at, leaked.sample), lookups);
  const chain = chainedClosure(input, candidates);
  // A FinalizationRegistry whose held values keep the objects registered: never collected, a collection it is.
  const heldByCell = heldByTheirCell(graph, path, leaked.sample);
  let pattern: FindingPattern =
    modules || heldByCell
      ? 'collection'
      : patternOf(
          input,
          wrapper,
          accumulation(input, at, path, namedNodeId, wrapper, candidates, chain >= 0),
          access.owned && inScopeVariable(path, namedNodeId),
        );
  // A string the user appends to: it grows in bytes, one string.
  const appended = table.keys[wrapper.cls].type === 'string' ? wrapper.appended : undefined;
  if (appended !== undefined && pattern !== 'stack') pattern = 'bytes';
  // Held two ways inside one object (a stream's pipes and the listeners pipe() adds): their dominator is that
  // object, no collection. A collection on the way inside it that holds half of them names where they are added.
  const inside = pattern === 'other' ? collectionInside(input, path, namedNodeId, leaked) : -1;
  if (inside >= 0) {
    namedNodeId = graph.nodeId(inside);
    access = accessPath(path, namedNodeId, null, lookups);
    pattern = 'collection';
  }
  // An observable's subscriptions (rxjs's Subscriber records in a Subject's `observers`): counted by those records.
  const named = graph.ordinalOfId(namedNodeId);
  const subscriptions = pattern === 'listener' ? subscribersIn(input, named) : 0;
  // An array of callbacks or records reads the same in the graph whether it is a subscriber list, a queue of work
  // or an undo history: only the name the code gave it tells them apart, and only between those.
  const role =
    (pattern === 'listener' || pattern === 'collection') &&
    subscriptions === 0 &&
    graph.constructorName(named) === 'Array' &&
    !underBlinkListeners(path, pathHolderId) &&
    browserCallbacks(path, pathHolderId) === null
      ? roleByName(access.name)
      : null;
  if (role === 'queue') pattern = 'queue';
  else if (role === 'history') pattern = 'collection';
  // Objects an open OS handle keeps (a socket's TCPSocketWrap): connections the program opened and never closed.
  const handle = openHandleOf(input, path);
  const holderName = modules
    ? REQUIRE_CACHE
    : keptAlive
      ? graph.className(holder)
      : handle
        ? `open ${handle} handles`
        : access.name;
  // The user's callback: for a listener or a timer, however few (10 listeners keeping 2,000 records).
  // Node's timers that already ran or were cleared, kept in the user's collection: their callback is the place.
  const spent = pattern === 'collection' && spentTimers(path, table.keys[wrapper.cls].name, namedNodeId);
  const callbacks = pattern === 'listener' || pattern === 'timer' || spent ? classes : candidates;
  const userClosure = callbacks
    .filter((c) => c.tier === Tier.userClosure && (!partOfDom(c) || c === wrapper))
    .sort((a, b) => b.count - a.count || b.retained - a.retained)[0];
  const site =
    pattern === 'closure-chain' && chain >= 0 && isUserLocation(index.locationOf(chain))
      ? index.locationOf(chain)
      : siteOf(input, spent ? 'timer' : pattern, leaked, wrapper, userClosure, access.location);
  const key = (c: ClassInGroup): { name: string; type: string } => table.keys[c.cls];
  const retainedSize = Math.max(newUnder(input, dominator, classes), wrapper.retained, leaked.retained);
  const facts: FindingFacts = {
    pattern,
    wrapper: {
      ...key(wrapper),
      count: pattern === 'timer' ? timersKeeping(input, wrapper, leaked, accumulated) : accumulated,
    },
    leaked: { ...key(leaked), count: leaked.count },
    // A library's record around each of the user's objects (node-cache's {v}): the user's class is named first.
    leakedFirst: leaked !== wrapper && leaked.tier < wrapper.tier,
    retainedSize,
    ...(formatBytes(leaked.retained) !== formatBytes(retainedSize) ? { leakedRetained: leaked.retained } : {}),
    holder: holderName,
    holderIsRuntime: !access.owned && !modules,
    modules,
    holderIsPromise: graph.constructorName(holder) === 'Promise',
    eventTarget: underBlinkListeners(path, pathHolderId),
    browserCallbacks: browserCallbacks(path, pathHolderId) ?? undefined,
    listeners: listenerCount(pattern, wrapper, classes),
    keptAlive:
      keptAlive && holder !== dominator
        ? (classes.find((c) => c.cls === input.memberClass[holder])?.count ?? 1)
        : undefined,
    keyedByDetached:
      pattern === 'detached-dom' && keyedByDetachedElements(input, holder, Math.max(1, wrapper.count / 2)),
    element: pattern === 'detached-dom' && detachedWrapper ? elementNamed(input, dominator, wrapper) : undefined,
    eventHandler: pattern === 'closure-chain' && path.some((step) => step.name === EVENT_HANDLER),
    kept:
      pattern === 'listener' && leaked === wrapper
        ? keptBy(input, wrapper, classes)
        : pattern === 'collection' && leaked === wrapper
          ? vmContexts(input, wrapper, classes)
          : undefined,
    keepsDetachedDom:
      (pattern === 'listener' || role !== null) && candidates.some((c) => isDetachedName(table.keys[c.cls].name)),
    ...(subscriptions > 0 ? { subscriptions } : {}),
    ...(role ? { role, entries: newEntriesOf(input, named) } : {}),
    events: pattern === 'listener' && /(^|\.)_events$/.test(holderName) ? eventsHolding(input, at) : undefined,
    pageTimers: pattern === 'timer' && path.some((step) => step.name === 'DOMTimer'),
    keptByTimer: pattern === 'timer' && keptByTimer(path),
    ...(spent ? { spentTimers: true } : {}),
    ...(pattern === 'timer' ? { timerStartedBy: timerLibrary(path) } : {}),
    heldByCell,
    ...(pattern === 'bytes' && appended !== undefined ? { appended } : {}),
    ...(handle ? { openHandle: handle, agents: httpAgents(input, classes) } : {}),
    awaiting:
      pattern === 'queue' && key(wrapper).type === 'closure' ? awaitingCalls(input, wrapper, classes) : undefined,
    item: pattern === 'queue' ? linkedItem(input, wrapper, leaked, candidates) : undefined,
    slices: pattern === 'collection' && key(leaked).type === 'string' ? slicesIn(input, dominator, leaked) : undefined,
    generator: isGeneratorObject(graph, (leaked !== wrapper && leaked.tier < wrapper.tier ? leaked : wrapper).sample),
    ...(access.frameLocal ? { frameLocal: access.location } : {}),
    // The place is the holder's scope (the function or module whose variable it is), not the leaked class's.
    ...(site !== null && site === access.location && !access.frameLocal ? { siteIsHolders: true } : {}),
    site,
  };
  // The runtime's own: nothing of the user's or a library's on the way to the holder, no class or function of
  // theirs among what leaks (a plain record inside Node's performance timeline is Node's), or V8's state on the way.
  // A snapshot without definition sites (a page's, today) cannot say whose a class is: a named class may be theirs.
  const located = sourceIndex(graph).hasLocations;
  const theirs =
    candidates.some((c) => c.tier <= Tier.userClosure || (!located && c.tier <= Tier.library)) || isUserLocation(site);
  // Held below the holder through compiled code (a function's constant pool: strings, literals): V8's, not a collection.
  const below = path.findIndex((step) => step.nodeId === pathHolderId);
  const viaCode = path.slice(below + 1, -1).some((step) => step.type === 'code');
  const internal =
    !modules &&
    !handle &&
    (viaCode ||
      access.runtimeState ||
      (!access.owned && !access.library && !theirs) ||
      (!theirs && browserRecords(path)));
  const finding = worded(facts, {
    pattern,
    leaked: {
      name: key(leaked).name,
      type: key(leaked).type,
      count: pattern === 'bytes' && appended !== undefined && leaked === wrapper ? appended : leaked.count,
      retainedSize,
      location: leaked.location,
    },
    holder: { name: holderName, nodeId: namedNodeId, location: access.location },
    site,
    retainerPath: path,
    summary: '',
    fix: '',
  });
  return { finding, internal, own: leaked.tier <= Tier.userClosure, dominator: graph.nodeId(dominator) };
}

/**
 * Chrome's own records of what the page did (its session history, its performance timeline): reached from the
 * window through Chrome's objects alone, no DOM node among them, nothing the page's script stored.
 */
function browserRecords(path: RetainerPath): boolean {
  const window = path.findLastIndex((step) => isGlobalObject(step) && step.type === 'native');
  return (
    window >= 0 &&
    window < path.length - 1 &&
    path
      .slice(window + 1)
      .every((step) => step.type === 'native' && !/^(Detached )?<|^(Detached )?Text$/.test(step.name))
  );
}

/**
 * How many of the timers' callbacks keep a new object of what leaks (below them in the dominator tree, a bounded
 * walk each): a ticker made before the first snapshot re-arms a new timer at every tick, but keeps its old ticker,
 * no part of the leak. `counted` when not every callback was looked at, or none keeps one.
 */
function timersKeeping(input: FindingsInput, wrapper: ClassInGroup, leaked: ClassInGroup, counted: number): number {
  const { tree, memberClass } = input;
  const members = wrapper.directMembers;
  if (leaked === wrapper || !members || members.length < wrapper.direct) return counted;
  const keeps = (o: number): boolean => {
    const queue = [o];
    for (let head = 0; head < queue.length && queue.length < MAX_VISITS; head++)
      for (let c = tree.first[queue[head]]; c < tree.first[queue[head] + 1]; c++) {
        const child = tree.children[c];
        if (memberClass[child] === leaked.cls) return true;
        queue.push(child);
      }
    return false;
  };
  const keeping = members.filter(keeps).length;
  return keeping > 0 ? keeping : counted;
}

/**
 * True when the holder is a Map (or its table) with at least `least` new entries keyed by a new element removed from the document (V8
 * keeps each key in the slot of its table just before the value's): a WeakMap would let them go.
 */
function keyedByDetachedElements(input: FindingsInput, holder: number, least: number): boolean {
  const { graph, memberClass, trace } = input;
  // The holder is the Map, or its table (which the Map alone reaches).
  const map =
    graph.constructorName(holder) === 'Map' || trace.parentEdge[holder] === UNREACHED
      ? holder
      : parentOf(graph, trace, holder);
  if (graph.constructorName(map) !== 'Map') return false;
  const isNew = (o: number): boolean => memberClass[o] !== NOT_NEW;
  let keyed = 0;
  for (let e = graph.firstEdge(map); e < graph.firstEdge(map + 1); e++) {
    if (graph.edgeName(e) !== 'table') continue;
    const table = graph.edgeTarget(e);
    // By slot: a key that is a number (a small integer) has no edge, and the slot before is then no key.
    const slots = new Map<string, number>();
    for (let f = graph.firstEdge(table); f < graph.firstEdge(table + 1); f++)
      slots.set(String(graph.edgeName(f)), graph.edgeTarget(f));
    for (const [slot, value] of slots) {
      const key = /^\d+$/.test(slot) ? (slots.get(String(Number(slot) - 1)) ?? -1) : -1;
      if (key < 0 || !isNew(key) || !isNew(value)) continue;
      if (graph.nodeTypeName(key) === 'native' && graph.isDetached(key) && /^<[a-zA-Z]/.test(graph.nodeName(key)))
        keyed++;
    }
  }
  return keyed >= least;
}

/** Blink's root of the objects it keeps alive while they have pending activity (ActiveScriptWrappable). */
const PENDING_ACTIVITIES = 'Pending activities';

const nodeStep = (graph: HeapGraph, o: number): { name: string; type: string } => ({
  name: graph.nodeName(o),
  type: graph.nodeTypeName(o),
});

/**
 * Where the path enters what accumulates: the index of its first step that is a new object of a listed class (-1
 * when none is), and the last old step before it that is no root (or `holder`). A root's ids may change between
 * snapshots: only listed classes count as new.
 */
function entryOf(input: FindingsInput, path: RetainerPath, holder: number): { firstNew: number; lastOld: number } {
  const { graph, memberClass } = input;
  let lastOld = holder;
  for (const [i, step] of path.entries()) {
    const o = graph.ordinalOfId(step.nodeId);
    if (o < 0) continue;
    if (memberClass[o] >= 0) return { firstNew: i, lastOld };
    if (memberClass[o] === NOT_NEW && graph.nodeTypeName(o) !== 'synthetic') lastOld = o;
  }
  return { firstNew: -1, lastOld };
}

/**
 * A Web API object the page's script holds itself (an event in its array, an observer or a channel in its field):
 * Chrome's native named by its interface (`PointerEvent`), reached from a JavaScript object, not from Chrome's own.
 * The page's vocabulary, as a library's class is; Blink's bookkeeping (a listener record, an observer's
 * registration) hangs from other natives.
 */
function isScriptHeldWebObject(input: FindingsInput, o: number): boolean {
  const { graph, trace } = input;
  const name = graph.nodeName(o);
  if (graph.nodeTypeName(o) !== 'native' || !/^[A-Z][A-Za-z0-9]*$/.test(name) || isBrowserInternal(name, 'native'))
    return false;
  if (trace.parentEdge[o] === UNREACHED) return false;
  const parentType = graph.nodeTypeName(parentOf(graph, trace, o));
  return parentType !== 'native' && parentType !== 'synthetic';
}

/**
 * The kind of native handle (`TCPSocketWrap`) when the path starts at one of Node's handle wrappers whose
 * JavaScript object, new since the before snapshot, keeps the objects: handles opened and still open.
 */
function openHandleOf(input: FindingsInput, path: RetainerPath): string | null {
  const kind = /^Node \/ (\w+Wrap)$/.exec(path[0]?.name ?? '')?.[1];
  if (kind === undefined || path[0].type !== 'synthetic' || path[1]?.edge?.name !== 'native_to_javascript') return null;
  // The handle's JavaScript object (its TCP), new: Node's synthetic wrapper nodes get new ids in every snapshot.
  const o = input.graph.ordinalOfId(path[1].nodeId);
  return o >= 0 && input.memberClass[o] !== NOT_NEW ? kind : null;
}

/** How many of Node's http.Agent (node:_http_agent) are among a group's objects: each keeps its idle sockets open. */
function httpAgents(input: FindingsInput, classes: ClassInGroup[]): number | undefined {
  const agents = classes.find(
    (c) => input.table.keys[c.cls].name === 'Agent' && c.location?.script === 'node:_http_agent',
  );
  return agents?.count;
}

/** The old object the path's last run of new objects hangs from (its ordinal), or -1. */
function lastOldStep(input: FindingsInput, path: RetainerPath): number {
  for (let i = path.length - 2; i >= 0; i--) {
    if (path[i].type === 'elided') return -1;
    const o = input.graph.ordinalOfId(path[i].nodeId);
    if (o >= 0 && input.memberClass[o] === NOT_NEW) return o;
  }
  return -1;
}

/**
 * The first old Array, Map or Set on the path below the holder that holds at least half of the leaked objects
 * directly (a Map's or Set's through its table), or -1.
 */
function collectionInside(
  input: FindingsInput,
  path: RetainerPath,
  holderNodeId: number,
  leaked: ClassInGroup,
): number {
  const { graph, memberClass } = input;
  const least = Math.max(2, Math.ceil(leaked.count / 2));
  const counted = (o: number, depth: number): number => {
    let n = 0;
    for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++) {
      const to = graph.edgeTarget(e);
      if (memberClass[to] === leaked.cls) n++;
      else if (depth === 0 && graph.edgeTypeName(e) === 'internal' && graph.edgeName(e) === 'table')
        n += counted(to, 1);
    }
    return n;
  };
  const at = path.findIndex((step) => step.nodeId === holderNodeId);
  if (at < 0) return -1;
  for (let i = at + 1; i < path.length - 1; i++) {
    const o = graph.ordinalOfId(path[i].nodeId);
    if (o < 0 || memberClass[o] !== NOT_NEW) return -1;
    if (/^(Array|Map|Set)$/.test(graph.constructorName(o)) && counted(o, 0) >= least) return o;
  }
  return -1;
}

/** Edges looked at under one listener array of an emitter for a new object. */
const MAX_LISTENER_EDGES = 4096;

/**
 * The events of an emitter's table (its `_events`) with new objects among their listeners: a lone listener, or
 * its array's elements (events.once leaves one for the event and one for 'error').
 */
function eventsHolding(input: FindingsInput, table: number): string[] {
  const { graph, memberClass } = input;
  const isNew = (o: number): boolean => memberClass[o] !== NOT_NEW;
  const holdsNew = (array: number): boolean => {
    for (let e = graph.firstEdge(array), n = 0; e < graph.firstEdge(array + 1) && n < MAX_LISTENER_EDGES; e++, n++)
      if (graph.edgeTypeName(e) === 'element' && isNew(graph.edgeTarget(e))) return true;
    return false;
  };
  const events: string[] = [];
  for (let e = graph.firstEdge(table); e < graph.firstEdge(table + 1); e++) {
    if (graph.edgeTypeName(e) !== 'property' || graph.edgeName(e) === '__proto__') continue;
    const to = graph.edgeTarget(e);
    if (isNew(to) || (graph.constructorName(to) === 'Array' && holdsNew(to))) events.push(graph.edgeName(e));
  }
  return events;
}

/** Where require() keeps the modules it loaded, as the user types it (Node's Module._cache). */
const REQUIRE_CACHE = 'require.cache';

/** Node's record of a CommonJS module, which require.cache (and the parent's module.children) keeps for good. */
function isCommonJsModule(name: string, location: SourceLocation | null): boolean {
  return name === 'Module' && location?.script === 'node:internal/modules/cjs/loader';
}

/** As many objects (within a tenth), and one's holder (the dominator) on the way from the roots to the other's. */
function sameLeak(a: GroupFinding, b: GroupFinding): boolean {
  const [few, many] = a.finding.leaked.count < b.finding.leaked.count ? [a, b] : [b, a];
  if (few.finding.leaked.count < many.finding.leaked.count * 0.9) return false;
  const on = (holder: GroupFinding, path: GroupFinding): boolean =>
    path.finding.retainerPath.some((step) => step.nodeId === holder.dominator);
  return on(a, b) || on(b, a);
}

/** The property Node's vm gives a contextified object (the sandbox of vm.createContext): its context's global. */
const VM_CONTEXT_EDGE = '<symbol node:contextify:context>';

/**
 * What callbacks that leak keep, in the user's terms: a vm context each (a sandbox per call); else, of the classes
 * at least as many as the callbacks, the one retaining most that is a class of the user's, a record or a library's
 * class placed in its code (a socket.io Socket); not another callback, a container or the runtime's.
 */
function keptBy(
  input: FindingsInput,
  wrapper: ClassInGroup,
  classes: ClassInGroup[],
): { name: string; type: string; count: number } | undefined {
  const contexts = vmContexts(input, wrapper, classes);
  if (contexts) return contexts;
  const kept = classes
    .filter(
      (c) =>
        c !== wrapper &&
        c.count >= wrapper.count &&
        input.table.keys[c.cls].type === 'object' &&
        (c.tier === Tier.userClass || c.tier === Tier.shape || (c.tier === Tier.library && c.location !== null)),
    )
    .sort((a, b) => b.retained - a.retained)[0];
  if (!kept) return undefined;
  return { name: input.table.keys[kept.cls].name, type: 'object', count: kept.count };
}

/** True for an object vm.createContext contextified (its sandbox): Node gives it its context's global. */
function isVmSandbox(graph: HeapGraph, o: number): boolean {
  for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++)
    if (graph.edgeTypeName(e) === 'property' && graph.edgeName(e) === VM_CONTEXT_EDGE) return true;
  return false;
}

/**
 * A vm context kept per accumulated object (vm.createContext per call): as many sandboxes among the group's
 * objects, each with its context's own global and builtins.
 */
function vmContexts(
  input: FindingsInput,
  wrapper: ClassInGroup,
  classes: ClassInGroup[],
): { name: string; type: string; count: number } | undefined {
  const sandboxes = classes.find((c) => c.count >= wrapper.count && isVmSandbox(input.graph, c.sample));
  return sandboxes && { name: 'vm context', type: 'object', count: sandboxes.count };
}

/**
 * How many listeners (or timers) a group holds: what accumulates when that is a callback; else the callbacks
 * among the group's objects (the user's first), however few: 10 listeners keeping 2,000 records are 10.
 */
function listenerCount(pattern: FindingPattern, wrapper: ClassInGroup, classes: ClassInGroup[]): number | undefined {
  if (pattern !== 'listener') return undefined;
  // A page's listeners on the holder itself: the callbacks in its Blink table, not those of the DOM it keeps.
  const direct = classes.reduce((n, c) => n + c.direct, 0);
  if (direct > 0) return direct;
  if (wrapper.tier === Tier.userClosure) return undefined;
  const callbacks = classes
    .filter((c) => c.tier === Tier.userClosure && c.count <= wrapper.count)
    .sort((a, b) => b.count - a.count);
  return callbacks[0]?.count;
}

/** The facts each finding's words were made from: its places are the same objects as the finding's. */
const factsOf = new WeakMap<object, FindingFacts>();

function worded<T extends Finding>(facts: FindingFacts, finding: T): T {
  factsOf.set(finding, facts);
  finding.summary = findingSummary(facts);
  finding.fix = findingFix(facts);
  return finding;
}

/** Words a finding again, after source maps moved its places (source-maps.ts changes them in place). */
export function rewordFinding(finding: object): void {
  const facts = factsOf.get(finding);
  if (!facts) return;
  const f = finding as Finding;
  f.summary = findingSummary(facts);
  f.fix = findingFix(facts);
}

/**
 * A scope of the user's variables: a closure's (Node names it `system / Context`, Chrome
 * `system / Context / scope @ID`, a top-level script's too) or an ES module's exported binding,
 * which V8 keeps in a `system / Cell` of its own.
 */
const isScope = (name: string): boolean =>
  name === 'system / Context' || name.startsWith('system / Context / ') || name === 'system / Cell';

/** Node's `global`, a page's `Window` (Chrome names it `Window [JSGlobalObject] / URL`, or `Window / URL`). */
const isGlobalObject = (step: RetainerStep): boolean =>
  (/^(global|globalThis|Window)(\s|$)/.test(step.name) && step.type === 'object') ||
  (/^Window(\s|$)/.test(step.name) && step.type === 'native');
/** An async function's or generator's frame: its scope is the user's, the frame itself has no name to type. */
const isFrame = (step: RetainerStep): boolean => step.type === 'object' && /^(Async)?Generator$/.test(step.name);
const isLibraryStep = (step: RetainerStep): boolean =>
  step.location != null && !isUserScript(step.location.script) && !isRuntimeScript(step.location.script);
const isForeignStep = (step: RetainerStep | undefined): boolean =>
  step?.location != null && !isUserScript(step.location.script);

/**
 * Steps a user owns: an instance of their class or their function, a scope of
 * their function (or, when V8 no longer knows the scope's function, the scope
 * of their closure or async frame), a global holding something not the runtime's.
 */
function isOwnedStep(path: RetainerPath, i: number): boolean {
  const step = path[i];
  if (isFrame(step)) return false;
  if (isUserLocation(step.location)) return true;
  // A classic script's top-level let, const and class live in a script context of the ScriptContextTable: a
  // page's own names (Chrome's and an extension's scripts run in contexts of their own).
  if (isScope(step.name) && i > 0 && path[i - 1].name === 'system / ScriptContextTable') return true;
  if (isScope(step.name) && step.location == null && i > 0) return isUserLocation(path[i - 1].location);
  return isGlobalObject(step) && !isForeignStep(path[i + 1]);
}

/** V8's records of an ES module and its bindings: how one module reaches another's exports. */
const isModuleRecord = (step: RetainerStep): boolean =>
  step.name === 'system / SourceTextModule' || step.name === 'system / Cell';

/**
 * Steps that are V8's own state (feedback, allocation sites, code): a holder under them is the runtime's. A
 * Proxy, which V8 names `system / JSProxy` too, is the user's object: its target is theirs.
 */
const isRuntimeState = (step: RetainerStep): boolean =>
  step.name.startsWith('system / ') && !isScope(step.name) && step.name !== 'system / JSProxy';

/** An edge as typed in JavaScript: `.name`, `["odd name"]`, `[3]`; hidden and internal steps say nothing. */
function accessEdge(
  edge: RetainerStep['edge'],
  /** The user's variable holding the symbol of this description, when one does. */
  symbolVariable: (description: string) => string | undefined = () => undefined,
): string {
  if (!edge) return '';
  switch (edge.type) {
    case 'property':
    case 'context':
    case 'shortcut':
      // V8 names a symbol-keyed property `<symbol kEvents>` by its description: in code it is obj[kEvents], or
      // obj[kItems] when the user's kItems holds Symbol('items').
      if (/^<symbol .*>$/.test(edge.name)) {
        const description = edge.name.slice(8, -1);
        return `[${symbolVariable(description) ?? description}]`;
      }
      return propertyAccess(edge.name);
    case 'element':
      return `[${edge.name}]`;
    default:
      return '';
  }
}

/** A slot of a Map's table (`map` → `table` → `[6]`): V8 keeps each entry's key in the slot before its value's. */
const isMapValueSlot = (path: RetainerPath, i: number): boolean =>
  path[i].edge?.type === 'internal' &&
  /^\d+$/.test(path[i].edge?.name ?? '') &&
  path[i - 1].edge?.type === 'internal' &&
  path[i - 1].edge?.name === 'table' &&
  path[i - 2].name === 'Map';

/** Longest Map key written out in a holder's name. */
const MAX_KEY_CHARS = 40;

/** The key of the Map entry whose value is in `valueSlot` of the table: a string quoted, an object by the user's variable. */
function mapKey(graph: HeapGraph, tableNodeId: number, valueSlot: number): string | undefined {
  const table = graph.ordinalOfId(tableNodeId);
  if (table < 0) return undefined;
  const slot = String(valueSlot - 1);
  for (let e = graph.firstEdge(table); e < graph.firstEdge(table + 1); e++) {
    if (graph.edgeName(e) !== slot) continue;
    const key = graph.edgeTarget(e);
    // A long key (a URL, a JSON text) would drown the name: it reads as map.get(…).
    if (graph.nodeTypeName(key) === 'string')
      return graph.nodeName(key).length <= MAX_KEY_CHARS ? JSON.stringify(graph.nodeName(key)) : undefined;
    return userVariables(graph).get(graph.nodeId(key));
  }
  return undefined;
}

/** Names the heap graph gives accessPath (each read lazily: most findings need none). */
interface NameLookups {
  /** Objects that are a global's value (`process`, `console`) or an ES module's export, by node id: a name to start from when nothing is the user's. */
  globals?: () => ReadonlyMap<number, string>;
  /** True when the object (by node id) has a getter of this name on its prototypes: a private field is typed by it. */
  hasGetterOf?: (nodeId: number, name: string) => boolean;
  /** A getter on the object's prototypes (by node id) whose name ends the class's: `signal` for an AbortSignal. */
  getterFor?: (nodeId: number, className: string) => string | undefined;
  /** Objects that are the value of a variable of the user's scopes, by node id: the name they have in the user's code. */
  variables?: () => ReadonlyMap<number, string>;
  /** The user's variable holding the symbol of this description, when exactly one name does. */
  symbolVariable?: (description: string) => string | undefined;
  /** The name of the WeakMap whose table this is (by node id), when the user or the global object names it. */
  weakMapOf?: (tableNodeId: number) => string | undefined;
  /** A Map's key as typed (`"lobby"`, a variable's name), from its table (by node id) and its value's slot. */
  mapKeyOf?: (tableNodeId: number, valueSlot: number) => string | undefined;
  /** The function of a suspended async function's or generator's frame (by node id): its name and place. */
  frameFunction?: (frameNodeId: number) => { name: string; location: SourceLocation | null } | undefined;
}

/**
 * The holder as the user would reach it: from the last step on the path up to
 * the holder that is theirs (a variable of their scope, an instance of their
 * class, a global), the edges JavaScript-style (`marketFeed._events.tick`,
 * `cache`, `app._router.stack`); a scope holder is named by its variable.
 * Without such a step, the path's own names around the holder (paths.ts).
 */
function accessPath(
  path: RetainerPath,
  holderNodeId: number,
  /** A new array just below the holder that the objects sit in (an emitter's listener array made as they came): named too. */
  arrayBelow: number | null = null,
  lookups: NameLookups = {},
): {
  name: string;
  owned: boolean;
  library: boolean;
  runtimeState: boolean;
  location: SourceLocation | null;
  /** The holder is (or hangs from) a local of a suspended async function or generator, named by its function. */
  frameLocal?: boolean;
} {
  const {
    globals = () => new Map(),
    hasGetterOf = () => false,
    getterFor = () => undefined,
    variables = () => new Map(),
    symbolVariable = () => undefined,
    weakMapOf = () => undefined,
    mapKeyOf = () => undefined,
    frameFunction = () => undefined,
  } = lookups;
  const at = path.findIndex((step) => step.nodeId === holderNodeId);
  const library = path.slice(0, at + 1).some(isLibraryStep);
  let owner = -1;
  for (let i = at; i >= 0; i--)
    if (isOwnedStep(path, i)) {
      owner = i;
      break;
    }
  // Without a step of the user's, the names from the last scope (or global) on: timerListMap[3600000].
  let from = owner;
  // Else the value of a variable of the user's on the way, nearest the holder first (a library's emitter the user
  // keeps, reached through the server serving it), then a global's value (Node's `process`, however V8 reached it).
  /** The step nearest the holder, from it up to just below `above`, whose node `names` names. */
  const nearestNamed = (names: ReadonlyMap<number, string>, above: number): { at: number; name: string } | null => {
    for (let i = at; i > above; i--) {
      const name = names.get(path[i].nodeId);
      if (name !== undefined) return { at: i, name };
    }
    return null;
  };
  let globalName: string | undefined;
  if (from < 0) {
    const named = nearestNamed(variables(), 0) ?? nearestNamed(globals(), 0);
    if (named) [from, globalName] = [named.at, named.name];
  }
  // An owner of the user's above V8's module records (a module still running its top-level awaits, such as a test
  // file, reaches what another module exports through them): the export below those records is what they type.
  let exported = false;
  if (from >= 0 && path.slice(from + 1, at + 1).some(isModuleRecord)) {
    const named = nearestNamed(globals(), from);
    if (named) [from, globalName, exported] = [named.at, named.name, true];
  }
  if (from < 0) for (from = at; from > 0 && !isScope(path[from].name) && !isGlobalObject(path[from]); ) from--;
  // A suspended async function's or generator's frame below that: a local of it holds the objects (a register,
  // unnamed in the snapshot), reached through the promise it awaits. The function is what the user knows.
  const frame = suspendedFrame(path, Math.max(0, from), at, frameFunction);
  const runtimeState = at >= 0 && path.slice(frame?.local ?? Math.max(0, from + 1), at + 1).some(isRuntimeState);
  if (at < 0)
    return {
      name: holderLabel(path) ?? fallbackName(path, at),
      owned: false,
      library,
      runtimeState,
      location: null,
    };
  const ownerStep = path[Math.max(0, from)];
  // A closure names the variables of its scope; but what hangs from its properties (a class's static field) is
  // typed from the function: Widget.all.
  const closureScope = ownerStep.type === 'closure' && path[Math.max(0, from) + 1]?.edge?.type !== 'property';
  const scopeLike = owner < 0 || exported || isScope(ownerStep.name) || isGlobalObject(ownerStep) || closureScope;
  // A page's globals read as window.name; Node's as the bare name.
  let name =
    globalName ?? (owner >= 0 && isGlobalObject(ownerStep) && ownerStep.name.startsWith('Window') ? 'window' : '');
  if (frame) name = `a local variable of ${frame.name}()`;
  else if (!scopeLike) {
    const into = accessEdge(ownerStep.edge, symbolVariable);
    name = into.startsWith('.') ? into.slice(1) : into === '' ? ownerStep.name : `${ownerStep.name}${into}`;
  }
  // A scope holder (a closure's variables) is named by the variable the objects hang from.
  const last = at + 1 < path.length && (isScope(path[at].name) || path[at + 1].nodeId === arrayBelow) ? at + 1 : at;
  // A getter's value is in its closure's scope: `get router` then the variable reads .router.
  let inGetter = false;
  /** A library's internal field (`_name`) is in the name: the next one ends it. */
  let libraryInternal = false;
  for (let i = (frame?.local ?? Math.max(0, from)) + 1; i <= last; i++) {
    // Chrome's own objects (Blink's listener tables, bindings) have no names JavaScript can type: the name ends here.
    if (path[i].type === 'native' && isBrowserInternal(path[i].name, path[i].type)) break;
    // The page's document, however Blink reaches it from the window (a cached accessor): `document`.
    if (path[i].type === 'native' && /^(HTML|XML)?Document(\s|$)/.test(path[i].name)) {
      name = 'document';
      continue;
    }
    // Chrome's objects one of its objects reaches by index (the document's animation controller, a Range) have no
    // name to type; an element among them is named as the page reaches it (document.body, getElementById), and one
    // whose class its holder has a getter named for by that getter (AbortController's signal, an AbortSignal).
    if (path[i].type === 'native' && path[i].edge?.type === 'element' && path[i - 1].type === 'native') {
      const element = elementAccess(path[i].name);
      const getter = element === null && name !== '' ? getterFor(path[i - 1].nodeId, path[i].name) : undefined;
      if (element !== null) name = element;
      else if (getter !== undefined) name += `.${getter}`;
      continue;
    }
    // A WeakMap's value is kept by an internal edge from its key: the user reaches it as map.get(key).
    const pair = path[i].edge?.type === 'internal' ? WEAK_MAP_PAIR.exec(path[i].edge?.name ?? '') : null;
    const map = pair && name !== '' ? weakMapOf(Number(pair[1])) : undefined;
    if (map !== undefined) {
      name = `${map}.get(${name})`;
      continue;
    }
    // A Map's value, in its table's slot after its key's: map.get(key), or map.get(…) when the key has no name.
    if (name !== '' && i > 1 && isMapValueSlot(path, i)) {
      name = `${name}.get(${mapKeyOf(path[i - 1].nodeId, Number(path[i].edge?.name)) ?? '…'})`;
      continue;
    }
    const getter = path[i].edge?.type === 'property' ? /^get (.+)$/.exec(path[i].edge?.name ?? '') : null;
    if (inGetter && path[i].edge?.type === 'context') {
      inGetter = false;
      continue;
    }
    // A private field (#signal) is reached from outside its class by the getter of its name (AbortController's signal).
    // Without one, a library's private field (lru-cache's #valList) is no name its user can type: the name ends at
    // the object, as they hold it. Their own class's fields are theirs to type.
    const field = path[i].edge?.type === 'property' ? /^#(.+)$/.exec(path[i].edge?.name ?? '') : null;
    const fieldGetter = field !== null && hasGetterOf(path[i - 1].nodeId, field[1]);
    if (field && !fieldGetter && name !== '' && !isUserLocation(path[i - 1].location)) break;
    const edge = getter
      ? accessEdge({ type: 'property', name: getter[1] })
      : field && fieldGetter
        ? accessEdge({ type: 'property', name: field[1] })
        : accessEdge(path[i].edge, symbolVariable);
    if (getter) inGetter = true;
    if (edge === '') continue;
    // A library's internal field (by convention `_name`) inside another one is its implementation, no name its user
    // types: generic-pool's pool._waitingClientsQueue, not ._slots[0]._list below it. An emitter's _events is kept.
    if (/^\._(?!events$)/.test(edge) && isLibraryStep(path[i - 1])) {
      if (libraryInternal && name !== '') break;
      libraryInternal = true;
    }
    // A linked list's links (.next.next…) are no name to type: the list is named by what holds its head.
    const before = path[i - 1].edge;
    if (
      i > 1 &&
      before?.type === 'property' &&
      path[i].edge?.type === 'property' &&
      path[i].edge?.name === before.name
    ) {
      name = name === edge.slice(1) ? '' : name.slice(0, name.length - edge.length);
      break;
    }
    name = name === '' ? (edge.startsWith('.') ? edge.slice(1) : edge) : `${name}${edge}`;
  }
  if (name === '') name = holderLabel(path, holderNodeId) ?? fallbackName(path, at);
  // A closure's captured `this` is no name outside the method that made the closure: its class is.
  const captured = path[last]?.edge;
  if (captured?.type === 'context' && captured.name === 'this' && (name === 'this' || name.endsWith('.this')))
    if (isJsIdentifier(path[last].name)) name = path[last].name;
  if (frame) return { name, owned: true, library, runtimeState, location: frame.location, frameLocal: true };
  const location = owner >= 0 && !exported ? (ownerStep.location ?? null) : null;
  return { name, owned: owner >= 0, library, runtimeState, location };
}

/**
 * The last suspended frame of an async function or generator of the user's between `from` and the holder (at):
 * the path enters it by V8's `parameters_and_registers` and one register. Its name and place, and the index of
 * the register's value (a local the snapshot does not name).
 */
function suspendedFrame(
  path: RetainerPath,
  from: number,
  at: number,
  frameFunction: NonNullable<NameLookups['frameFunction']>,
): { name: string; location: SourceLocation | null; local: number } | undefined {
  for (let k = at - 2; k >= from; k--) {
    const registers = path[k + 1].edge;
    if (registers?.type !== 'internal' || registers.name !== 'parameters_and_registers') continue;
    const fn = frameFunction(path[k].nodeId);
    if (fn === undefined || !isUserLocation(fn.location) || !isJsIdentifier(fn.name)) return undefined;
    return { ...fn, local: k + 2 };
  }
  return undefined;
}

/** An element in the document as the page reaches it: `document.body`, `document.getElementById("app")`, else its tag. */
function elementAccess(name: string): string | null {
  const tag = /^<([a-zA-Z][\w-]*)/.exec(name)?.[1]?.toLowerCase();
  if (tag === undefined) return null;
  if (tag === 'body' || tag === 'head') return `document.${tag}`;
  if (tag === 'html') return 'document.documentElement';
  const id = /\sid="([^"]*)"/.exec(name)?.[1];
  return id ? `document.getElementById(${JSON.stringify(id)})` : name;
}

/** Prototypes followed up from an object for its getters. */
const MAX_PROTOTYPE_DEPTH = 4;

/**
 * The getters defined on the object's prototypes, nearest first (V8 lists an accessor as a `get name` property of
 * the object that defines it, and each object's prototype as its `__proto__`).
 */
function prototypeGetters(graph: HeapGraph, nodeId: number): string[] {
  const property = graph.edgeTypeNames.indexOf('property');
  const getters: string[] = [];
  let o = graph.ordinalOfId(nodeId);
  for (let depth = 0; depth < MAX_PROTOTYPE_DEPTH && o >= 0; depth++) {
    let prototype = -1;
    for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++) {
      if (graph.edgeTypeIndex(e) !== property) continue;
      const edge = graph.edgeName(e);
      if (edge === '__proto__') prototype = graph.edgeTarget(e);
      else if (depth > 0 && edge.startsWith('get ')) getters.push(edge.slice(4));
    }
    o = prototype;
  }
  return getters;
}

/**
 * The getter on the object's prototypes whose name, capitalised, ends the class name of what it returns:
 * `signal` of an AbortController for its AbortSignal; the longest when several do (the nearest of equal length).
 */
function getterNamedFor(graph: HeapGraph, nodeId: number, className: string): string | undefined {
  let best: string | undefined;
  for (const getter of prototypeGetters(graph, nodeId)) {
    if (!/^[a-z]\w*$/.test(getter) || (best !== undefined && best.length >= getter.length)) continue;
    if (className.endsWith(getter.charAt(0).toUpperCase() + getter.slice(1))) best = getter;
  }
  return best;
}

/**
 * True when a getter `name` is defined on the object's prototypes: how code outside a class reaches one of its
 * private fields, as Node's AbortController exposes `#signal`.
 */
function hasGetter(graph: HeapGraph, nodeId: number, name: string): boolean {
  return prototypeGetters(graph, nodeId).includes(name);
}

function fallbackName(path: RetainerPath, at: number): string {
  const step = path[at] ?? path[path.length - 1];
  return step ? step.name : '(unknown)';
}

/**
 * The pattern, from the graph's structure around the group (docs/findings.md), never from the
 * user's names: how the objects accumulate below their holder (accumulation). Held only by a
 * running function (a script's top level still running, a batch job's locals), that is what to
 * fix when the graph says (a listener, a timer, a queue) or when the holder is a variable of the
 * user's scope (a batch script's module-level `results`, kept in its closures' context, named);
 * otherwise (an unnamed local in the running frame) the stack is.
 */
function patternOf(
  input: FindingsInput,
  wrapper: ClassInGroup,
  below: FindingPattern,
  inUserVariable: boolean,
): FindingPattern {
  if (viaName(input.trace.via[wrapper.sample]) !== 'stack' || inUserVariable) return below;
  return below === 'collection' || below === 'other' ? 'stack' : below;
}

/**
 * The holder is a scope (the objects hang off one of its variables: `results`), the value of a scope's variable,
 * or reached from one by properties and elements (`state.rows`).
 */
function inScopeVariable(path: RetainerPath, holderNodeId: number): boolean {
  const at = path.findIndex((step) => step.nodeId === holderNodeId);
  if (at >= 0 && path[at + 1]?.edge?.type === 'context') return true;
  for (let i = at; i > 0; i--) {
    const edge = path[i].edge;
    if (edge?.type === 'context') return true;
    if (edge?.type !== 'property' && edge?.type !== 'element' && edge?.type !== 'internal') return false;
  }
  return false;
}

/** The pattern from how the objects accumulate below their holder. */
function accumulation(
  input: FindingsInput,
  holder: number,
  path: RetainerPath,
  holderNodeId: number,
  wrapper: ClassInGroup,
  candidates: ClassInGroup[],
  /** A closure among the candidates keeps the previous one of its class through its scope (chainedClosure). */
  chained: boolean,
): FindingPattern {
  const { graph, table } = input;
  const name = (c: ClassInGroup): string => table.keys[c.cls].name;
  // Closures that each keep the previous one (an undo stack built as `undo = () => { previous(); … }`) are the chain
  // whatever each also keeps (an editor and its detached DOM): the chain is what grows.
  if (chained) return 'closure-chain';
  // Callbacks the page handed to the browser, whatever they keep (detached DOM too): a frame requested again and
  // again is a timer never cleared; an observer never disconnected, a listener never removed.
  const handed = browserCallbacks(path, holderNodeId);
  if (handed === 'animation-frame') return 'timer';
  if (handed !== null) return 'listener';
  // Detached DOM kept by a listener on a live object (the document, the window): the listener is what to fix. So
  // it is when callbacks accumulate and keep it (a subscriber closure in a store's list, a timer's callback).
  const keepsDetached = candidates.some((c) => isDetachedName(name(c))) && !underBlinkListeners(path, holderNodeId);
  const at = path.findIndex((step) => step.nodeId === holderNodeId);
  // What sits in the holder itself: a library's subscriber records (rxjs's subscriber, its destination, its
  // observer, the user's callback) make the holder a subscriber list, whatever DOM their callbacks keep.
  const entry = at >= 0 && at + 1 < path.length ? graph.ordinalOfId(path[at + 1].nodeId) : -1;
  const callbackEntry =
    entry >= 0 &&
    input.memberClass[entry] !== NOT_NEW &&
    (isSubscriber(graph, entry) || isCallbackRecord(input, entry, CALLBACK_DEPTH + 1));
  if (keepsDetached && graph.nodeTypeName(wrapper.sample) !== 'closure' && !callbackEntry) return 'detached-dom';
  // Node's timers (a JavaScript class of node:internal/timers) and a page's DOMTimer, when the objects hang
  // from them: a timer inside what leaks (a socket's cleared close timer) does not keep it.
  if (isTimerStep({ name: name(wrapper), location: wrapper.location }) || path.slice(Math.max(0, at)).some(isTimerStep))
    return spentTimers(path, name(wrapper), holderNodeId) ? 'collection' : 'timer';
  // An emitter's listener table: Node's EventEmitter (_events), EventTarget (kEvents), Blink's listeners. Only
  // the steps from the holder up to the nearest scope or function count: a cache a listener's closure keeps is not one.
  let top = at;
  while (top > 0 && path[top - 1].type !== 'closure' && !isScope(path[top - 1].name)) top--;
  const around = path.slice(Math.max(0, top), at + 2);
  if (
    underBlinkListeners(path, holderNodeId) ||
    around.some(
      (step) =>
        (step.edge !== null && /^(_events|<symbol kEvents>|kEvents)$/.test(step.edge.name)) ||
        /EventListener/.test(step.name),
    )
  )
    return 'listener';
  // Work waiting on a promise that never settles: reactions on an old promise, or pending promises piling up (what
  // accumulates, or a deferred's: {resolve, promise}, or {task, resolve, reject} whose resolve functions keep it). A
  // promise deeper inside the entries (an upload's own `finished`) is their state, not work queued in the holder.
  const isPromise = (c: ClassInGroup): boolean =>
    /^(Promise|PromiseReaction|system \/ PromiseReaction)$/.test(name(c)) && c.location === null;
  // Promises settled long ago (a cache of them: DataLoader's, a memoised loader) keep their results: a collection.
  if (
    graph.constructorName(holder) === 'Promise' ||
    candidates.some(
      (c) =>
        isPromise(c) && (c === wrapper ? !isSettled(graph, wrapper.sample) : deferredOf(input, wrapper.sample, c.cls)),
    ) ||
    (entry >= 0 && resolvesNewPromise(input, entry)) ||
    awaitedThroughScope(input, wrapper.sample)
  )
    return 'queue';
  if (keepsDetached) return 'listener';
  if (keepsPreviousThroughScope(input, wrapper)) return 'closure-chain';
  if (linkedBySameEdge(input, wrapper)) return 'queue';
  if (isCallbackRecord(input, wrapper.sample))
    return servedOnce(path, at, wrapper.location?.script) ? 'queue' : 'listener';
  const holderName = graph.constructorName(holder);
  if (
    /^(Array|Object|Map|Set|WeakMap|WeakSet)$/.test(holderName) ||
    graph.shapeIndex(holder) >= 0 ||
    graph.nodeTypeName(holder) === 'array' ||
    isScope(holderName)
  )
    return 'collection';
  return 'other';
}

/**
 * True when the callbacks sit in an array (the holder, or the array just below it) that the code defining its owner
 * (or, for a plain object, the callbacks' own script) takes one entry at a time from (`this.waiting.shift()`): waiters
 * each served once, a pool's acquire() callbacks never served, not listeners kept to be called again.
 */
function servedOnce(path: RetainerPath, at: number, fallbackScript: string | undefined): boolean {
  const k = path[at]?.name === 'Array' ? at : path[at + 1]?.name === 'Array' ? at + 1 : -1;
  const edge = k > 0 ? path[k].edge : null;
  if (edge?.type !== 'property') return false;
  const script = path[k - 1].location?.script ?? fallbackScript;
  return script !== undefined && takesOneAtATime(script, edge.name);
}

/**
 * True when Blink's listener table (EventTargetData, RegisteredEventListener, V8EventListener) lies between the
 * holder and the objects, in the run of Chrome's own objects around the holder: a page's event listeners.
 */
function underBlinkListeners(path: RetainerPath, holderNodeId: number): boolean {
  const at = path.findIndex((step) => step.nodeId === holderNodeId);
  if (at < 0) return false;
  const internal = (step: RetainerStep): boolean => step.type === 'native' && isBrowserInternal(step.name, step.type);
  let first = at;
  while (first > 0 && internal(path[first])) first--;
  for (let i = first; i < path.length && (i <= at || internal(path[i])); i++)
    if (/^blink::EventTargetData$|EventListener$/.test(path[i].name)) return true;
  return false;
}

/**
 * The callbacks a page handed to the browser that hold the objects, from the browser's own records between the
 * holder and them: `animation-frame` (requestAnimationFrame's, in the document's animation controller), or an
 * observer's kind (`MutationObserver`: its callback, from each node it observes); null for any other holder.
 */
function browserCallbacks(path: RetainerPath, holderNodeId: number): 'animation-frame' | `${string}Observer` | null {
  const at = path.findIndex((step) => step.nodeId === holderNodeId);
  for (let i = Math.max(0, at); i < path.length && path[i].type === 'native'; i++) {
    if (/^(ScriptedAnimationController|V8FrameRequestCallback)$/.test(path[i].name)) return 'animation-frame';
    if (/^[A-Z]\w*Observer$/.test(path[i].name)) return path[i].name as `${string}Observer`;
  }
  return null;
}

/** Node's timers (a JavaScript class of node:internal/timers) and a page's DOMTimer. */
function isTimerStep(step: { name: string; location?: SourceLocation | null }): boolean {
  const { name, location } = step;
  return (
    (/^(Timeout|Immediate)$/.test(name) && (location == null || isRuntimeScript(location.script))) ||
    name === 'DOMTimer'
  );
}

/**
 * True when a FinalizationRegistry's cell on the path watches, as its weak target, the object at its end, which
 * the path reaches through the cell's held value: the held value keeps its own target, never collected.
 */
function heldByTheirCell(graph: HeapGraph, path: RetainerPath, o: number): boolean {
  for (const step of path) {
    if (step.name !== 'system / WeakCell') continue;
    const cell = graph.ordinalOfId(step.nodeId);
    for (let e = graph.firstEdge(cell); e < graph.firstEdge(cell + 1); e++)
      if (graph.edgeTarget(e) === o && graph.edgeName(e) === 'target') return true;
  }
  return false;
}

/**
 * A generator object (V8 names it by its generator function, `worker`): an object with the function it runs and
 * its suspended frame's registers.
 */
function isGeneratorObject(graph: HeapGraph, o: number): boolean {
  if (graph.nodeTypeName(o) !== 'object') return false;
  let fn = false;
  let registers = false;
  for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++) {
    if (graph.edgeTypeName(e) !== 'internal') continue;
    const name = graph.edgeName(e);
    if (name === 'function' && graph.nodeTypeName(graph.edgeTarget(e)) === 'closure') fn = true;
    else if (name === 'parameters_and_registers') registers = true;
  }
  return fn && registers;
}

/**
 * The calls of a user's async function suspended at an await among a group of callbacks waiting: their frames, at
 * least one for two callbacks (an await's fulfilled and rejected).
 */
function awaitingCalls(input: FindingsInput, wrapper: ClassInGroup, classes: ClassInGroup[]): FindingFacts['awaiting'] {
  const frames = classes
    .filter((c) => c.count * 2 >= wrapper.count && isGeneratorObject(input.graph, c.sample))
    .sort((a, b) => b.count - a.count)[0];
  if (!frames) return undefined;
  const fn = frameFunctionOf(input.graph, input.graph.nodeId(frames.sample));
  if (!fn || !isUserLocation(fn.location) || !isJsIdentifier(fn.name)) return undefined;
  return { count: frames.count, ...fn };
}

/** The function a suspended frame (an async function's or generator's object) runs: V8's `function` edge. */
function frameFunctionOf(
  graph: HeapGraph,
  frameNodeId: number,
): { name: string; location: SourceLocation | null } | undefined {
  const o = graph.ordinalOfId(frameNodeId);
  if (o < 0 || !isGeneratorObject(graph, o)) return undefined;
  for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++)
    if (graph.edgeTypeName(e) === 'internal' && graph.edgeName(e) === 'function') {
      const fn = graph.edgeTarget(e);
      return { name: graph.nodeName(fn), location: sourceIndex(graph).locationOf(fn) };
    }
  return undefined;
}

/**
 * True when the last timer on the path keeps the object at its end through no function: the timer's own fields
 * (its AsyncLocalStorage store, its arguments), not its callback's scope.
 */
/**
 * True when the objects hang from Node's timers (Timeout, Immediate: `wrapper` or on the path) that Node's own
 * lists no longer hold (no TimersList, no immediate queue on the way): timers that ran or were cleared, kept by the
 * user's collection. Node lets go of a timer once it has run; clearTimeout on these would change nothing.
 */
function spentTimers(path: RetainerPath, wrapper: string, holderNodeId: number): boolean {
  if (path.some((step) => step.name === 'DOMTimer')) return false;
  // Below the holder: a timer above it (a module's interval whose callback reaches the holder) keeps the holder.
  const below = path.slice(path.findIndex((step) => step.nodeId === holderNodeId) + 1);
  if (!/^(Timeout|Immediate)$/.test(wrapper) && !below.some((step) => /^(Timeout|Immediate)$/.test(step.name)))
    return false;
  return !path.some(
    (step) =>
      /^(TimersList|ImmediateList)$/.test(step.name) || /^(timerListMap|immediateQueue)$/.test(step.edge?.name ?? ''),
  );
}

/**
 * The library's object a Node timer runs (its `_onTimeout`, the first object with a place below the timer) when
 * it is a library's, not the user's: rxjs's AsyncAction for interval(). The user did not start that timer.
 */
function timerLibrary(path: RetainerPath): { name: string; location: SourceLocation } | undefined {
  const t = path.findLastIndex(isTimerStep);
  if (t < 0 || path[t].name === 'DOMTimer') return undefined;
  const runs = path.slice(t + 1).find((step) => step.location != null);
  if (!runs?.location || isUserLocation(runs.location) || isRuntimeScript(runs.location.script)) return undefined;
  return { name: runs.name, location: runs.location };
}

function keptByTimer(path: RetainerPath): boolean {
  const t = path.findLastIndex(isTimerStep);
  return t >= 0 && !path.slice(t + 1, -1).some((step) => step.type === 'closure');
}

/**
 * An rxjs Subscriber (rxjs 6 and 7, minified or not: its fields keep their names): the record a Subject keeps in
 * `observers` per subscription, which reaches the subscriber's callbacks through `destination`, however many
 * operators (pipe) lie between.
 */
function isSubscriber(graph: HeapGraph, o: number): boolean {
  if (graph.nodeTypeName(o) !== 'object') return false;
  let destination = false;
  let stopped = false;
  for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++) {
    if (graph.edgeTypeName(e) !== 'property') continue;
    const name = graph.edgeName(e);
    if (name === 'destination') destination = true;
    else if (name === 'isStopped') stopped = true;
  }
  return destination && stopped;
}

/** The new Subscriber records among the elements of `holder` (a Subject's `observers`): its subscriptions. */
function subscribersIn(input: FindingsInput, holder: number): number {
  const { graph, memberClass } = input;
  if (holder < 0) return 0;
  let count = 0;
  for (let e = graph.firstEdge(holder); e < graph.firstEdge(holder + 1); e++) {
    const to = graph.edgeTarget(e);
    if (graph.isElementEdge(e) && memberClass[to] !== NOT_NEW && isSubscriber(graph, to)) count++;
  }
  return count;
}

/** The class of most new elements of an array holder, and how many (an undo history's copies of the state). */
function newEntriesOf(input: FindingsInput, holder: number): FindingFacts['entries'] {
  const { graph, memberClass } = input;
  const counts = new Map<string, number>();
  for (let e = graph.firstEdge(holder); e < graph.firstEdge(holder + 1); e++) {
    const to = graph.edgeTarget(e);
    if (!graph.isElementEdge(e) || memberClass[to] === NOT_NEW) continue;
    const name = graph.className(to);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  let top: FindingFacts['entries'];
  for (const [name, count] of counts) if (!top || count > top.count) top = { name, type: 'object', count };
  return top;
}

/** Words that name an array of work to do again or later (`retryQueue`, `pendingRequests`, `failedUploads`). */
const QUEUE_WORDS = /queue|retr(y|ies)|pending|backlog|outbox|waiting|failed/i;
/** Words that name an array of states to go back to (`undoStack`, `history`, redux-undo's `past`); not `stack`: express's router.stack is its routes. */
const HISTORY_WORDS = /undo|redo|history|^past$/i;

/**
 * What an array of callbacks or records is for, by the last name of its access path (`editor.undoStack` →
 * history), when the name says: a queue of work, an undo history; null otherwise (a subscriber list, a cache).
 */
export function roleByName(access: string): 'queue' | 'history' | null {
  // An emitter's listeners for an event ('failed', 'retry') are named by the event: a listener list all the same.
  if (/(^|\.)_events\b|kEvents/.test(access)) return null;
  const last =
    access
      .split(/[.[\]"']/)
      .filter(Boolean)
      .pop() ?? '';
  if (HISTORY_WORDS.test(last)) return 'history';
  if (QUEUE_WORDS.test(last)) return 'queue';
  return null;
}

/** Steps below a record that a callback of the user's may sit behind (a subscriber's observer, a handler's options). */
const CALLBACK_DEPTH = 3;

/**
 * True for a closure; a plain record one of whose own properties is a function (an interceptor, a route layer);
 * or a library's record that reaches a callback of the user's a few new objects down (an rxjs subscriber:
 * destination, observer, next). An emitter's own listeners (_events, kEvents) do not count: they go with it.
 */
function isCallbackRecord(input: FindingsInput, o: number, maxDepth = CALLBACK_DEPTH): boolean {
  const { graph, memberClass } = input;
  const type = graph.nodeTypeName(o);
  if (type === 'closure') return true;
  if (type !== 'object') return false;
  const index = sourceIndex(graph);
  if (isUserLocation(index.locationOf(o)) && graph.constructorName(o) !== 'Object') return false; // an instance of the user's class
  // A plain record ({fulfilled, rejected}) is a callback record by any function of its own; an instance of a
  // library's class only by one of the user's (express's Layer.handle: their middleware; not a request's req.next).
  const plainRecord = graph.shapeIndex(o) >= 0 || graph.constructorName(o) === 'Object';
  const queue: Array<[number, number]> = [[o, 0]];
  const seen = new Set<number>([o]);
  for (let head = 0; head < queue.length && seen.size < MAX_VISITS; head++) {
    const [from, depth] = queue[head];
    for (let e = graph.firstEdge(from); e < graph.firstEdge(from + 1); e++) {
      if (graph.edgeTypeName(e) !== 'property') continue;
      const name = graph.edgeName(e);
      if (/^(constructor|__proto__|_events|kEvents|<symbol kEvents>)$/.test(name)) continue;
      const to = graph.edgeTarget(e);
      if (graph.nodeTypeName(to) === 'closure') {
        if ((depth === 0 && plainRecord) || isUserLocation(index.locationOf(to))) return true;
        continue;
      }
      if (depth + 1 >= maxDepth || seen.has(to) || memberClass[to] === NOT_NEW) continue;
      if (graph.nodeTypeName(to) !== 'object') continue;
      seen.add(to);
      queue.push([to, depth + 1]);
    }
  }
  return false;
}

/**
 * True for a settled promise: V8 keeps a pending one's reactions in `reactions_or_result` (none yet: no edge), a
 * settled one's value.
 */
function isSettled(graph: HeapGraph, promise: number): boolean {
  if (graph.constructorName(promise) !== 'Promise') return false;
  for (let e = graph.firstEdge(promise); e < graph.firstEdge(promise + 1); e++)
    if (graph.edgeName(e) === 'reactions_or_result')
      return !/^(system \/ )?PromiseReaction$/.test(graph.nodeName(graph.edgeTarget(e)));
  return false;
}

/**
 * For a queue whose entries are a linked list's links (`{prev, next, data}`): the class each link holds by a property
 * (a pool's ResourceRequest), as many as the links, when it is not what leaks: what is pending, in the library's terms.
 */
function linkedItem(
  input: FindingsInput,
  wrapper: ClassInGroup,
  leaked: ClassInGroup,
  candidates: ClassInGroup[],
): { name: string; count: number } | undefined {
  if (wrapper === leaked || !linkedBySameEdge(input, wrapper)) return undefined;
  const item = candidates.find(
    (c) =>
      c !== wrapper &&
      c !== leaked &&
      c.tier <= Tier.library &&
      c.count * 2 >= wrapper.count &&
      hasPropertyOfClass(input, wrapper.sample, c.cls),
  );
  return item && { name: input.table.keys[item.cls].name, count: item.count };
}

/** A linked list: the sample reaches another new object of its class by a property edge (next, _next, prev…). */
function linkedBySameEdge(input: FindingsInput, wrapper: ClassInGroup): boolean {
  return wrapper.count >= 2 && hasPropertyOfClass(input, wrapper.sample, wrapper.cls);
}

/**
 * True when `o` is a deferred of a promise of class `cls`: the promise is one of its properties, or a property is
 * one of the promise's resolving functions (V8's builtins, which keep the promise in their context).
 */
function deferredOf(input: FindingsInput, o: number, cls: number): boolean {
  const { graph, memberClass } = input;
  if (hasPropertyOfClass(input, o, cls)) return true;
  for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++) {
    const fn = graph.edgeTarget(e);
    if (graph.edgeTypeName(e) !== 'property' || graph.nodeTypeName(fn) !== 'closure') continue;
    if (isUserLocation(sourceIndex(graph).locationOf(fn))) continue; // the user's callback, not V8's resolve
    for (let f = graph.firstEdge(fn); f < graph.firstEdge(fn + 1); f++) {
      if (graph.edgeName(f) !== 'context') continue;
      const scope = graph.edgeTarget(f);
      for (let g = graph.firstEdge(scope); g < graph.firstEdge(scope + 1); g++)
        if (memberClass[graph.edgeTarget(g)] === cls) return true;
    }
  }
  return false;
}

/**
 * True for a promise's resolve or reject function (V8's, not the user's: it keeps its promise in its scope) whose
 * promise is new: kept in the holder and never called, the work waiting on it never runs.
 */
function resolvesNewPromise(input: FindingsInput, o: number): boolean {
  const { graph, memberClass } = input;
  if (graph.nodeTypeName(o) !== 'closure' || isUserLocation(sourceIndex(graph).locationOf(o))) return false;
  for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++) {
    if (graph.edgeName(e) !== 'context') continue;
    const scope = graph.edgeTarget(e);
    for (let f = graph.firstEdge(scope); f < graph.firstEdge(scope + 1); f++) {
      const to = graph.edgeTarget(f);
      if (memberClass[to] !== NOT_NEW && graph.constructorName(to) === 'Promise') return true;
    }
  }
  return false;
}

/** V8's builtin code of a promise's resolving functions (the resolve and reject a Promise executor is given). */
const RESOLVING_CODE = /^\(PromiseCapabilityDefault(Resolve|Reject) builtin/;

/**
 * True when an entry is work someone awaits: a closure (the entry, or a function of its own) whose scope, or a new
 * scope around it, keeps a promise's resolving functions (p-queue's `run`, inside the executor of the promise
 * add() returned). Only new scopes count: a module's scope keeps anything.
 */
function awaitedThroughScope(input: FindingsInput, o: number): boolean {
  const { graph, memberClass } = input;
  const closures = graph.nodeTypeName(o) === 'closure' ? [o] : [];
  if (graph.nodeTypeName(o) === 'object')
    for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++)
      if (graph.edgeTypeName(e) === 'property' && graph.nodeTypeName(graph.edgeTarget(e)) === 'closure')
        closures.push(graph.edgeTarget(e));
  const isResolving = (fn: number): boolean => {
    for (let e = graph.firstEdge(fn); e < graph.firstEdge(fn + 1); e++)
      if (graph.edgeName(e) === 'code' && RESOLVING_CODE.test(graph.nodeName(graph.edgeTarget(e)))) return true;
    return false;
  };
  const internalEdge = (from: number, name: string): number => {
    for (let e = graph.firstEdge(from); e < graph.firstEdge(from + 1); e++)
      if (graph.edgeTypeName(e) === 'internal' && graph.edgeName(e) === name) return graph.edgeTarget(e);
    return -1;
  };
  for (const fn of closures) {
    let scope = internalEdge(fn, 'context');
    for (let depth = 0; depth < MAX_SCOPE_DEPTH && scope >= 0 && memberClass[scope] !== NOT_NEW; depth++) {
      for (let e = graph.firstEdge(scope); e < graph.firstEdge(scope + 1); e++)
        if (graph.edgeTypeName(e) === 'context' && graph.nodeTypeName(graph.edgeTarget(e)) === 'closure')
          if (isResolving(graph.edgeTarget(e))) return true;
      scope = internalEdge(scope, 'previous');
    }
  }
  return false;
}

/** True when one of `o`'s property edges leads to a new object of class `cls`. */
function hasPropertyOfClass(input: FindingsInput, o: number, cls: number): boolean {
  const { graph, memberClass } = input;
  for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++) {
    if (graph.edgeTypeName(e) !== 'property') continue;
    if (memberClass[graph.edgeTarget(e)] === cls) return true;
  }
  return false;
}

/** Closures of one class followed through their scopes' variables before a group reads as a chain of them. */
const MIN_CHAIN_LINKS = 2;

/**
 * A closure of the user's among the candidates whose scope (or an enclosing one) holds, in a variable, another new
 * closure of the same function, whose scope holds another, MIN_CHAIN_LINKS times: the head of a chain of closures
 * (`const previous = last; last = () => previous()`); else -1.
 */
function chainedClosure(input: FindingsInput, candidates: ClassInGroup[]): number {
  const { graph, memberClass } = input;
  const context = graph.edgeTypeNames.indexOf('context');
  /** The next closure of class `cls` a variable of o's scopes holds, or -1. */
  const next = (o: number, cls: number): number => {
    let scope = -1;
    for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++)
      if (graph.edgeTypeName(e) === 'internal' && graph.edgeName(e) === 'context') scope = graph.edgeTarget(e);
    for (let depth = 0; depth < MAX_SCOPE_DEPTH && scope >= 0; depth++) {
      let outer = -1;
      for (let e = graph.firstEdge(scope); e < graph.firstEdge(scope + 1); e++) {
        const to = graph.edgeTarget(e);
        if (graph.edgeTypeIndex(e) === context && to !== o && memberClass[to] === cls) return to;
        if (graph.edgeTypeName(e) === 'internal' && graph.edgeName(e) === 'previous') outer = to;
      }
      // Only the closure's own scopes that are new with it: an old enclosing scope is shared by every closure.
      scope = outer >= 0 && memberClass[outer] !== NOT_NEW ? outer : -1;
    }
    return -1;
  };
  const index = sourceIndex(graph);
  const sameFunction = (a: number, b: number): boolean => {
    const [x, y] = [index.locationOf(a), index.locationOf(b)];
    return x !== null && y !== null && x.script === y.script && x.line === y.line && x.column === y.column;
  };
  for (const c of candidates) {
    if (graph.nodeTypeName(c.sample) !== 'closure' || c.count <= MIN_CHAIN_LINKS) continue;
    for (const head of new Set([c.sample, c.userSample ?? c.sample])) {
      // The user's function, made again and again, each capturing the one made before.
      if (!isUserLocation(index.locationOf(head))) continue;
      const seen = new Set<number>([head]);
      let at = head;
      for (let links = 0; links < MIN_CHAIN_LINKS; links++) {
        at = next(at, c.cls);
        if (at < 0 || seen.has(at) || !sameFunction(at, head)) break;
        seen.add(at);
      }
      if (seen.size > MIN_CHAIN_LINKS) return head;
    }
  }
  return -1;
}

/**
 * A closure chain: from the sample, through new objects only, a closure's
 * scope (a Context) leads to another new object of its class, a few steps away.
 */
function keepsPreviousThroughScope(input: FindingsInput, wrapper: ClassInGroup): boolean {
  const { graph, memberClass } = input;
  if (wrapper.count < 2) return false;
  const start = wrapper.sample;
  // Breadth-first, at most 4 steps and MAX_VISITS nodes; each entry: node, depth, whether a scope was crossed.
  const queue: Array<[number, number, boolean]> = [[start, 0, false]];
  const seen = new Set<number>([start]);
  for (let head = 0; head < queue.length && seen.size < MAX_VISITS; head++) {
    const [o, depth, crossed] = queue[head];
    if (depth >= 4) continue;
    for (let e = graph.firstEdge(o); e < graph.firstEdge(o + 1); e++) {
      if (graph.isWeakEdge(e)) continue;
      const to = graph.edgeTarget(e);
      if (memberClass[to] === NOT_NEW || seen.has(to)) continue;
      const viaScope = crossed || isScope(graph.nodeName(to));
      if (memberClass[to] === wrapper.cls && viaScope) return true;
      seen.add(to);
      queue.push([to, depth + 1, viaScope]);
    }
  }
  return false;
}

/**
 * The place in the user's code: the first frame of theirs in the leaked
 * object's allocation stack; else, for a timer, listener, queue or chain, their callback;
 * else the leaked class or callback; else any callback of theirs in the group;
 * else the function whose scope holds the holder.
 */
function siteOf(
  input: FindingsInput,
  pattern: FindingPattern,
  leaked: ClassInGroup,
  wrapper: ClassInGroup,
  userClosure: ClassInGroup | undefined,
  ownerLocation: SourceLocation | null,
): SourceLocation | null {
  const { graph } = input;
  const index = sourceIndex(graph);
  if (index.hasTraces) {
    for (const o of [leaked.sample, wrapper.sample]) {
      const frames = index.allocationFrames(graph.nodeTraceNodeId(o)) ?? [];
      const frame = frames.find((f) => f.line > 0 && isUserScript(f.script));
      if (frame) return { script: frame.script, line: frame.line, column: frame.column };
    }
  }
  if (
    (pattern === 'timer' || pattern === 'listener' || pattern === 'closure-chain' || pattern === 'queue') &&
    userClosure
  )
    return userClosure.location;
  if (isUserLocation(leaked.location)) return leaked.location;
  if (userClosure) return userClosure.location;
  if (isUserLocation(wrapper.location)) return wrapper.location;
  // Records made by an object literal (`{ id, cells }`): the function of theirs whose literal it is.
  for (const c of [leaked, wrapper]) {
    const literal = graph.nodeTypeName(c.sample) === 'object' ? index.literalLocation(c.sample) : null;
    if (isUserLocation(literal)) return literal;
  }
  // An ES module's top-level scope is its module function, placed at its first character: no place to point to.
  const moduleStart = ownerLocation?.line === 1 && ownerLocation.column <= 1;
  return isUserLocation(ownerLocation) && !moduleStart ? ownerLocation : null;
}

/**
 * True when byte growth (its path) lies within what a counted finding reports: the object on the finding's path
 * below its holder, or reached through its callback (at the finding's place) or an object of its leaked class. A frame callback never cancelled whose samples array keeps
 * growing is one leak, not two.
 */
export function grownInside(path: RetainerPath | null, finding: Finding): boolean {
  if (finding.pattern === 'bytes' || !path) return false;
  // The object that grows is on the finding's own path at or below its holder: the list its objects accumulate
  // in (a timer list of the timers it counts), however the finding's holder was named.
  const grown = path.at(-1)?.nodeId;
  const holder = finding.retainerPath.findIndex((step) => step.nodeId === finding.holder.nodeId);
  if (holder >= 0 && finding.retainerPath.slice(holder).some((step) => step.nodeId === grown)) return true;
  // One of the lists right inside the finding's holder (a Map of arrays, only V8's table between): where its
  // objects accumulate, each list of a finding merged over them (mergeSiblings).
  const inHolder = path.findIndex((step) => step.nodeId === finding.holder.nodeId);
  if (inHolder >= 0 && inHolder < path.length - 1 && path.slice(inHolder + 1, -1).every(isV8Table)) return true;
  const same = (a: SourceLocation | null | undefined, b: SourceLocation | null | undefined): boolean =>
    a != null && b != null && isUserLocation(a) && a.script === b.script && a.line === b.line;
  return path.some(
    (step) =>
      (step.type === 'closure' && same(step.location, finding.site)) ||
      (step.name === finding.leaked.name &&
        step.type === finding.leaked.type &&
        same(step.location, finding.leaked.location)),
  );
}

/** Byte growth (growth.ts) as a finding: one object whose retained size grows with the calls. */
/** Byte growth of `count` objects side by side (byteGroups): their sizes summed, the label their collection's. */
export type ByteGroup = ByteGrowth & { count: number };

/**
 * The objects growing in bytes, those that grow side by side as one: the same class at the same depth, one per
 * key of one object (a hits array per client of a rate limiter, a samples array per chart), the paths equal
 * above that object and alike below it. One group names them by the collection (`rateLimits[…].hits`) and sums
 * their sizes; an object growing alone is a group of one, as it was.
 */
export function byteGroups(growth: readonly ByteGrowth[]): ByteGroup[] {
  const buckets = new Map<string, ByteGrowth[]>();
  for (const g of growth) {
    const key = `${g.type}\u0000${g.name}\u0000${g.retainerPath?.length ?? -1}`;
    const bucket = buckets.get(key);
    if (bucket) bucket.push(g);
    else buckets.set(key, [g]);
  }
  const groups: ByteGroup[] = [];
  for (const bucket of buckets.values()) {
    const merged = bucket.length > 1 ? sideBySide(bucket) : null;
    if (merged) groups.push(merged);
    else groups.push(...bucket.map((g) => ({ ...g, count: 1 })));
  }
  // In the order they came (the trend's, most specific first), each group where its first member was.
  const first = new Map(growth.map((g, i) => [g.nodeId, i]));
  const at = (g: ByteGroup): number => first.get(g.nodeId) ?? 0;
  return groups.sort((a, b) => at(a) - at(b));
}

/** One group of `bucket` when its paths part at one key below a common object and are alike below it, else null. */
function sideBySide(bucket: ByteGrowth[]): ByteGroup | null {
  const paths = bucket.map((g) => g.retainerPath);
  const [head] = paths;
  if (!head || paths.some((p) => !p || p.length !== head.length)) return null;
  // Where the paths part: the first step whose node differs in any of them.
  let part = head.length;
  for (const p of paths as RetainerPath[]) {
    const differs = p.findIndex((step, i) => step.nodeId !== head[i].nodeId);
    if (differs >= 0) part = Math.min(part, differs);
  }
  if (part < 1 || part >= head.length) return null;
  const key = head[part].edge?.type;
  if (key !== 'property' && key !== 'element') return null;
  const alike = (paths as RetainerPath[]).every((p) =>
    p.every(
      (step, i) => i <= part || (step.edge?.type === head[i].edge?.type && step.edge?.name === head[i].edge?.name),
    ),
  );
  if (!alike) return null;
  // The label with the parting key read as any key: `rateLimits[…].hits`.
  const generic = head.map((step, i) => (i === part ? { ...step, edge: { type: 'element', name: '…' } } : step));
  const holder = holderLabel(generic, head[part - 1].nodeId);
  const length = Math.max(...bucket.map((g) => g.retainedSizes.length));
  const retainedSizes = Array.from({ length }, (_, i) => bucket.reduce((sum, g) => sum + (g.retainedSizes[i] ?? 0), 0));
  return {
    ...bucket[0],
    holder: holder ?? bucket[0].holder,
    retainedSizes,
    bytesPerCall: bucket.reduce((sum, g) => sum + g.bytesPerCall, 0),
    count: bucket.length,
  };
}

export function byteFinding(g: ByteGrowth | ByteGroup, per: 'call' | 'step' = 'call'): Finding {
  const path = g.retainerPath ?? [];
  const ownedAt = path.findLastIndex((_, i) => isOwnedStep(path, i));
  const owned = ownedAt < 0 ? undefined : path[ownedAt];
  const site = owned?.location ?? null;
  const retainedSize = g.retainedSizes[g.retainedSizes.length - 1] ?? 0;
  const holder = g.holder ?? g.name;
  const count = 'count' in g ? g.count : 1;
  const facts: FindingFacts = {
    pattern: 'bytes',
    wrapper: { name: g.name, type: g.type, count },
    leaked: { name: g.name, type: g.type, count },
    retainedSize,
    holder,
    holderIsRuntime: owned === undefined,
    site,
    bytesPerCall: g.bytesPerCall,
    ...(count > 1 ? { sideBySide: count } : {}),
    per,
  };
  return worded(facts, {
    pattern: 'bytes',
    leaked: { name: g.name, type: g.type, count, retainedSize, location: null },
    holder: { name: holder, nodeId: g.nodeId, location: site },
    site,
    retainerPath: path,
    summary: '',
    fix: '',
  });
}
