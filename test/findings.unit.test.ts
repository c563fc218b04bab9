// The findings pass on graphs built in code: the pattern read off the graph's
// structure, the holder's access path, and the runtime's own state left out.
// Each row is one graph; the before snapshot is the same graph without the row's new objects.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { diffSnapshots } from '../src/analysis/diff.js';
import type { Finding } from '../src/types.js';
import { type EdgeSpec, type NodeSpec, node, withoutNodes, writeGraph } from './graph-builder.js';
import { tempDir } from './helpers.js';

const dir = tempDir();

const BASE_NODES: NodeSpec[] = [node('(root)'), node('(GC roots)', 0, 'synthetic'), node('global', 100)];
const BASE_EDGES: EdgeSpec[] = [
  ['(root)', '(GC roots)', 'element', 1],
  ['(root)', 'global', 'shortcut', 'global'],
];

const many = (name: string, count: number, size: number, type?: string): NodeSpec[] =>
  Array.from({ length: count }, (_, i) => node(name, size, type, { key: `${name}${i + 1}` }));
const each = (from: string, to: NodeSpec[], type = 'element', name?: string): EdgeSpec[] =>
  to.map((n, i): EdgeSpec => [from, n.key ?? n.name, type, name ?? i]);
/** A singly linked list: from → first, then each → the next by `name`. */
const chain = (from: string, to: NodeSpec[], name: string): EdgeSpec[] =>
  to.map((n, i): EdgeSpec => [i === 0 ? from : (to[i - 1].key ?? to[i - 1].name), n.key ?? n.name, 'property', name]);

interface Case {
  name: string;
  old?: NodeSpec[];
  added: NodeSpec[];
  edges: EdgeSpec[];
  /** The first finding's fields; null: no finding. */
  first:
    | (Partial<Pick<Finding, 'pattern'>> & { leaked?: string; holder?: string; summary?: RegExp; fix?: RegExp })
    | null;
}

const entries = many('Entry', 4, 40);
const links = many('Task', 4, 40);
const views = many('Detached HTMLDivElement', 4, 60, 'native');
const records = many('Entry', 4, 40);
const handlers = many('onMessage', 4, 32, 'closure');
const names = many('name', 3, 20, 'string');
const subscribers = many('render', 4, 32, 'closure');
const panels = many('Detached HTMLElement', 4, 60, 'native');
const rows = many('Detached HTMLLIElement', 4, 60, 'native');
const tips = many('Detached <div>', 4, 100, 'native');
const tipKeys = many('item', 4, 20, 'string');
const events = many('PointerEvent', 4, 80, 'native');
const targets = events.map((_, i) =>
  node('<button class="close">', 100, 'native', { key: `button${i}`, detachedness: 2 }),
);
const cards = events.map((_, i) => node('<div class="card">', 100, 'native', { key: `card${i}`, detachedness: 2 }));
const lists = events.map((_, i) => node('<ul>', 400, 'native', { key: `list${i}`, detachedness: 2 }));
/** A page script's top-level const, in a script context of the ScriptContextTable. */
const scriptConst = (name: string): { old: NodeSpec[]; edges: EdgeSpec[] } => ({
  old: [
    node('system / ScriptContextTable', 16, 'hidden', { key: 'scripts' }),
    node('system / Context', 16, 'object', { key: 'script' }),
    node('Array', 16, 'object', { key: name }),
  ],
  edges: [
    ['global', 'scripts', 'internal', 'script_context_table'],
    ['scripts', 'script', 'hidden', 2],
    ['script', name, 'context', name],
  ],
});
const observers = many('IntersectionObserver', 4, 60, 'native');
const observerCallbacks = observers.map((_, i) =>
  node('V8IntersectionObserverCallback', 20, 'native', { key: `cb${i}` }),
);
const observerClosures = observers.map((_, i) => node('(anonymous)', 32, 'closure', { key: `fn${i}` }));
const observerScopes = observers.map((_, i) => node('system / Context', 16, 'object', { key: `scope${i}` }));
const infiniteLists = many('InfiniteList', 4, 400);
const channels = many('BroadcastChannel', 4, 60, 'native');
const channelListeners = channels.map((_, i) => node('blink::EventTargetData', 20, 'native', { key: `data${i}` }));
const channelHandlers = channels.map((_, i) => node('V8EventHandlerNonNull', 20, 'native', { key: `handler${i}` }));
const channelClosures = channels.map((_, i) => node('(anonymous)', 32, 'closure', { key: `onmessage${i}` }));
const channelScopes = channels.map((_, i) => node('system / Context', 16, 'object', { key: `notesScope${i}` }));
const notes = many('SyncedNotes', 4, 400);
const observerRecords = many('Object', 4, 24);
const nexts = observerRecords.map((_, i) => node('next', 32, 'closure', { key: `next${i}` }));
const nextScopes = observerRecords.map((_, i) => node('system / Context', 16, 'object', { key: `nextScope${i}` }));
const widgets = many('PriceWidget', 4, 40);
const widgetRoots = widgets.map((_, i) =>
  node('<div class="w">', 300, 'native', { key: `widgetRoot${i}`, detachedness: 2 }),
);
const historyEntries = many('NavigationHistoryEntry', 4, 40, 'native');
const domTimers = many('DOMTimer', 5, 40, 'native');
const pollActions = domTimers.map((_, i) => node('ScheduledAction', 20, 'native', { key: `action${i}` }));
const polls = domTimers.map((_, i) => node('(anonymous)', 32, 'closure', { key: `poll${i}` }));
const pollScopes = domTimers.map((_, i) => node('system / Context', 16, 'object', { key: `pollScope${i}` }));
const tickers = many('Ticker', 4, 400);
const resolvers = many('(anonymous)', 4, 32, 'closure');
const resolverScopes = resolvers.map((_, i) => node('system / Context', 16, 'object', { key: `resolverScope${i}` }));
const waiting = many('Promise', 4, 32);
const reactions = waiting.map((_, i) => node('system / PromiseReaction', 24, 'object', { key: `reaction${i}` }));
const thens = waiting.map((_, i) => node('render', 32, 'closure', { key: `then${i}` }));
const thenScopes = waiting.map((_, i) => node('system / Context', 16, 'object', { key: `thenScope${i}` }));
const reports = many('Report', 4, 400);
const anchors = many('<button>', 4, 200, 'native').map((n) => ({ ...n, detachedness: 2 }));
const tooltipValues = many('Tooltip', 4, 40);
const joined = [
  node('joined', 20, 'concatenated string', { key: 'joined' }),
  node('head', 500, 'string', { key: 'head' }),
  node('tail', 500, 'string', { key: 'tail' }),
];

