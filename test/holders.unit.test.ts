// Where new objects accumulate, on pairs of graphs built in code: holders
// grouping, the chain/top-owner rule (heldByNew), and the objects only a stack
// or only weak references hold. Each row is one graph; the before snapshot is
// the same graph without the row's new objects. diffSnapshots runs in this
// process on the two small files.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { diffSnapshots } from '../src/analysis/diff.js';
import { RUNNER_MARKER } from '../src/analysis/trace.js';
import type { ClassDiff, HeldBy } from '../src/types.js';
import { type EdgeSpec, type GraphSpec, type NodeSpec, node, withoutNodes, writeGraph } from './graph-builder.js';
import { tempDir } from './helpers.js';

const dir = tempDir();

/** What every row's heap has: the root, the GC root categories, and the program's global object. */
const BASE_NODES: NodeSpec[] = [
  node('(root)'),
  node('(GC roots)', 0, 'synthetic'),
  node('(Stack roots)', 0, 'synthetic'),
  node('global', 100),
];
const BASE_EDGES: EdgeSpec[] = [
  ['(root)', '(GC roots)', 'element', 1],
  ['(root)', 'global', 'shortcut', 'global'],
  ['(GC roots)', '(Stack roots)', 'element', 1],
];

/** `count` new objects of class `name` (keys name1, name2, …), `size` bytes each. */
const many = (name: string, count: number, size: number, type?: string): NodeSpec[] =>
  Array.from({ length: count }, (_, i) => node(name, size, type, { key: `${name}${i + 1}` }));
/** Edges from `from` to each of `to`, element edges 0, 1, … unless a type is given. */
const each = (from: string, to: NodeSpec[], type = 'element', name?: string): EdgeSpec[] =>
  to.map((n, i): EdgeSpec => [from, n.key ?? n.name, type, name ?? i]);

interface Expected {
  added?: number;
  heldByNew?: number;
  heldByStack?: number;
  heldWeakly?: number;
  retainedSize?: number;
  suspect?: boolean;
  holders?: Array<{ count: number; holder: string; heldBy: HeldBy; retainedSize?: number }>;
}

interface Case {
  name: string;
  /** Objects in both snapshots, besides BASE_NODES. */
  old?: NodeSpec[];
  /** Objects only in the after snapshot. */
  added: NodeSpec[];
  edges: EdgeSpec[];
  strings?: string[];
  /** Per class name: the listed fields of its row. */
  classes: Record<string, Expected>;
  /** Classes that must have no row. */
  absent?: string[];
}

const b3 = many('B', 3, 10);
const sessions = many('Session', 2, 20);
const ids = many('id', 2, 8, 'string');
const literals = many('literal', 2, 8, 'string');
const stacked = many('B', 2, 10);
const runtimeHeld = many('B', 2, 10);
const weak = many('B', 2, 10);
const spread = many('B', 10, 10);
const listNodes = many('Node', 3, 10);
const lists = many('Array', 2, 16);
const jobs = many('UploadJob', 4, 24);
const chunks = many('Array', 4, 16).map((n, i) => ({ ...n, key: `chunk${i + 1}` }));

