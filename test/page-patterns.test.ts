// The first finding of `leakscan run` on pages whose leak has a shape of its own: a retry queue never drained,
// rxjs subscriptions never unsubscribed, undo stacks (of closures, of copies of the state) never capped, a
// script-level Map of records on a React page, a cache of detached elements, a ref callback's registry of inputs,
// on… handlers that call the one they replaced. Through the built binary and Debian's chromium; each page has a
// fixed twin with no finding (page-findings.test.ts has more pages).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { RunResult, ScenarioResult } from '../src/types.js';
import { tempDir } from './helpers.js';
import { findBrowser, skipWithoutBrowser } from './page-fixture.js';
import {
  detail,
  findingsOf,
  lineOf,
  pageScenario,
  REACT_SCRIPTS,
  runPages,
  scenarioNamed,
  scriptTag,
} from './page-run.js';

const browser = findBrowser();
const skip = skipWithoutBrowser(browser);
const ROUNDS = 4;
const dir = tempDir();

/**
 * Failed sends pushed to a retry queue that a timer walks and never drains: each retry closure keeps its Uploader
 * (and the pointer event, with its detached element). Each round sends twice (the card's pointerdown is dispatched
 * once, and the close button's click bubbles one more); the fixed card takes its retries out when it closes.
 */
function retryQueuePage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
const retryQueue = [];
setInterval(() => {
  for (const retry of retryQueue) retry();
}, 60000);
class Uploader {
  constructor() {
    this.el = document.createElement('div');
    this.el.className = 'card';
    this.el.innerHTML = '<input><button class="close">x</button>';
    this.el.querySelector('.close').addEventListener('click', () => this.close());
    this.parts = Array.from({ length: 100 }, (_, i) => 'part ' + i);
    this.pending = [];
    this.el.addEventListener('pointerdown', (event) => this.send(event));
  }
  send(event) {
    const retry = () => this.send(event);
    this.pending.push(retry);
    retryQueue.push(retry);
  }
  close() { this.el.remove(); ${fixed ? 'for (const r of this.pending) retryQueue.splice(retryQueue.indexOf(r), 1);' : ''} }
}
document.getElementById('open').addEventListener('click', () => {
  const uploader = new Uploader();
  document.body.append(uploader.el);
  uploader.el.dispatchEvent(new PointerEvent('pointerdown'));
});
</script></body></html>`;
}

/** An rxjs Subject (its minified bundle) each Gallery subscribes to through pipe(filter, map); the fixed one unsubscribes. */
function subscriptionPage(fixed: boolean): string {
  return `<!doctype html><html><head>${scriptTag('rxjs', 'dist/bundles/rxjs.umd.min.js')}</head>
<body><button type="button" id="open">Open</button><script>
const { filter, map } = rxjs;
const clicks$ = new rxjs.Subject();
class Gallery {
  constructor() {
    this.el = document.createElement('div');
    this.el.className = 'card';
    this.el.innerHTML = '<img><button class="close">x</button>';
    this.el.querySelector('.close').addEventListener('click', () => this.close());
    this.thumbs = Array.from({ length: 100 }, (_, i) => ({ i }));
    this.subscription = clicks$.pipe(filter((c) => c > 0), map((c) => c * 2)).subscribe((c) => this.show(c));
  }
  show(c) { this.current = this.thumbs[c % 100]; }
  close() { this.el.remove(); ${fixed ? 'this.subscription.unsubscribe();' : ''} }
}
document.getElementById('open').addEventListener('click', () => document.body.append(new Gallery().el));
</script></body></html>`;
}

/** An undo stack of closures, 20 edits a round, never capped; the fixed one keeps the last 20. */
function undoStackPage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
const undoStack = [];
class Doc {
  constructor() { this.text = ''; }
  edit(text) {
    const previous = this.text;
    this.text = text;
    undoStack.push(() => { this.text = previous; });
    ${fixed ? 'if (undoStack.length > 20) undoStack.shift();' : ''}
  }
}
const doc = new Doc();
let n = 0;
document.getElementById('open').addEventListener('click', () => {
  const card = document.createElement('div');
  card.className = 'card';
  card.innerHTML = '<button class="close">x</button>';
  card.querySelector('.close').addEventListener('click', () => card.remove());
  for (let i = 0; i < 20; i++) doc.edit('draft ' + (++n) + ' ' + 'x'.repeat(500));
  document.body.append(card);
});
</script></body></html>`;
}

