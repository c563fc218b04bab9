// `leakscan run` on page scenarios (url, action, back), through the built
// binary and Debian's chromium (.ci/run installs it): pages written here, each
// leaking one usual way with a fixed twin; the browser gone after every run;
// the page's numbers per round in --json; one line without puppeteer-core.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { findBrowser } from '../src/browser/puppeteer.js';
import { runScenario } from '../src/index.js';
import { isPageScenario, validatePageScenario } from '../src/page-scenario.js';
import type { RunResult, ScenarioResult } from '../src/types.js';
import { cli, root, runCli, tempDir } from './helpers.js';
import { pageScenario, REACT_SCRIPTS } from './page-run.js';

const browser = findBrowser().path;
// In CI the browser is installed by .ci/run: its absence there is a failure, not a skip.
const skip =
  browser === null && process.env.CI !== 'true'
    ? 'no chromium on this machine (apt-get install -y chromium, or set CHROME_PATH)'
    : false;

const ROUNDS = 4;
const dir = tempDir();

/** A page whose "Open" makes a Row (a <div> with a list) and whose "Close" removes it; `keep` decides whether it is kept. */
function rowsPage(keep: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
class Row {
  constructor(n) {
    this.root = document.createElement('div');
    this.root.className = 'row';
    for (let i = 0; i < 10; i++) { const li = document.createElement('li'); li.textContent = n + '.' + i; this.root.append(li); }
    const close = document.createElement('button');
    close.className = 'close';
    close.addEventListener('click', () => this.close());
    this.root.append(close);
  }
  close() { this.root.remove(); ${keep ? 'removedRows.push(this);' : ''} }
}
const removedRows = [];
let n = 0;
document.getElementById('open').addEventListener('click', () => document.body.append(new Row(++n).root));
</script></body></html>`;
}

/** A page whose panel adds a document listener (closing over the Panel) on open; the fixed one removes it on close. */
function listenerPage(removes: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
class Panel {
  constructor() {
    this.root = document.createElement('section');
    this.root.className = 'panel';
    this.lines = Array.from({ length: 50 }, (_, i) => 'line ' + i);
    this.onKey = (event) => { if (event.key === 'Escape') this.close(); };
    document.addEventListener('keydown', this.onKey);
    const close = document.createElement('button');
    close.className = 'close';
    close.addEventListener('click', () => this.close());
    this.root.append(close);
  }
  close() { this.root.remove(); ${removes ? "document.removeEventListener('keydown', this.onKey);" : ''} }
}
document.getElementById('open').addEventListener('click', () => document.body.append(new Panel().root));
</script></body></html>`;
}

/**
 * A page with a store of its own (subscribe returns the unsubscribe function): each Inbox view subscribes a
 * callback that updates its badge, so the callback keeps the view and its DOM; the fixed one unsubscribes on close.
 */
function storePage(unsubscribes: boolean): string {
  return `<!doctype html><html><body><button type="button" id="open">Open</button><script>
function createStore(state) {
  const listeners = [];
  return {
    setState(next) { state = next; for (const l of listeners) l(state); },
    subscribe(fn) { listeners.push(fn); return () => listeners.splice(listeners.indexOf(fn), 1); },
  };
}
const store = createStore({ unread: 3 });
class Inbox {
  constructor() {
    this.root = document.createElement('section');
    this.root.className = 'inbox';
    for (let i = 0; i < 20; i++) { const li = document.createElement('li'); li.textContent = 'message ' + i; this.root.append(li); }
    this.badge = document.createElement('span');
    const close = document.createElement('button');
    close.className = 'close';
    close.addEventListener('click', () => this.close());
    this.root.append(this.badge, close);
    this.unsubscribe = store.subscribe((s) => { this.badge.textContent = String(s.unread); });
  }
  close() { this.root.remove(); ${unsubscribes ? 'this.unsubscribe();' : ''} }
}
document.getElementById('open').addEventListener('click', () => document.body.append(new Inbox().root));
</script></body></html>`;
}

/**
 * A React 18 page (the UMD build in node_modules) whose Chart component adds a window 'resize' listener in an
 * effect, closing over its ChartModel; the leaking one returns no cleanup, the fixed one removes it on unmount.
 */