const CASES: Case[] = [
  {
    name: 'entries of an old Map: a collection, named by its property',
    old: [node('Map', 16, 'object', { key: 'cache' }), node('', 16, 'array', { key: 'table' })],
    added: entries,
    edges: [
      ['global', 'cache', 'property', 'cache'],
      ['cache', 'table', 'internal', 'table'],
      ...each('table', entries),
    ],
    first: { pattern: 'collection', leaked: 'Entry', holder: 'cache' },
  },
  {
    name: 'new objects linked by the same edge: a queue',
    old: [node('Object', 16, 'object', { key: 'jobs' })],
    added: links,
    edges: [['global', 'jobs', 'property', 'jobs'], ...chain('jobs', links, 'next')],
    first: { pattern: 'queue', leaked: 'Task', holder: 'jobs' },
  },
  {
    name: 'functions in an old array: listeners',
    old: [node('Object', 16, 'object', { key: 'bus' }), node('Array', 16, 'object', { key: 'subscribers' })],
    added: handlers,
    edges: [
      ['global', 'bus', 'property', 'bus'],
      ['bus', 'subscribers', 'property', 'subscribers'],
      ...each('subscribers', handlers),
    ],
    first: { pattern: 'listener', leaked: 'onMessage', holder: 'bus.subscribers' },
  },
  {
    name: 'detached DOM nodes kept in an array: detached-dom',
    old: [node('Array', 16, 'object', { key: 'kept' })],
    added: views,
    edges: [['global', 'kept', 'property', 'kept'], ...each('kept', views)],
    first: { pattern: 'detached-dom', holder: 'kept' },
  },
  {
    name: 'callbacks in an old array, each keeping a detached element: listeners, not detached-dom',
    old: [node('Array', 16, 'object', { key: 'listeners' })],
    added: [...subscribers, ...panels],
    edges: [
      ['global', 'listeners', 'property', 'listeners'],
      ...each('listeners', subscribers),
      ...subscribers.map((f, i): EdgeSpec => [f.key ?? f.name, panels[i].key ?? panels[i].name, 'context', 'panel']),
    ],
    first: { pattern: 'listener', holder: 'listeners' },
  },
  {
    name: "detached elements held by an object a closure captured as `this`: named by the object's class",
    old: [
      node('onClick', 32, 'closure', { key: 'handler' }),
      node('system / Context', 16, 'object', { key: 'scope' }),
      node('View', 16, 'object', { key: 'view' }),
    ],
    added: rows,
    edges: [
      ['global', 'handler', 'property', 'onClick'],
      ['handler', 'scope', 'internal', 'context'],
      ['scope', 'view', 'context', 'this'],
      ...each('view', rows),
    ],
    first: { pattern: 'detached-dom', holder: 'View' },
  },
  {
    name: "detached elements in a Map of a page script's top-level const: the const's, named as DOM, not by its keys",
    old: [
      node('system / ScriptContextTable', 16, 'hidden', { key: 'scripts' }),
      node('system / Context', 16, 'object', { key: 'script' }),
      node('Map', 16, 'object', { key: 'tooltipCache' }),
      node('', 16, 'array', { key: 'entries' }),
    ],
    added: [...tips, ...tipKeys],
    edges: [
      ['global', 'scripts', 'internal', 'script_context_table'],
      ['scripts', 'script', 'hidden', 2],
      ['script', 'tooltipCache', 'context', 'tooltipCache'],
      ['tooltipCache', 'entries', 'internal', 'table'],
      ...tips.flatMap((tip, i): EdgeSpec[] => [
        ['entries', tipKeys[i].key ?? tipKeys[i].name, 'element', 2 * i],
        ['entries', tip.key ?? tip.name, 'element', 2 * i + 1],
      ]),
    ],
    first: { pattern: 'detached-dom', leaked: 'Detached <div>', holder: 'tooltipCache', fix: /^Drop the references/ },
  },
  {
    name: "a page's event objects kept in an array: the events, not the detached elements they target",
    old: scriptConst('gestureLog').old,
    added: [...events, ...targets, ...cards, ...lists],
    edges: [
      ...scriptConst('gestureLog').edges,
      ...each('gestureLog', events),
      ...events.flatMap((e, i): EdgeSpec[] => [
        [e.key ?? e.name, `button${i}`, 'element', 1],
        [`button${i}`, `card${i}`, 'element', 1],
        [`card${i}`, `list${i}`, 'element', 1],
      ]),
    ],
    first: { leaked: 'PointerEvent', holder: 'gestureLog' },
  },
  {
    name: 'observers the browser holds from two roots: the observed document names them, not a root',
    old: [
      node('(Document DOM trees)', 0, 'synthetic', { key: 'trees' }),
      node('HTMLDocument', 16, 'native', { key: 'document' }),
      node('IntersectionObserverController', 16, 'native', { key: 'controller' }),
      node('blink::HeapHashTableBacking<Observers>', 16, 'native', { key: 'observed' }),
      node('(Global handles)', 0, 'synthetic', { key: 'handles' }),
      ...['h1', 'h2', 'h3', 'h4'].map((key) => node('system / Handle', 8, 'hidden', { key })),
    ],
    added: [...observers, ...observerCallbacks, ...observerClosures, ...observerScopes, ...infiniteLists],
    edges: [
      ['(GC roots)', 'trees', 'element', 2],
      ['trees', 'document', 'element', 1],
      ['document', 'controller', 'element', 1],
      ['controller', 'observed', 'element', 1],
      ['(GC roots)', 'handles', 'element', 1],
      ['handles', 'h1', 'element', 1],
      ['h1', 'h2', 'internal', 'next'],
      ['h2', 'h3', 'internal', 'next'],
      ['h3', 'h4', 'internal', 'next'],
      ...each('observed', observers),
      ...each('h4', observers, 'internal', 'observer'),
      ...observers.flatMap((o, i): EdgeSpec[] => [
        [o.key ?? o.name, `cb${i}`, 'element', 1],
        [`cb${i}`, `fn${i}`, 'element', 1],
        [`fn${i}`, `scope${i}`, 'internal', 'context'],
        [`scope${i}`, infiniteLists[i].key ?? infiniteLists[i].name, 'context', 'this'],
      ]),
    ],
    first: { pattern: 'listener', leaked: 'InfiniteList', holder: 'document' },
  },
  {
    name: 'objects Chrome keeps alive for their pending activity: the channels themselves, never closed',
    old: [
      node('C++ Persistent roots', 0, 'synthetic', { key: 'persistent' }),
      node('Pending activities', 0, 'native', { key: 'pending' }),
      node('blink::HeapVectorBacking<Wrappables>', 16, 'native', { key: 'wrappables' }),
    ],
    added: [...channels, ...channelListeners, ...channelHandlers, ...channelClosures, ...channelScopes, ...notes],
    edges: [
      ['(GC roots)', 'persistent', 'element', 29],
      ['persistent', 'pending', 'internal', 'thread_state.cc:185'],
      ['pending', 'wrappables', 'element', 1],
      ...each('wrappables', channels),
      ...channels.flatMap((c, i): EdgeSpec[] => [
        [c.key ?? c.name, `data${i}`, 'element', 1],
        [`data${i}`, `handler${i}`, 'element', 1],
        [`handler${i}`, `onmessage${i}`, 'element', 1],
        [`onmessage${i}`, `notesScope${i}`, 'internal', 'context'],
        [`notesScope${i}`, notes[i].key ?? notes[i].name, 'context', 'this'],
      ]),
    ],
    first: { pattern: 'listener', leaked: 'SyncedNotes', holder: 'BroadcastChannel', summary: /never closed/ },
  },
  {
    name: "observer records in a subject's list, their callbacks keeping detached DOM: listeners, not detached-dom",
    old: [...scriptConst('subject').old, node('Array', 16, 'object', { key: 'observers' })],
    added: [...observerRecords, ...nexts, ...nextScopes, ...widgets, ...widgetRoots],
    edges: [
      ...scriptConst('subject').edges,
      ['subject', 'observers', 'property', 'observers'],
      ...each('observers', observerRecords),
      ...observerRecords.flatMap((r, i): EdgeSpec[] => [
        [r.key ?? r.name, `next${i}`, 'property', 'next'],
        [`next${i}`, `nextScope${i}`, 'internal', 'context'],
        [`nextScope${i}`, widgets[i].key ?? widgets[i].name, 'context', 'this'],
        [widgets[i].key ?? widgets[i].name, `widgetRoot${i}`, 'property', 'root'],
      ]),
    ],
    first: { pattern: 'listener', holder: 'subject.observers' },
  },
  {
    name: "Chrome's own records of the page's navigations, reached from the window through Chrome's objects: no finding",
    old: [
      node('Window / file://', 16, 'native', { key: 'window' }),
      node('Navigation', 16, 'native', { key: 'navigation' }),
      node('blink::HeapVectorBacking<Entries>', 16, 'native', { key: 'entries' }),
    ],
    added: historyEntries,
    edges: [
      ['(GC roots)', 'window', 'element', 3],
      ['window', 'navigation', 'element', 10],
      ['navigation', 'entries', 'element', 2],
      ...each('entries', historyEntries),
    ],
    first: null,
  },
  {
    name: "timers re-armed by a ticker of the warm-up's and by four new ones: four timers keep the new tickers",
    old: [
      node('blink::HeapHashMap<Timers>', 16, 'native', { key: 'timerList' }),
      node('Ticker', 400, 'object', { key: 'warmUp' }),
    ],
    added: [...domTimers, ...pollActions, ...polls, ...pollScopes, ...tickers],
    edges: [
      ['global', 'timerList', 'property', 'timers'],
      ...each('timerList', domTimers),
      ...domTimers.flatMap((t, i): EdgeSpec[] => [
        [t.key ?? t.name, `action${i}`, 'element', 1],
        [`action${i}`, `poll${i}`, 'element', 1],
        [`poll${i}`, `pollScope${i}`, 'internal', 'context'],
        [`pollScope${i}`, i < tickers.length ? (tickers[i].key ?? tickers[i].name) : 'warmUp', 'context', 'this'],
      ]),
    ],
    first: { pattern: 'timer', leaked: 'Ticker', summary: /^4 timers never cleared\b/ },
  },
  {
    name: "promises' resolve functions kept in an array and never called: work queued, not callbacks registered",
    old: scriptConst('pending').old,
    added: [...resolvers, ...resolverScopes, ...waiting, ...reactions, ...thens, ...thenScopes, ...reports],
    edges: [
      ...scriptConst('pending').edges,
      ...each('pending', resolvers),
      ...resolvers.flatMap((r, i): EdgeSpec[] => [
        [r.key ?? r.name, `resolverScope${i}`, 'internal', 'context'],
        [`resolverScope${i}`, waiting[i].key ?? waiting[i].name, 'context', 'promise'],
        [waiting[i].key ?? waiting[i].name, `reaction${i}`, 'internal', 'reactions_or_result'],
        [`reaction${i}`, `then${i}`, 'internal', 'fulfill_handler'],
        [`then${i}`, `thenScope${i}`, 'internal', 'context'],
        [`thenScope${i}`, reports[i].key ?? reports[i].name, 'context', 'this'],
      ]),
    ],
    first: { pattern: 'queue', holder: 'pending' },
  },
  {
    name: 'values of a Map keyed by elements removed from the document: the fix is a WeakMap',
    old: [
      node('system / ScriptContextTable', 16, 'hidden', { key: 'scripts' }),
      node('system / Context', 16, 'object', { key: 'script' }),
      node('Map', 16, 'object', { key: 'tooltips' }),
      node('', 16, 'array', { key: 'tooltipTable' }),
    ],
    added: [...anchors, ...tooltipValues],
    edges: [
      ['global', 'scripts', 'internal', 'script_context_table'],
      ['scripts', 'script', 'hidden', 2],
      ['script', 'tooltips', 'context', 'tooltips'],
      ['tooltips', 'tooltipTable', 'internal', 'table'],
      ...anchors.flatMap((anchor, i): EdgeSpec[] => [
        ['tooltipTable', anchor.key ?? anchor.name, 'internal', 2 * i + 3],
        ['tooltipTable', tooltipValues[i].key ?? tooltipValues[i].name, 'internal', 2 * i + 4],
        [tooltipValues[i].key ?? tooltipValues[i].name, anchor.key ?? anchor.name, 'property', 'anchor'],
      ]),
    ],
    first: { pattern: 'detached-dom', holder: 'tooltips', fix: /WeakMap/ },
  },
  {
    name: "a concatenation's halves are part of it: one entry, below --min-count, not a finding",
    old: [node('Array', 16, 'object', { key: 'names' }), node('Array', 16, 'object', { key: 'keys' })],
    added: [...names, ...joined],
    edges: [
      ['global', 'names', 'property', 'names'],
      ['global', 'keys', 'property', 'keys'],
      ...each('names', names),
      ['keys', 'joined', 'element', 0],
      ['joined', 'head', 'internal', 'first'],
      ['joined', 'tail', 'internal', 'second'],
    ],
    first: { holder: 'names' },
  },
  {
    name: "objects under V8's feedback state: the runtime's own, no finding",
    old: [
      node('f', 16, 'closure'),
      node('system / FeedbackVector', 16, 'hidden', { key: 'feedback' }),
      node('system / AllocationSite', 16, 'object', { key: 'site' }),
    ],
    added: records,
    edges: [
      ['global', 'f', 'property', 'f'],
      ['f', 'feedback', 'internal', 'feedback_cell'],
      ['feedback', 'site', 'internal', 'site'],
      ...each('site', records, 'internal', 'transition_info'),
    ],
    first: null,
  },
];