const CASES: Case[] = [
  {
    name: 'every new object in one old array: one holder, the array',
    old: [node('Array', 16, 'object', { key: 'cache' })],
    added: b3,
    edges: [['global', 'cache', 'property', 'cache'], ...each('cache', b3)],
    classes: {
      B: {
        added: 3,
        heldByNew: 0,
        retainedSize: 30,
        suspect: true,
        holders: [{ count: 3, holder: 'Array', heldBy: 'program', retainedSize: 30 }],
      },
    },
  },
  {
    name: 'holders most objects first, three at most',
    // Listed so that node order is the reverse of the counts: the order must come from the counts.
    old: [
      node('Object', 16, 'object', { key: 'o' }),
      node('Set', 16, 'object'),
      node('Map', 16, 'object'),
      node('', 16, 'array', { key: 'table' }),
      node('Array', 16, 'object', { key: 'a1' }),
    ],
    added: spread,
    edges: [
      ['global', 'a1', 'property', 'a1'],
      ['global', 'Map', 'property', 'm'],
      ['Map', 'table', 'internal', 'table'],
      ['global', 'Set', 'property', 's'],
      ['global', 'o', 'property', 'o'],
      ...each('o', spread.slice(0, 1), 'property', 'only'),
      ...each('Set', spread.slice(1, 3)),
      ...each('table', spread.slice(3, 6)),
      ...each('a1', spread.slice(6, 10)),
    ],
    classes: {
      B: {
        added: 10,
        retainedSize: 100,
        holders: [
          { count: 4, holder: 'Array', heldBy: 'program', retainedSize: 40 },
          { count: 3, holder: '(array)', heldBy: 'program' },
          { count: 2, holder: 'Set', heldBy: 'program' },
        ],
      },
    },
  },
  {
    name: 'a chain of new objects is one leak, under the old object it hangs from',
    old: [node('List', 16, 'object', { key: 'head' })],
    added: listNodes,
    edges: [
      ['global', 'head', 'property', 'list'],
      ['head', 'Node1', 'property', 'next'],
      ['Node1', 'Node2', 'property', 'next'],
      ['Node2', 'Node3', 'property', 'next'],
    ],
    classes: {
      Node: { added: 3, heldByNew: 0, retainedSize: 30, holders: [{ count: 3, holder: 'List', heldBy: 'program' }] },
    },
  },
  {
    name: 'parts: the strings inside new Sessions are held by new objects, the Sessions are the leak',
    old: [node('Array', 16, 'object', { key: 'cache' })],
    added: [...sessions, ...ids],
    edges: [
      ['global', 'cache', 'property', 'sessions'],
      ...each('cache', sessions),
      ['Session1', 'id1', 'property', 'id'],
      ['Session2', 'id2', 'property', 'id'],
    ],
    classes: {
      Session: { added: 2, heldByNew: 0, retainedSize: 56, suspect: true },
      '(string)': { added: 2, heldByNew: 2, retainedSize: 16, suspect: false },
    },
  },
  {
    // A Map of per-key lists made new between the snapshots: the lists are where the leak is kept, the objects
    // of a class in them are what leaks (as findings say), and the arrays inside those objects are their parts.
    name: 'new per-key arrays do not own the objects of a class they collect; those objects own their parts',
    old: [node('Map', 16, 'object', { key: 'byKey' })],
    added: [...lists, ...jobs, ...chunks],
    edges: [
      ['global', 'byKey', 'property', 'jobsByUser'],
      ...each('byKey', lists, 'internal'),
      ...each('Array1', jobs.slice(0, 2)),
      ...each('Array2', jobs.slice(2)),
      ...jobs.map((job, i): EdgeSpec => [job.key!, chunks[i].key!, 'property', 'chunks']),
    ],
    classes: {
      UploadJob: { added: 4, heldByNew: 0, suspect: true },
      Array: { added: 6, heldByNew: 4, suspect: true },
    },
  },
  {
    name: 'what hangs below compiled code is not the program’s data',
    old: [node('foo', 64, 'code', { key: 'code' })],
    added: literals,
    edges: [['global', 'code', 'internal', 'code'], ...each('code', literals, 'internal', 'literal')],
    classes: { '(string)': { added: 2, heldByNew: 2, suspect: false } },
  },
  {
    name: 'held only by a running function’s stack: counted, and held by the stack',
    added: stacked,
    edges: each('(Stack roots)', stacked),
    classes: {
      B: {
        added: 2,
        heldByStack: 2,
        holders: [{ count: 2, holder: '(Stack roots)', heldBy: 'stack' }],
      },
    },
  },
  {
    name: 'in a snapshot leakscan’s runner took, what only the stack holds is the runner’s: not counted',
    added: stacked,
    edges: each('(Stack roots)', stacked),
    strings: [RUNNER_MARKER],
    classes: {},
    absent: ['B'],
  },
  {
    // DevTools' page-owned rule: an edge from what the page does not own (the stack) into what it owns
    // does not retain, so the array, not the root, dominates the objects.
    name: 'held by the stack and by the program: the program’s, in its array',
    old: [node('Array', 16, 'object', { key: 'cache' })],
    added: stacked,
    edges: [['global', 'cache', 'property', 'cache'], ...each('cache', stacked), ...each('(Stack roots)', stacked)],
    classes: { B: { added: 2, heldByStack: 0, holders: [{ count: 2, holder: 'Array', heldBy: 'program' }] } },
  },
  {
    name: 'held only through Node’s embedder objects: the runtime’s',
    old: [node('Node / Environment', 0, 'native', { key: 'env' })],
    added: runtimeHeld,
    edges: [['(GC roots)', 'env', 'element', 2], ...each('env', runtimeHeld, 'property', 'handle')],
    classes: { B: { added: 2, holders: [{ count: 2, holder: 'Node / Environment', heldBy: 'runtime' }] } },
  },
  {
    name: 'held only weakly: counted as new (as DevTools does), never retained or held',
    added: weak,
    edges: each('global', weak, 'weak', 'ref'),
    classes: { B: { added: 2, heldWeakly: 2, heldByNew: 0, retainedSize: 0, suspect: false, holders: [] } },
  },
];

