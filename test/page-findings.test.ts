// The first finding of `leakscan run` on page scenarios whose leak is not a
// listener on a live object, through the built binary and Debian's chromium:
// it names what leaks as the page's author would (their data, their elements),
// the collection or variable that holds it, the pattern and the place; each page
// has a fixed twin with no finding. Beside page-scenario.test.ts, which covers
// the listener, subscriber and kept-row pages.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { RunResult, ScenarioResult } from '../src/types.js';
import { tempDir } from './helpers.js';
import { findBrowser, skipWithoutBrowser } from './page-fixture.js';
import {
  detail,
  findingsOf,
  lineOf as pageLine,
  pageScenario,
  REACT_SCRIPTS,
  runPages,
  scenarioNamed,
} from './page-run.js';

const browser = findBrowser();
const skip = skipWithoutBrowser(browser);
const ROUNDS = 4;
/** Pages each `leakscan run` of the suite drives. */
const PAGES_PER_RUN = 4;
const dir = tempDir();

/**
 * A page keeping per-element data the jQuery way: an object keyed by an id written on the element, each entry
 * holding the element. Each card's close button has a click listener of its own (inside the card's DOM, not
 * what accumulates); the fixed page deletes the card's entries when it closes.
 */
function elementDataPage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
const elementData = { byId: {}, next: 0 };
function setData(el, key, value) {
  if (!el.dataset.key) el.dataset.key = String(++elementData.next);
  (elementData.byId[el.dataset.key] ??= {})[key] = value;
}
document.getElementById('open').addEventListener('click', () => {
  const card = document.createElement('div');
  card.className = 'card';
  for (let i = 0; i < 12; i++) {
    const chip = document.createElement('button');
    chip.textContent = 'chip ' + i;
    setData(chip, 'hint', { text: 'hint ' + i, target: chip });
    card.append(chip);
  }
  const close = document.createElement('button');
  close.className = 'close';
  close.addEventListener('click', () => {
    card.remove();
    ${fixed ? 'for (const chip of card.querySelectorAll("[data-key]")) delete elementData.byId[chip.dataset.key];' : ''}
  });
  card.append(close);
  document.body.append(card);
});
</script></body></html>`;
}

/** A page keeping every closed preview's <iframe> in an array; its close button has a listener of its own. */
function framesPage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
const openedFrames = [];
document.getElementById('open').addEventListener('click', () => {
  const card = document.createElement('div');
  card.className = 'card';
  const frame = document.createElement('iframe');
  frame.srcdoc = '<p>preview</p>';
  const close = document.createElement('button');
  close.className = 'close';
  close.addEventListener('click', () => card.remove());
  card.append(frame, close);
  ${fixed ? '' : 'openedFrames.push(frame);'}
  document.body.append(card);
});
</script></body></html>`;
}

/**
 * Event delegation: one document listener dispatches to handlers kept per element id in a registry of the
 * module's; each Toolbar registers a handler object per button, whose closure keeps the Toolbar. The fixed page
 * unregisters them when the toolbar closes.
 */
function delegationPage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
const Delegate = (() => {
  const handlersById = {};
  let next = 0;
  document.addEventListener('click', (event) => handlersById[event.target.dataset.handler]?.click(event));
  return {
    on(el, handlers) { el.dataset.handler = 'h' + (++next); handlersById[el.dataset.handler] = handlers; },
    off(el) { delete handlersById[el.dataset.handler]; },
  };
})();
class Toolbar {
  constructor() {
    this.root = document.createElement('nav');
    this.root.className = 'card';
    this.tools = [];
    for (let i = 0; i < 8; i++) {
      const tool = document.createElement('button');
      tool.textContent = 'tool ' + i;
      Delegate.on(tool, { click: () => this.pick(i) });
      this.tools.push(tool);
      this.root.append(tool);
    }
    const close = document.createElement('button');
    close.className = 'close';
    close.addEventListener('click', () => this.close());
    this.root.append(close);
  }
  pick(i) { this.picked = i; }
  close() { this.root.remove(); ${fixed ? 'for (const tool of this.tools) Delegate.off(tool);' : ''} }
}
document.getElementById('open').addEventListener('click', () => document.body.append(new Toolbar().root));
</script></body></html>`;
}

/** A dialog whose keydown listener on document is a bound method; the fixed one removes it on close. */
function boundListenerPage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
class Prompt {
  constructor() {
    this.el = document.createElement('div');
    this.el.className = 'card';
    this.el.innerHTML = '<p>Sure?</p><button class="close">Cancel</button>';
    this.el.querySelector('.close').addEventListener('click', () => this.close());
    this.onKeyDown = this.onKeyDown.bind(this);
    document.addEventListener('keydown', this.onKeyDown);
  }
  onKeyDown(event) {
    if (event.key === 'Escape') this.close();
  }
  close() { this.el.remove(); ${fixed ? "document.removeEventListener('keydown', this.onKeyDown);" : ''} }
}
document.getElementById('open').addEventListener('click', () => document.body.append(new Prompt().el));
</script></body></html>`;
}