function reactPage(cleanup: boolean): string {
  return `<!doctype html><html><head><meta charset="utf-8">
${REACT_SCRIPTS}</head>
<body><button type="button" id="open">Toggle</button><div id="root"></div><script>
const h = React.createElement;
class ChartModel { constructor() { this.points = Array.from({ length: 200 }, (_, x) => ({ x, y: x * 2 })); } }
function Chart({ onClose }) {
  const [model] = React.useState(() => new ChartModel());
  const [width, setWidth] = React.useState(0);
  React.useEffect(() => {
    const onResize = () => setWidth(window.innerWidth + model.points.length);
    window.addEventListener('resize', onResize);
    ${cleanup ? "return () => window.removeEventListener('resize', onResize);" : ''}
  }, []);
  return h('div', { className: 'chart' }, h('button', { className: 'close', onClick: onClose }, 'Close'), String(width));
}
function App() {
  const [shown, setShown] = React.useState(false);
  React.useEffect(() => { document.getElementById('open').onclick = () => setShown(true); }, []);
  return shown ? h(Chart, { onClose: () => setShown(false) }) : null;
}
ReactDOM.createRoot(document.getElementById('root')).render(h(App));
</script></body></html>`;
}

/** A page scenario module: opens `html`, clicks open then close; records the browser's pid and profile. */
function scenarioModule(name: string, html: string, selector: string, afterBack = ''): string {
  const setup = `  const child = page.browser().process();
  const profile = child.spawnargs.find((a) => a.startsWith('--user-data-dir=')).slice('--user-data-dir='.length);
  writeFileSync(${JSON.stringify(join(dir, `${name}.browser.json`))}, JSON.stringify({ pid: child.pid, profile }));
  console.log('browser ready');`;
  return pageScenario(dir, name, html, { selector, setup, afterBack });
}

/** The browser a scenario ran: its process has exited and its profile folder is gone. */
function assertBrowserGone(name: string): void {
  const { pid, profile } = JSON.parse(readFileSync(join(dir, `${name}.browser.json`), 'utf8')) as {
    pid: number;
    profile: string;
  };
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `${name}: browser ${pid} still runs`);
  assert.equal(existsSync(profile), false, `${name}: its profile ${profile} was removed`);
}

const fast = ['-n', String(ROUNDS), '--json'];

