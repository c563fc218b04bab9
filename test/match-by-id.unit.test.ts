// The diff-by-id pass alone (match-by-id.ts), on pairs of graphs built in
// code: which objects are new, which deleted, and how the new ones are held.
// Each row is one pair; nodes share an object across the two snapshots by id.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { baselineOf } from '../src/analysis/baseline.js';
import { NEW_UNLISTED, NOT_NEW } from '../src/analysis/dominance.js';
import { matchById } from '../src/analysis/match-by-id.js';
import { RUNNER_MARKER, traceFromRoots } from '../src/analysis/trace.js';
import { calculateShallowSizes } from '../src/engine/index.js';
import { buildGraph, type EdgeSpec, type NodeSpec, node } from './graph-builder.js';

/** The root, the GC root categories and the global object, with the same ids in both snapshots. */
const BASE_NODES: NodeSpec[] = [
  node('(root)', 0, 'synthetic', { id: 1 }),
  node('(GC roots)', 0, 'synthetic', { id: 3 }),
  node('(Stack roots)', 0, 'synthetic', { id: 5 }),
  node('global', 100, 'object', { id: 7 }),
];
const BASE_EDGES: EdgeSpec[] = [
  ['(root)', '(GC roots)', 'element', 1],
  ['(root)', 'global', 'shortcut', 'global'],
  ['(GC roots)', '(Stack roots)', 'element', 1],
];

/** An object with a fixed id, so that the two snapshots can share it. */
const obj = (name: string, id: number, size: number, type = 'object'): NodeSpec => node(name, size, type, { id });

interface ClassCounts {
  added?: number;
  addedSize?: number;
  removed?: number;
  removedSize?: number;
  heldByStack?: number;
  heldWeakly?: number;
}

interface Case {
  name: string;
  /** The before snapshot's objects besides BASE_NODES; they hang from global unless `beforeEdges` says otherwise. */
  before: NodeSpec[];
  after: NodeSpec[];
  /** Edges of the after snapshot besides BASE_EDGES; default: global holds each object by a property. */
  afterEdges?: EdgeSpec[];
  strings?: string[];
  includeInternal?: boolean;
  /** Per class name: its sums (fields left out are not checked; a class not listed must have none). */
  classes: Record<string, ClassCounts>;
  /** Per after node id: 'member' (a listed new object), NOT_NEW or NEW_UNLISTED. */
  members: Record<number, 'member' | typeof NOT_NEW | typeof NEW_UNLISTED>;
}

const held = (nodes: NodeSpec[]): EdgeSpec[] =>
  nodes.map((n, i): EdgeSpec => ['global', n.key ?? n.name, 'property', `p${i}`]);