/**
 * A chart whose requestAnimationFrame loop re-requests itself forever, its callback keeping the chart (and its
 * detached canvas); the fixed chart cancels the frame when it closes.
 */
function frameLoopPage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
class LiveChart {
  constructor() {
    this.el = document.createElement('div');
    this.el.className = 'card';
    this.el.innerHTML = '<canvas></canvas><button class="close">x</button>';
    this.el.querySelector('.close').addEventListener('click', () => this.close());
    this.points = Array.from({ length: 100 }, (_, i) => i);
    const draw = () => {
      this.frame = requestAnimationFrame(draw);
    };
    this.frame = requestAnimationFrame(draw);
  }
  close() { this.el.remove(); ${fixed ? 'cancelAnimationFrame(this.frame);' : ''} }
}
document.getElementById('open').addEventListener('click', () => document.body.append(new LiveChart().el));
</script></body></html>`;
}

/** A widget observing document.body with a MutationObserver it never disconnects; the fixed one disconnects. */
function observerPage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
class AutoHeight {
  constructor() {
    this.el = document.createElement('div');
    this.el.className = 'card';
    this.el.innerHTML = '<textarea></textarea><button class="close">x</button>';
    this.el.querySelector('.close').addEventListener('click', () => this.close());
    this.heights = Array.from({ length: 100 }, () => 0);
    this.observer = new MutationObserver(() => {
      this.heights.push(this.el.offsetHeight);
    });
    this.observer.observe(document.body, { childList: true, subtree: true });
  }
  close() { this.el.remove(); ${fixed ? 'this.observer.disconnect();' : ''} }
}
document.getElementById('open').addEventListener('click', () => document.body.append(new AutoHeight().el));
</script></body></html>`;
}

/**
 * A React 18 page (the UMD build in node_modules) whose Panel subscribes to a store handed down by context, in an
 * effect that returns no cleanup: the store's subscriber list keeps each callback and the PanelModel it closes
 * over; the fixed Panel returns the unsubscribe function.
 */
function contextStorePage(fixed: boolean): string {
  return `<!doctype html><html><head><meta charset="utf-8">
${REACT_SCRIPTS}</head>
<body><button type="button" id="open">Open</button><div id="root"></div><script>
const h = React.createElement;
class SettingsStore {
  constructor() { this.listeners = []; this.theme = 'light'; }
  subscribe(fn) {
    this.listeners.push(fn);
    return () => { this.listeners = this.listeners.filter((l) => l !== fn); };
  }
}
const SettingsContext = React.createContext(null);
class PanelModel { constructor() { this.cells = Array.from({ length: 200 }, (_, i) => ({ i })); } }
function Panel({ onClose }) {
  const settings = React.useContext(SettingsContext);
  const [model] = React.useState(() => new PanelModel());
  const [theme, setTheme] = React.useState(settings.theme);
  React.useEffect(() => {
    const unsubscribe = settings.subscribe((t) => setTheme(t + model.cells.length));
    ${fixed ? 'return unsubscribe;' : ''}
  }, [settings]);
  return h('div', { className: 'card ' + theme }, h('button', { className: 'close', onClick: onClose }, 'Close'));
}
const settings = new SettingsStore();
function App() {
  const [shown, setShown] = React.useState(false);
  React.useEffect(() => { document.getElementById('open').onclick = () => setShown(true); }, []);
  return h(SettingsContext.Provider, { value: settings }, shown ? h(Panel, { onClose: () => setShown(false) }) : null);
}
ReactDOM.createRoot(document.getElementById('root')).render(h(App));
</script></body></html>`;
}