describe('leakscan run on page scenarios', { skip }, () => {
  let run: { code: number; stdout: string; stderr: string };
  let result: RunResult;
  const scenario = (name: string): ScenarioResult => {
    const s = result.scenarios.find((x) => x.name === name);
    assert.ok(s, `${name} in the result`);
    return s;
  };
  const out = join(dir, 'out');

  before(async () => {
    const files = [
      scenarioModule('kept-rows', rowsPage(true), '.row'),
      scenarioModule('dropped-rows', rowsPage(false), '.row'),
      scenarioModule('listener-kept', listenerPage(false), '.panel'),
      scenarioModule('listener-removed', listenerPage(true), '.panel'),
      scenarioModule('react-listener-kept', reactPage(false), '.chart'),
      scenarioModule('react-listener-removed', reactPage(true), '.chart'),
      scenarioModule('subscriber-kept', storePage(false), '.inbox'),
      scenarioModule('subscriber-removed', storePage(true), '.inbox'),
    ];
    run = await runCli(['run', ...fast, '--out', out, ...files], { env: { CI: 'true', CHROME_PATH: browser ?? '' } });
    result = JSON.parse(run.stdout) as RunResult;
  });

  test('removed elements kept in an array: a leak of their class; the fixed twin: none', () => {
    assert.equal(run.code, 0, run.stderr);
    const kept = scenario('kept-rows');
    assert.equal(kept.status, 'leak', kept.verdict);
    assert.ok(
      kept.leaks.some((c) => c.name === 'Row' && c.added >= ROUNDS),
      `Row leaks: ${kept.leaks.map((c) => c.name).join(', ')}`,
    );
    const row = kept.diff?.classes.find((c) => c.name === 'Row');
    assert.ok(row && row.added - row.removed === ROUNDS, 'one Row per round in the diff');
    const fixed = scenario('dropped-rows');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${fixed.leaks.map((c) => c.name).join(', ')}`);
    assert.deepEqual(fixed.leaks, []);
    assert.deepEqual(fixed.growth, []);
  });

  test('a listener added per action and never removed: a leak of what it closes over; the fixed twin: none', () => {
    const kept = scenario('listener-kept');
    assert.equal(kept.status, 'leak', kept.verdict);
    // Which class leads the verdict is the engine's naming (Blink's listener record or the Panel):
    // the Panels themselves must be in the diff, one per round.
    const panel = kept.diff?.classes.find((c) => c.name === 'Panel');
    assert.ok(panel && panel.added - panel.removed === ROUNDS, `one Panel per round: ${JSON.stringify(panel)}`);
    // The first finding says it as the page's author would: listeners on document, each keeping a Panel.
    const first = (kept.diff?.findings ?? [])[0];
    const detail = JSON.stringify((kept.diff?.findings ?? []).map(({ retainerPath: _, ...f }) => f));
    assert.equal(first?.pattern, 'listener', detail);
    assert.equal(first.leaked.name, 'Panel', detail);
    assert.equal(first.holder.name, 'document', detail);
    assert.match(first.summary, new RegExp(`^${ROUNDS} event listeners added to document\\b`), detail);
    assert.match(first.fix, /removeEventListener/, detail);
    assert.match(kept.verdict, /Panel/);
    const fixed = scenario('listener-removed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${fixed.leaks.map((c) => c.name).join(', ')}`);
    assert.deepEqual(fixed.growth, []);
  });

  test("a React effect's window listener never cleaned up: listeners on window keeping the component's model", () => {
    const kept = scenario('react-listener-kept');
    assert.equal(kept.status, 'leak', kept.verdict);
    const detail = JSON.stringify((kept.diff?.findings ?? []).map(({ retainerPath: _, ...f }) => f));
    // One finding: React's own bookkeeping of the last round (a fiber's stale effect) is no second leak.
    assert.equal((kept.diff?.findings ?? []).length, 1, detail);
    const [first] = kept.diff?.findings ?? [];
    assert.equal(first.pattern, 'listener', detail);
    assert.equal(first.leaked.name, 'ChartModel', detail);
    assert.equal(first.leaked.count, ROUNDS, detail);
    assert.equal(first.holder.name, 'window', detail);
    assert.match(
      first.summary,
      new RegExp(`^${ROUNDS} event listeners added to window and never removed, each keeping a ChartModel`),
      detail,
    );
    // The place is the listener's callback in the page: the line of addEventListener's callback.
    const html = readFileSync(join(dir, 'react-listener-kept.html'), 'utf8').split('\n');
    assert.match(first.site?.script ?? '', /react-listener-kept\.html$/, detail);
    assert.match(html[(first.site?.line ?? 0) - 1] ?? '', /const onResize =/, detail);
    assert.match(first.fix, /removeEventListener/, detail);
    const fixed = scenario('react-listener-removed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${JSON.stringify(fixed.diff?.findings ?? [])}`);
    assert.deepEqual(fixed.diff?.findings ?? [], []);
  });

  test("a store's subscriber never unsubscribed: callbacks in the store's list, each keeping a view and its detached DOM", () => {
    const kept = scenario('subscriber-kept');
    assert.equal(kept.status, 'leak', kept.verdict);
    const findings = kept.diff?.findings ?? [];
    const detail = JSON.stringify(findings.map(({ retainerPath: _, ...f }) => f));
    // Not the bytes the store's array grew by, nor the <li> elements: the callbacks, what they keep, where they were added.
    const [first] = findings;
    assert.equal(first?.pattern, 'listener', detail);
    assert.equal(first.holder.name, 'listeners', detail);
    assert.equal(first.leaked.name, 'Inbox', detail);
    assert.match(
      first.summary,
      new RegExp(
        `^${ROUNDS} callbacks registered in listeners and never removed, each keeping an Inbox and DOM nodes removed from the document`,
      ),
      detail,
    );
    const html = readFileSync(join(dir, 'subscriber-kept.html'), 'utf8').split('\n');
    assert.match(html[(first.site?.line ?? 0) - 1] ?? '', /store\.subscribe\(/, detail);
    assert.match(first.fix, /unsubscribe/, detail);
    assert.ok(!findings.some((f) => f.pattern === 'bytes' && f.holder.name === 'listeners'), detail);
    const fixed = scenario('subscriber-removed');
    assert.equal(fixed.status, 'no-leak', `${fixed.verdict}: ${JSON.stringify(fixed.diff?.findings ?? [])}`);
  });

  test('--json has the page numbers of every round', () => {
    for (const s of result.scenarios) {
      assert.ok(s.page, `${s.name} has page metrics`);
      assert.match(s.page.browser, /Chrom/);
      for (const series of [s.page.jsHeapUsed, s.page.domNodes, s.page.eventListeners, s.page.documents]) {
        assert.equal(series.length, ROUNDS);
        for (const v of series) assert.ok(Number.isInteger(v) && v > 0, `${s.name}: ${v}`);
      }
      assert.deepEqual(s.rss, { withoutGc: [], withGc: [] }, 'no Node process numbers for a page');
      // The browser's processes, where the system says (Linux: /proc).
      if (process.platform === 'linux') {
        assert.equal(s.page.browserRss.length, ROUNDS);
        for (const v of s.page.browserRss) assert.ok(v > 10_000_000, `${s.name}: browser RSS ${v}`);
      }
    }
    // Kept rows: 12 nodes each (div, 10 li with their text… counted by Chrome), every round more.
    const kept = scenario('kept-rows').page!.domNodes;
    for (let i = 1; i < kept.length; i++) assert.ok(kept[i] > kept[i - 1], `DOM nodes grow: ${kept.join(' ')}`);
    const fixed = scenario('dropped-rows').page!.domNodes;
    assert.equal(new Set(fixed).size, 1, `DOM nodes stay: ${fixed.join(' ')}`);
    // The document's keydown listener and the kept close button's click listener: more every round.
    const listeners = scenario('listener-kept').page!.eventListeners;
    for (let i = 1; i < listeners.length; i++)
      assert.ok(listeners[i] > listeners[i - 1], `listeners grow: ${listeners.join(' ')}`);
    assert.equal(new Set(scenario('listener-removed').page!.eventListeners).size, 1);
  });

  test('snapshots in --out, and the browser is gone after the run', () => {
    for (const s of result.scenarios) {
      assert.ok(existsSync(s.snapshots.before) && existsSync(s.snapshots.after), s.name);
      assertBrowserGone(s.name);
    }
    assert.deepEqual(
      readdirSync(out).filter((f) => !f.endsWith('.heapsnapshot')),
      [],
      'nothing but the snapshots in --out',
    );
  });

  test('the terminal report, --html, --bundle and --fail-on-leak as for a Node scenario', async () => {
    const html = join(dir, 'kept-rows.html.report.html');
    const bundle = join(dir, 'kept-rows-bundle');
    const r = await runCli(
      [
        'run',
        '-n',
        '3',
        '--out',
        join(dir, 'out-text'),
        '--html',
        html,
        '--bundle',
        bundle,
        '--fail-on-leak',
        join(dir, 'kept-rows.page.mjs'),
      ],
      { env: { CI: 'true' } },
    );
    // kept-rows does not declare `expect: 'leak'`: its leak fails the run.
    assert.equal(r.code, 1, r.stderr);
    assert.match(readFileSync(html, 'utf8'), /The page per round/);
    assert.deepEqual(readdirSync(join(bundle, 'snapshots')).sort(), [
      'kept-rows.after.heapsnapshot.gz',
      'kept-rows.before.heapsnapshot.gz',
    ]);
    const bundled = JSON.parse(readFileSync(join(bundle, 'report.json'), 'utf8')) as RunResult;
    assert.equal(bundled.scenarios[0].page?.domNodes.length, 3);
    assert.match(r.stdout, /Round\s+JS heap used\s+DOM nodes\s+Listeners\s+Documents/);
    assert.match(r.stdout, /^Row\s+object\s+3\s+0\s+\+3/m);
    assert.match(r.stdout, /^kept-rows: 3 Row objects in removedRows \(detached-dom\) — leak\b/m);
  });

  test('stopped while the browser starts: the run ends with the browser closed and its profile gone', async () => {
    const file = scenarioModule('stopped-early', rowsPage(false), '.row');
    const temp = tempDir();
    const stop = new AbortController();
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = temp; // where the browser's profile goes
    try {
      await assert.rejects(
        runScenario(file, {
          outDir: join(dir, 'out-stopped'),
          signal: stop.signal,
          // Once the launch is under way (not in the same turn as its step starts).
          onProgress: (_, text) => {
            if (text.startsWith('starting ')) setImmediate(() => stop.abort(new Error('stopped by the test')));
          },
        }),
        /stopped by the test/,
      );
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    assert.deepEqual(
      readdirSync(temp).filter((f) => f.startsWith('leakscan-chrome-')),
      [],
      'the profile of the browser it started is removed',
    );
  });

  test('a step that throws, a step that hangs: one line naming the step, exit 2, the browser gone', async () => {
    const throws = scenarioModule(
      'throws-in-back',
      rowsPage(false),
      '.row',
      "throw new Error('the close button moved');",
    );
    const hangs = scenarioModule('hangs-in-back', rowsPage(false), '.row', 'await new Promise(() => {});');
    const failOut = join(dir, 'out-fail');
    const r = await runCli(['run', '--timeout', '3', '--out', failOut, throws, hangs], { env: { CI: 'true' } });
    assert.equal(r.code, 2, r.stderr);
    // The scenarios' own output ("[name] browser ready") comes first; then one line per failure.
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('['));
    assert.deepEqual(lines, [
      'leakscan: throws-in-back: failed — threw in warm-up round: back: the close button moved',
      'leakscan: hangs-in-back: failed — timed out after 3 s in warm-up round: back (raise --timeout if it needs longer)',
    ]);
    assertBrowserGone('throws-in-back');
    assertBrowserGone('hangs-in-back');
    assert.deepEqual(existsSync(failOut) ? readdirSync(failOut) : [], [], 'no snapshot left behind');
  });

  test('Ctrl-C: the browser is closed, its profile and the snapshots removed, exit 130', async () => {
    const hangs = scenarioModule('hangs-until-ctrl-c', rowsPage(false), '.row', 'await new Promise(() => {});');
    const sigOut = tempDir();
    const temp = tempDir();
    const child = spawn(process.execPath, [cli, 'run', hangs, '--out', sigOut, '--timeout', '60', '--json'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', CI: 'true', TMPDIR: temp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // The scenario's console output comes on stderr: once its setup said so, the browser runs.
    await new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        stderr += text;
        if (stderr.includes('browser ready')) resolve();
      });
    });
    child.kill('SIGINT');
    assert.equal(await closed, 130, stderr);
    assert.match(stderr, /^\[hangs-until-ctrl-c\] browser ready\nleakscan: interrupted \(SIGINT\)/);
    assertBrowserGone('hangs-until-ctrl-c');
    assert.deepEqual(readdirSync(sigOut), [], 'no snapshot in --out');
    assert.deepEqual(readdirSync(temp), [], 'no profile or temp folder left');
  });

  test('the built-in page scenario: detached dialogs kept in an array, where the page allocated them', async () => {
    const r = await runCli(
      ['run', 'detached-dialogs', '-n', '3', '--json', '--allocation-stacks', '--out', join(dir, 'out-builtin')],
      { env: { CI: 'true' } },
    );
    assert.equal(r.code, 0, r.stderr);
    const s = (JSON.parse(r.stdout) as RunResult).scenarios[0];
    assert.equal(s.status, 'leak', s.verdict);
    assert.equal(s.asExpected, true);
    const dialog = s.leaks.find((c) => c.name === 'DialogView');
    assert.ok(dialog, s.leaks.map((c) => c.name).join(', '));
    // --allocation-stacks: the place in the page's own file.
    const places = (dialog.allocationStacks ?? []).flatMap((stack) => stack.frames.map((f) => f.script));
    assert.ok(
      places.some((script) => /detached-dialogs\.html$/.test(script)),
      `allocated in the page: ${places.join(', ')}`,
    );
  });
});