async function diffCase(c: Case, index: number): Promise<ClassDiff[]> {
  const after: GraphSpec = {
    nodes: [...BASE_NODES, ...(c.old ?? []), ...c.added],
    edges: [...BASE_EDGES, ...c.edges],
    strings: c.strings,
  };
  const before = withoutNodes(
    after,
    c.added.map((n) => n.key ?? n.name),
  );
  const beforeFile = writeGraph(join(dir, `${index}.before.heapsnapshot`), before);
  const afterFile = writeGraph(join(dir, `${index}.after.heapsnapshot`), after);
  const result = await diffSnapshots(beforeFile, afterFile, {
    thresholds: { minCount: 2, minBytes: 0 },
    paths: Number.POSITIVE_INFINITY,
  });
  return result.classes;
}

describe('holders, nesting, stack and weak references', () => {
  for (const [index, c] of CASES.entries()) {
    test(c.name, async () => {
      const classes = await diffCase(c, index);
      assert.ok(Object.keys(c.classes).length + (c.absent?.length ?? 0) > 0, 'the case checks something');
      for (const [name, expected] of Object.entries(c.classes)) {
        const row = classes.find((r) => r.name === name);
        assert.ok(row, `a row for ${name} in ${classes.map((r) => r.name).join(', ')}`);
        const { holders, ...fields } = expected;
        for (const [field, value] of Object.entries(fields))
          assert.equal(row[field as keyof ClassDiff], value, `${name}.${field}`);
        if (holders) {
          assert.ok(row.holders, `${name} is traced`);
          assert.deepEqual(
            row.holders.map((h, i) => ({
              count: h.count,
              holder: h.holder.name,
              heldBy: h.heldBy,
              ...(holders[i]?.retainedSize === undefined ? {} : { retainedSize: h.retainedSize }),
            })),
            holders,
            `${name}.holders`,
          );
          for (const h of row.holders) {
            assert.equal(h.retainerPath?.at(-1)?.nodeId, h.sampleNodeId, 'the path ends at the sample');
            assert.ok(
              h.retainerPath?.some((step) => step.nodeId === h.holder.nodeId),
              'the path passes through the holder',
            );
          }
        }
      }
      for (const name of c.absent ?? [])
        assert.equal(
          classes.find((r) => r.name === name),
          undefined,
          `no row for ${name}`,
        );
    });
  }
});