/** A ticker polling with a setTimeout chain that never stops; the fixed one clears its timer when it closes. */
function pollingPage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
class Ticker {
  constructor() {
    this.prices = [];
    this.el = document.createElement('div');
    this.el.className = 'card';
    this.el.innerHTML = '<b></b><button class="close">x</button>';
    this.el.querySelector('.close').addEventListener('click', () => this.close());
    this.poll();
  }
  poll() {
    this.prices.push(Math.random());
    if (this.prices.length > 50) this.prices.shift();
    this.timer = setTimeout(() => this.poll(), 100);
  }
  close() { this.el.remove(); ${fixed ? 'clearTimeout(this.timer);' : ''} }
}
document.getElementById('open').addEventListener('click', () => document.body.append(new Ticker().el));
</script></body></html>`;
}

/**
 * Requests that listen for the app's shutdown on a long-lived AbortSignal (appLifetime.signal) and never stop
 * listening; the fixed request removes its listener when its card closes.
 */
function shutdownSignalPage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
const appLifetime = new AbortController();
class ItemsRequest {
  constructor() {
    this.items = Array.from({ length: 200 }, (_, i) => 'item ' + i);
    this.onShutdown = () => this.cancel();
    appLifetime.signal.addEventListener('abort', this.onShutdown);
  }
  cancel() { this.cancelled = true; }
  dispose() { appLifetime.signal.removeEventListener('abort', this.onShutdown); }
}
document.getElementById('open').addEventListener('click', () => {
  const request = new ItemsRequest();
  const card = document.createElement('div');
  card.className = 'card';
  card.innerHTML = '<p>loading</p><button class="close">x</button>';
  card.querySelector('.close').addEventListener('click', () => {
    card.remove();
    ${fixed ? 'request.dispose();' : ''}
  });
  document.body.append(card);
});
</script></body></html>`;
}

/**
 * An editor whose undo function calls the one made before it: each closure keeps the previous one (and the editor
 * its constructor's scope holds, with its detached DOM); the fixed editor's undo does not chain.
 */