/**
 * An undo history of copies of the state (an array of shapes, 20 edits a round), never capped; the current state's
 * array shares its shapes with the copies. The fixed history keeps the last 20.
 */
function stateHistoryPage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
const edits = { past: [], future: [] };
class Shape { constructor(i) { this.x = i; this.y = i * 2; this.label = 'shape ' + i; } }
let shapes = [];
function commit(next) {
  edits.past.push(shapes);
  ${fixed ? 'if (edits.past.length > 20) edits.past.shift();' : ''}
  edits.future = [];
  shapes = next;
}
let n = 0;
document.getElementById('open').addEventListener('click', () => {
  const card = document.createElement('div');
  card.className = 'card';
  card.innerHTML = '<button class="close">x</button>';
  card.querySelector('.close').addEventListener('click', () => card.remove());
  for (let i = 0; i < 20; i++) commit([...shapes.slice(-10), new Shape(++n)]);
  document.body.append(card);
});
</script></body></html>`;
}

/**
 * A React page whose Table puts records made by an object literal into a Map at the script's top level, in a
 * useState initializer (called once, then dropped); the fixed Table deletes them when it unmounts.
 */
function scriptMapPage(fixed: boolean): string {
  return `<!doctype html><html><head><meta charset="utf-8">
${REACT_SCRIPTS}</head>
<body><button type="button" id="open">Open</button><div id="root"></div><script>
const h = React.createElement;
const rowCache = new Map();
let nextId = 0;
function Table({ onClose }) {
  const [ids] = React.useState(() => {
    const list = [];
    for (let i = 0; i < 5; i++) {
      const id = ++nextId;
      rowCache.set(id, { id, cells: Array.from({ length: 50 }, (_, c) => ({ c })) });
      list.push(id);
    }
    return list;
  });
  ${fixed ? 'React.useEffect(() => () => { for (const id of ids) rowCache.delete(id); }, []);' : ''}
  return h('div', { className: 'card' }, h('button', { className: 'close', onClick: onClose }, 'Close'), ids.length);
}
function App() {
  const [shown, setShown] = React.useState(false);
  React.useEffect(() => { document.getElementById('open').onclick = () => setShown(true); }, []);
  return shown ? h(Table, { onClose: () => setShown(false) }) : null;
}
ReactDOM.createRoot(document.getElementById('root')).render(h(App));
</script></body></html>`;
}

/** Tooltips cached by key in a Map, one new key a round, kept after their card is removed; the fixed one deletes it. */
function tooltipCachePage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
const tooltipCache = new Map();
let n = 0;
function tooltipFor(key) {
  let tip = tooltipCache.get(key);
  if (!tip) {
    tip = document.createElement('div');
    tip.className = 'tooltip';
    tip.innerHTML = '<h4>Title ' + key + '</h4><p>' + 'text '.repeat(20) + '</p>';
    tooltipCache.set(key, tip);
  }
  return tip;
}
document.getElementById('open').addEventListener('click', () => {
  const card = document.createElement('div');
  card.className = 'card';
  const key = 'item-' + (++n);
  card.append(tooltipFor(key));
  const close = document.createElement('button');
  close.className = 'close';
  close.addEventListener('click', () => { card.remove(); ${fixed ? 'tooltipCache.delete(key);' : ''} });
  card.append(close);
  document.body.append(card);
});
</script></body></html>`;
}

/**
 * A React form registering each input through a ref callback into a script-level array it never empties (React
 * puts a value tracker record of its own on each input); the fixed form empties it when its inputs go.
 */