describe('leakscan run on a page scenario without puppeteer-core', () => {
  test('one line saying what to install, exit 2', async () => {
    // A copy of the package whose node_modules has everything but puppeteer-core.
    const pkg = tempDir();
    cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
    mkdirSync(join(pkg, 'node_modules'));
    for (const name of readdirSync(join(root, 'node_modules'))) {
      if (name !== 'puppeteer-core' && name !== '.bin')
        symlinkSync(join(root, 'node_modules', name), join(pkg, 'node_modules', name));
    }
    const file = join(pkg, 'page.mjs');
    writeFileSync(
      file,
      'export const url = "about:blank";\nexport async function action() {}\nexport async function back() {}\n',
    );
    const r = await runCli(['run', '--out', join(pkg, 'out'), file], {
      cwd: pkg,
      env: { CI: 'true' },
      cli: join(pkg, 'dist/src/cli.js'),
    });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      'leakscan: page: failed — a page scenario needs puppeteer-core: npm install puppeteer-core\n',
    );
  });
});

describe('the page-scenario contract', () => {
  const page = { url: 'about:blank', action: async () => {}, back: async () => {} };
  test('told from a Node scenario by its exports', () => {
    assert.equal(isPageScenario(page), true);
    assert.equal(isPageScenario({ url: 'about:blank', action: async () => {} }), true, 'then validated: back missing');
    assert.equal(isPageScenario({ name: 'x', run: () => {} }), false);
    assert.equal(isPageScenario({ name: 'x', run: () => {}, url: 'u', action: () => {} }), false, 'run wins');
    assert.equal(isPageScenario(null), false);
  });
  test('each field checked, one line naming it', () => {
    assert.equal(validatePageScenario(page, 'file-name').name, 'file-name');
    assert.equal(validatePageScenario({ ...page, name: 'mine' }, 'file-name').name, 'mine');
    for (const [value, problem] of [
      [{ ...page, url: 5 }, /"url" must be a string or a function/],
      [{ ...page, url: ' ' }, /"url" must not be empty/],
      [{ ...page, back: undefined }, /"back" must be a function/],
      [{ ...page, setup: 'x' }, /"setup" must be a function/],
      [{ ...page, expect: 'maybe' }, /"expect" must be "leak" or "no-leak"/],
      [{ ...page, iterations: 0 }, /"iterations" must be a whole number/],
    ] as const) {
      assert.throws(() => validatePageScenario(value, 's'), problem);
    }
  });
});