function undoChainPage(fixed: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
let lastUndo = null;
class Editor {
  constructor() {
    this.text = 'x'.repeat(2000) + Math.random();
    this.el = document.createElement('div');
    this.el.className = 'card';
    this.el.innerHTML = '<textarea></textarea><button class="close">x</button>';
    this.el.querySelector('.close').addEventListener('click', () => this.el.remove());
    const previous = ${fixed ? 'null' : 'lastUndo'};
    const snapshot = this.text;
    lastUndo = () => { if (previous) previous(); return snapshot; };
  }
}
document.getElementById('open').addEventListener('click', () => document.body.append(new Editor().el));
</script></body></html>`;
}

/** The page's line (1-based) that holds `text`. */
const lineOf = (name: string, text: string): number => pageLine(dir, name, text);

describe('leakscan run: the first finding on pages that keep data and DOM', { skip }, () => {
  let result: RunResult;
  let stderr = '';
  const scenario = (name: string): ScenarioResult => scenarioNamed(result, name, stderr);
  const scenarioModule = (name: string, html: string): string => pageScenario(dir, name, html);

  before(async () => {
    const files = [
      scenarioModule('element-data', elementDataPage(false)),
      scenarioModule('element-data-fixed', elementDataPage(true)),
      scenarioModule('kept-frames', framesPage(false)),
      scenarioModule('kept-frames-fixed', framesPage(true)),
      scenarioModule('delegated', delegationPage(false)),
      scenarioModule('delegated-fixed', delegationPage(true)),
      scenarioModule('bound-listener', boundListenerPage(false)),
      scenarioModule('bound-listener-fixed', boundListenerPage(true)),
      scenarioModule('frame-loop', frameLoopPage(false)),
      scenarioModule('frame-loop-fixed', frameLoopPage(true)),
      scenarioModule('body-observer', observerPage(false)),
      scenarioModule('body-observer-fixed', observerPage(true)),
      scenarioModule('context-store', contextStorePage(false)),
      scenarioModule('context-store-fixed', contextStorePage(true)),
      scenarioModule('polling', pollingPage(false)),
      scenarioModule('polling-fixed', pollingPage(true)),
      scenarioModule('shutdown-signal', shutdownSignalPage(false)),
      scenarioModule('shutdown-signal-fixed', shutdownSignalPage(true)),
      scenarioModule('undo-chain', undoChainPage(false)),
      scenarioModule('undo-chain-fixed', undoChainPage(true)),
    ];
    ({ result, stderr } = await runPages(files, {
      rounds: ROUNDS,
      out: join(dir, 'out'),
      browser,
      perRun: PAGES_PER_RUN,
    }));
  });

  test('per-element data kept by id: the entries in the cache keep detached elements, not a callback', () => {
    const kept = scenario('element-data');
    assert.equal(kept.status, 'leak', kept.verdict);
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'detached-dom', detail(kept));
    assert.equal(first.holder.name, 'elementData.byId', detail(kept));
    // What the cache holds: its entries or the elements, never the close button's click handler inside the card.
    assert.notEqual(first.leaked.type, 'closure', detail(kept));
    assert.doesNotMatch(first.summary, /callback|listener/, detail(kept));
    assert.notEqual(first.site?.line, lineOf('element-data', "close.addEventListener('click'"), detail(kept));
    assert.match(first.fix, /elementData\.byId/, detail(kept));
    const fixed = scenario('element-data-fixed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${detail(fixed)}`);
  });

  test('closed previews kept in an array: the detached <iframe> elements in it', () => {
    const kept = scenario('kept-frames');
    assert.equal(kept.status, 'leak', kept.verdict);
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'detached-dom', detail(kept));
    assert.equal(first.holder.name, 'openedFrames', detail(kept));
    assert.equal(first.leaked.name, 'Detached <iframe>', detail(kept));
    assert.notEqual(first.site?.line, lineOf('kept-frames', "close.addEventListener('click'"), detail(kept));
    const fixed = scenario('kept-frames-fixed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${detail(fixed)}`);
  });

  test("handlers kept per element in a delegation registry: what they keep, not the registry's bytes", () => {
    const kept = scenario('delegated');
    assert.equal(kept.status, 'leak', kept.verdict);
    const [first] = findingsOf(kept);
    // The registry grows in bytes because the handlers accumulate in it: that is the counted leak, named by them.
    assert.notEqual(first?.pattern, 'bytes', detail(kept));
    assert.equal(first.holder.name, 'handlersById', detail(kept));
    assert.equal(first.leaked.name, 'Toolbar', detail(kept));
    assert.equal(first.leaked.count, ROUNDS, detail(kept));
    const fixed = scenario('delegated-fixed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${detail(fixed)}`);
  });

  test('a bound method as a document listener: the place is the method, not another callback of the class', () => {
    const kept = scenario('bound-listener');
    assert.equal(kept.status, 'leak', kept.verdict);
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'listener', detail(kept));
    assert.equal(first.holder.name, 'document', detail(kept));
    assert.equal(first.leaked.name, 'Prompt', detail(kept));
    assert.equal(first.site?.line, lineOf('bound-listener', 'onKeyDown(event) {'), detail(kept));
    assert.match(first.summary, new RegExp(`bound-listener\\.html:${first.site?.line}\\b`), detail(kept));
    const fixed = scenario('bound-listener-fixed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${detail(fixed)}`);
  });

  test('a requestAnimationFrame loop never cancelled: the frame callbacks, the chart each keeps, the fix', () => {
    const kept = scenario('frame-loop');
    assert.equal(kept.status, 'leak', kept.verdict);
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'timer', detail(kept));
    assert.equal(first.leaked.name, 'LiveChart', detail(kept));
    assert.match(first.summary, /^4 requestAnimationFrame callbacks never cancelled\b/, detail(kept));
    assert.equal(first.site?.line, lineOf('frame-loop', 'const draw = () => {'), detail(kept));
    assert.doesNotMatch(first.holder.name, /\[\d+\]/, detail(kept));
    assert.match(first.fix, /cancelAnimationFrame/, detail(kept));
    const fixed = scenario('frame-loop-fixed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${detail(fixed)}`);
  });

  test('a MutationObserver on document.body never disconnected: the observers, what they keep, the fix', () => {
    const kept = scenario('body-observer');
    assert.equal(kept.status, 'leak', kept.verdict);
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'listener', detail(kept));
    assert.equal(first.holder.name, 'document.body', detail(kept));
    assert.equal(first.leaked.name, 'AutoHeight', detail(kept));
    assert.match(first.summary, /^4 MutationObservers observing document\.body and never disconnected\b/, detail(kept));
    assert.equal(first.site?.line, lineOf('body-observer', 'new MutationObserver('), detail(kept));
    assert.match(first.fix, /disconnect\(\)/, detail(kept));
    const fixed = scenario('body-observer-fixed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${detail(fixed)}`);
  });

  test("a React effect's store subscription never cleaned up: the callbacks in the store's list, not a collection", () => {
    const kept = scenario('context-store');
    assert.equal(kept.status, 'leak', kept.verdict);
    const [first] = findingsOf(kept);
    // What accumulates in the list is the callbacks; the PanelModel each closes over is what they keep.
    assert.equal(first?.pattern, 'listener', detail(kept));
    assert.equal(first.holder.name, 'settings.listeners', detail(kept));
    assert.equal(first.leaked.name, 'PanelModel', detail(kept));
    assert.match(
      first.summary,
      new RegExp(
        `^${ROUNDS} callbacks registered in settings\\.listeners and never removed, each keeping a PanelModel`,
      ),
      detail(kept),
    );
    assert.equal(first.site?.line, lineOf('context-store', 'settings.subscribe((t)'), detail(kept));
    assert.match(first.fix, /unsubscribe/, detail(kept));
    const fixed = scenario('context-store-fixed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${detail(fixed)}`);
  });

  test('a setTimeout chain never stopped: one timer per ticker, not the handlers of the DOM each keeps', () => {
    const kept = scenario('polling');
    assert.equal(kept.status, 'leak', kept.verdict);
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'timer', detail(kept));
    assert.equal(first.leaked.name, 'Ticker', detail(kept));
    // The tickers of the measured rounds: the warm-up's, whose pending timer is new at every poll, keeps an old one.
    assert.match(first.summary, new RegExp(`^${ROUNDS} timers never cleared\\b`), detail(kept));
    assert.equal(first.site?.line, lineOf('polling', 'setTimeout(() => this.poll()'), detail(kept));
    const fixed = scenario('polling-fixed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${detail(fixed)}`);
  });

  test("listeners on a controller's signal: the signal named as the page reaches it, appLifetime.signal", () => {
    const kept = scenario('shutdown-signal');
    assert.equal(kept.status, 'leak', kept.verdict);
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'listener', detail(kept));
    assert.equal(first.holder.name, 'appLifetime.signal', detail(kept));
    assert.equal(first.leaked.name, 'ItemsRequest', detail(kept));
    assert.match(
      first.summary,
      new RegExp(`^${ROUNDS} event listeners added to appLifetime\\.signal and never removed`),
    );
    assert.match(first.fix, /^Remove the listener from appLifetime\.signal with removeEventListener/, detail(kept));
    const fixed = scenario('shutdown-signal-fixed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${detail(fixed)}`);
  });

  test('undo closures each calling the one before: a closure chain, not the detached DOM each keeps', () => {
    const kept = scenario('undo-chain');
    assert.equal(kept.status, 'leak', kept.verdict);
    const [first] = findingsOf(kept);
    assert.equal(first?.pattern, 'closure-chain', detail(kept));
    assert.equal(first.holder.name, 'lastUndo', detail(kept));
    assert.equal(first.leaked.name, 'Editor', detail(kept));
    assert.equal(first.site?.line, lineOf('undo-chain', 'lastUndo = () =>'), detail(kept));
    const fixed = scenario('undo-chain-fixed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${detail(fixed)}`);
  });
});