function refRegistryPage(fixed: boolean): string {
  return `<!doctype html><html><head><meta charset="utf-8">
${REACT_SCRIPTS}</head>
<body><button type="button" id="open">Open</button><div id="root"></div><script>
const h = React.createElement;
const allInputs = [];
function Form({ onClose }) {
  const register = React.useCallback((el) => { if (el) allInputs.push(el); ${fixed ? 'else allInputs.length = 0;' : ''} }, []);
  return h('div', { className: 'card' },
    Array.from({ length: 5 }, (_, i) => h('input', { key: i, className: 'field', ref: register })),
    h('button', { className: 'close', onClick: onClose }, 'Close'));
}
function App() {
  const [shown, setShown] = React.useState(false);
  React.useEffect(() => { document.getElementById('open').onclick = () => setShown(true); }, []);
  return shown ? h(Form, { onClose: () => setShown(false) }) : null;
}
ReactDOM.createRoot(document.getElementById('root')).render(h(App));
</script></body></html>`;
}

/** Sidebars that set window.onresize to a handler calling the one before it; the fixed one replaces it. */
function handlerChainPage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
class Sidebar {
  constructor() {
    this.el = document.createElement('aside');
    this.el.className = 'card';
    this.el.innerHTML = '<nav></nav><button class="close">x</button>';
    this.el.querySelector('.close').addEventListener('click', () => this.el.remove());
    this.items = Array.from({ length: 100 }, (_, i) => 'item ' + i);
    const previous = window.onresize;
    window.onresize = ${fixed ? '() => this.fit();' : '(event) => { if (previous) previous(event); this.fit(); };'}
  }
  fit() { this.width = this.el.clientWidth; }
}
document.getElementById('open').addEventListener('click', () => document.body.append(new Sidebar().el));
</script></body></html>`;
}

describe('leakscan run: the first finding on queues, subscriptions, histories and caches of a page', { skip }, () => {
  let result: RunResult;
  let stderr = '';
  const scenario = (name: string): ScenarioResult => scenarioNamed(result, name, stderr);
  const noLeak = (name: string): void => {
    const fixed = scenario(name);
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${detail(fixed)}`);
  };

  before(async () => {
    const pages: Array<[string, (fixed: boolean) => string]> = [
      ['retry-queue', retryQueuePage],
      ['subscriptions', subscriptionPage],
      ['undo-stack', undoStackPage],
      ['state-history', stateHistoryPage],
      ['script-map', scriptMapPage],
      ['tooltip-cache', tooltipCachePage],
      ['ref-registry', refRegistryPage],
      ['handler-chain', handlerChainPage],
    ];
    const files = pages.flatMap(([name, page]) => [
      pageScenario(dir, name, page(false)),
      pageScenario(dir, `${name}-fixed`, page(true)),
    ]);
    ({ result, stderr } = await runPages(files, { rounds: ROUNDS, out: join(dir, 'out'), browser, perRun: 4 }));
  });

  test('a retry queue never drained: callbacks queued, what they keep, drain and cap it', () => {
    const kept = scenario('retry-queue');
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'queue', detail(kept));
    assert.equal(first.holder.name, 'retryQueue', detail(kept));
    assert.equal(first.leaked.name, 'Uploader', detail(kept));
    assert.match(
      first.summary,
      new RegExp(`^${ROUNDS * 2} callbacks queued in retryQueue and never removed, keeping ${ROUNDS} Uploader\\b`),
      detail(kept),
    );
    assert.equal(first.site?.line, lineOf(dir, 'retry-queue', 'const retry = () =>'), detail(kept));
    assert.match(first.fix, /^Drain retryQueue: .*cap its length/, detail(kept));
    noLeak('retry-queue-fixed');
  });

  test('rxjs subscriptions never unsubscribed: counted as subscriptions, what each keeps, unsubscribe', () => {
    const kept = scenario('subscriptions');
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'listener', detail(kept));
    assert.equal(first.holder.name, 'clicks$.observers', detail(kept));
    assert.equal(first.leaked.name, 'Gallery', detail(kept));
    assert.match(
      first.summary,
      new RegExp(`^${ROUNDS} subscriptions to clicks\\$ never unsubscribed, each keeping a Gallery\\b`),
      detail(kept),
    );
    assert.equal(first.site?.line, lineOf(dir, 'subscriptions', '.subscribe((c) =>'), detail(kept));
    assert.match(first.fix, /unsubscribe\(\).*takeUntil/, detail(kept));
    noLeak('subscriptions-fixed');
  });

  test('an undo stack never capped: a history, and the fix caps it', () => {
    const kept = scenario('undo-stack');
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'collection', detail(kept));
    assert.equal(first.holder.name, 'undoStack', detail(kept));
    assert.match(first.summary, new RegExp(`^${ROUNDS * 20} callbacks pushed onto undoStack and never dropped\\b`));
    assert.equal(first.site?.line, lineOf(dir, 'undo-stack', 'undoStack.push('), detail(kept));
    assert.match(first.fix, /^Cap undoStack\b/, detail(kept));
    assert.doesNotMatch(first.fix, /Unregister|LRU/, detail(kept));
    noLeak('undo-stack-fixed');
  });

  test("copies of the state in an undo history: the copies pushed, first, not the current state's array", () => {
    const kept = scenario('state-history');
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'collection', detail(kept));
    assert.equal(first.holder.name, 'edits.past', detail(kept));
    assert.equal(first.leaked.name, 'Shape', detail(kept));
    assert.match(
      first.summary,
      /^\d+ arrays pushed onto edits\.past and never dropped: a history with no limit, keeping \d+ Shape\b/,
    );
    assert.match(first.fix, /^Cap edits\.past\b/, detail(kept));
    noLeak('state-history-fixed');
  });

  test("records of a React component in the script's Map: the component's line, though no class places them", () => {
    const kept = scenario('script-map');
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'collection', detail(kept));
    assert.equal(first.holder.name, 'rowCache', detail(kept));
    assert.equal(first.leaked.name, '{id, cells}', detail(kept));
    assert.match(first.site?.script ?? '', /script-map\.html$/, detail(kept));
    assert.equal(first.site?.line, lineOf(dir, 'script-map', 'function Table('), detail(kept));
    noLeak('script-map-fixed');
  });

  test('elements cached by key: named with their class, as many as the cache holds', () => {
    const kept = scenario('tooltip-cache');
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'detached-dom', detail(kept));
    assert.equal(first.holder.name, 'tooltipCache', detail(kept));
    assert.match(
      first.summary,
      new RegExp(
        `^${ROUNDS} <div class="tooltip"> nodes removed from the document and still referenced from tooltipCache`,
      ),
      detail(kept),
    );
    noLeak('tooltip-cache-fixed');
  });

  test("inputs kept by a ref callback's registry: the inputs by their class, not React's record on each", () => {
    const kept = scenario('ref-registry');
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'detached-dom', detail(kept));
    assert.equal(first.holder.name, 'allInputs', detail(kept));
    assert.match(
      first.summary,
      new RegExp(
        `^${ROUNDS * 5} <input class="field"> nodes removed from the document and still referenced from allInputs`,
      ),
      detail(kept),
    );
    noLeak('ref-registry-fixed');
  });

  test('on… handlers each calling the one they replaced: the handler property, and addEventListener in the fix', () => {
    const kept = scenario('handler-chain');
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'closure-chain', detail(kept));
    assert.equal(first.leaked.name, 'Sidebar', detail(kept));
    assert.match(first.summary, /held in an on… event handler property of window\.$/, detail(kept));
    assert.equal(first.site?.line, lineOf(dir, 'handler-chain', 'window.onresize ='), detail(kept));
    assert.match(first.fix, /window\.addEventListener/, detail(kept));
    assert.doesNotMatch(first.fix, /previous value of window\b/, detail(kept));
    noLeak('handler-chain-fixed');
  });
});