describe('finding the browser', () => {
  /** An executable file at `dir/relative`. */
  const executable = (base: string, relative: string): string => {
    const file = join(base, relative);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
    return file;
  };
  test('CHROME_PATH, and only it, when set', () => {
    const base = tempDir();
    const chrome = executable(base, 'my-chrome');
    executable(base, 'bin/chromium');
    assert.deepEqual(findBrowser({ CHROME_PATH: chrome, PATH: join(base, 'bin') }, 'linux'), {
      path: chrome,
      reason: null,
    });
    const missing = join(base, 'nope');
    assert.deepEqual(findBrowser({ CHROME_PATH: missing, PATH: join(base, 'bin') }, 'linux'), {
      path: null,
      reason: `CHROME_PATH=${missing} is not an executable file`,
    });
  });
  test('the names on PATH in order; a file that is not executable is passed over', () => {
    const base = tempDir();
    const chrome = executable(base, 'b/google-chrome');
    mkdirSync(join(base, 'a'));
    writeFileSync(join(base, 'a/chromium'), 'not executable', { mode: 0o644 });
    const env = { PATH: [join(base, 'a'), join(base, 'b')].join(':') };
    assert.equal(findBrowser(env, 'linux').path, chrome);
    assert.equal(findBrowser({ PATH: join(base, 'a') }, 'linux').path, null);
    assert.match(findBrowser({ PATH: join(base, 'a') }, 'linux').reason ?? '', /no Chrome or Chromium found/);
  });
  // On a Mac, a browser in the real /Applications comes first.
  test("macOS: the apps folders, the user's too", { skip: process.platform === 'darwin' }, () => {
    const home = tempDir();
    const app = executable(home, 'Applications/Chromium.app/Contents/MacOS/Chromium');
    assert.equal(findBrowser({ PATH: '', HOME: home }, 'darwin').path, app);
  });
});