describe('findings on graphs built in code', () => {
  for (const [i, c] of CASES.entries()) {
    test(c.name, async () => {
      const spec = { nodes: [...BASE_NODES, ...(c.old ?? []), ...c.added], edges: [...BASE_EDGES, ...c.edges] };
      const after = writeGraph(join(dir, `${i}-after.heapsnapshot`), spec);
      const before = writeGraph(
        join(dir, `${i}-before.heapsnapshot`),
        withoutNodes(
          spec,
          c.added.map((n) => n.key ?? n.name),
        ),
      );
      const diff = await diffSnapshots(before, after, { thresholds: { minCount: 2, minBytes: 0 } });
      const detail = JSON.stringify(
        diff.findings.map(({ retainerPath: _, ...f }) => f),
        null,
        1,
      );
      if (c.first === null) {
        assert.deepEqual(diff.findings, [], detail);
        assert.ok(
          diff.classes.some((row) => row.suspect),
          'the class rows stay, marked suspect',
        );
        return;
      }
      const first = diff.findings[0];
      assert.ok(first, `a finding; suspects: ${diff.classes.filter((x) => x.suspect).map((x) => x.name)}`);
      if (c.first.pattern) assert.equal(first.pattern, c.first.pattern, detail);
      if (c.first.leaked) assert.equal(first.leaked.name, c.first.leaked, detail);
      if (c.first.holder) assert.equal(first.holder.name, c.first.holder, detail);
      if (c.first.summary) assert.match(first.summary, c.first.summary, detail);
      if (c.first.fix) assert.match(first.fix, c.first.fix, detail);
    });
  }
});