const CASES: Case[] = [
  {
    name: 'an id only in after is new; an id in both, of the same kind, is neither',
    before: [obj('Old', 101, 10)],
    after: [obj('Old', 101, 10), obj('Fresh', 201, 24)],
    classes: { Fresh: { added: 1, addedSize: 24, removed: 0 } },
    members: { 101: NOT_NEW, 201: 'member' },
  },
  {
    name: 'an id only in before is deleted, with its size',
    before: [obj('Gone', 101, 40), obj('Kept', 103, 8)],
    after: [obj('Kept', 103, 8)],
    classes: { Gone: { added: 0, removed: 1, removedSize: 40 } },
    members: { 103: NOT_NEW },
  },
  {
    name: 'an id reused by another kind of object: the new one is new, the old one deleted',
    before: [obj('Foo', 101, 16)],
    after: [obj('Bar', 101, 16)],
    classes: { Foo: { removed: 1, removedSize: 16, added: 0 }, Bar: { added: 1, addedSize: 16, removed: 0 } },
    members: { 101: 'member' },
  },
  {
    name: 'an id reused by another V8 type (a string where an object was): new',
    before: [obj('x', 101, 16)],
    after: [obj('x', 101, 16, 'string')],
    classes: { x: { removed: 1 }, '(string)': { added: 1 } },
    members: { 101: 'member' },
  },
  {
    name: 'objects of size 0 are neither new nor deleted, and not members',
    before: [obj('Empty', 101, 0)],
    after: [obj('Empty2', 201, 0)],
    classes: {},
    members: { 201: NEW_UNLISTED },
  },
  {
    name: 'an old object of size 0 that gains a size is counted new, but is no member',
    before: [obj('Grows', 101, 0)],
    after: [obj('Grows', 101, 32)],
    classes: { Grows: { added: 1, addedSize: 32, removed: 0 } },
    members: { 101: NOT_NEW },
  },
  {
    name: 'an old object that loses its size is counted deleted',
    before: [obj('Shrinks', 101, 32)],
    after: [obj('Shrinks', 101, 0)],
    classes: { Shrinks: { added: 0, removed: 1, removedSize: 32 } },
    members: { 101: NOT_NEW },
  },
  {
    name: 'a new object held only weakly: counted new and weakly held, no member',
    before: [],
    after: [obj('Weak', 201, 12)],
    afterEdges: [['global', 'Weak', 'weak', 'w']],
    classes: { Weak: { added: 1, heldWeakly: 1, heldByStack: 0 } },
    members: { 201: NOT_NEW },
  },
  {
    name: 'an old object now held only weakly is not new',
    before: [obj('Old', 101, 12)],
    after: [obj('Old', 101, 12)],
    afterEdges: [['global', 'Old', 'weak', 'w']],
    classes: {},
    members: { 101: NOT_NEW },
  },
  {
    name: 'a new object held only by a stack: new, a member, held by the stack',
    before: [],
    after: [obj('Local', 201, 12)],
    afterEdges: [['(Stack roots)', 'Local', 'element', 1]],
    classes: { Local: { added: 1, heldByStack: 1, heldWeakly: 0 } },
    members: { 201: 'member' },
  },
  {
    name: 'in a snapshot leakscan’s runner took, what only the stack holds is not counted',
    before: [],
    after: [obj('Local', 201, 12)],
    afterEdges: [['(Stack roots)', 'Local', 'element', 1]],
    strings: [RUNNER_MARKER],
    classes: {},
    members: { 201: NEW_UNLISTED },
  },
  {
    name: 'a new object of an internal type is left out unless asked for',
    before: [],
    after: [obj('foo', 201, 64, 'code')],
    classes: {},
    members: { 201: NEW_UNLISTED },
  },
  {
    name: 'with includeInternal, it is listed',
    before: [],
    after: [obj('foo', 201, 64, 'code')],
    includeInternal: true,
    classes: { foo: { added: 1, addedSize: 64 } },
    members: { 201: 'member' },
  },
];

describe('matchById: the diff-by-id pass', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const before = buildGraph({
        nodes: [...BASE_NODES, ...c.before],
        edges: [...BASE_EDGES, ...held(c.before)],
      });
      const baseline = baselineOf(before);
      const graph = buildGraph({
        nodes: [...BASE_NODES, ...c.after],
        edges: [...BASE_EDGES, ...(c.afterEdges ?? held(c.after))],
        strings: c.strings,
      });
      const trace = traceFromRoots(graph);
      const m = matchById(baseline, graph, trace, calculateShallowSizes(graph), c.includeInternal === true);
      const table = baseline.table;
      for (let cls = 0; cls < table.size; cls++) {
        const name = table.keys[cls].name;
        const got: Required<ClassCounts> = {
          added: m.added.get(cls),
          addedSize: m.addedSize.get(cls),
          removed: m.removed.get(cls),
          removedSize: m.removedSize.get(cls),
          heldByStack: m.heldByStack.get(cls),
          heldWeakly: m.heldWeakly.get(cls),
        };
        const expected = c.classes[name];
        if (!expected) {
          assert.equal(got.added + got.removed, 0, `${name}: no new or deleted objects`);
          continue;
        }
        for (const [field, value] of Object.entries(expected))
          assert.equal(got[field as keyof ClassCounts], value, `${name}.${field}`);
      }
      for (const name of Object.keys(c.classes))
        assert.ok(
          table.keys.some((k) => k.name === name),
          `class ${name} is known`,
        );
      for (const [id, expected] of Object.entries(c.members)) {
        const o = graph.ordinalOfId(Number(id));
        const got = m.memberClass[o];
        if (expected === 'member') {
          assert.ok(got >= 0, `@${id} is a member`);
          assert.equal(got, table.indexOf(graph, o), `@${id} is a member of its own class`);
        } else {
          assert.equal(got, expected, `@${id}`);
        }
      }
    });
  }

  test('the two snapshots share the objects in both, counted once each', () => {
    const objects = [obj('A', 101, 8), obj('B', 103, 8)];
    const graph = buildGraph({ nodes: [...BASE_NODES, ...objects], edges: [...BASE_EDGES, ...held(objects)] });
    const baseline = baselineOf(graph);
    const m = matchById(baseline, graph, traceFromRoots(graph), calculateShallowSizes(graph), false);
    // The root, the two root categories, global and the two objects.
    assert.equal(m.shared, 6);
  });
});
