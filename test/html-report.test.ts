// The HTML report as a person sees it: written by diff, inspect, run and
// bundle, opened from disk in headless Chromium (Debian's `chromium`, driven by
// puppeteer-core; .ci/run installs it), and read, sorted, filtered and
// expanded there. Also: what the file itself must not let through.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { contentSecurityPolicy, htmlDiff } from '../src/report/html.js';
import type { ClassDiff, DiffResult, Finding, HolderGroup, RetainerPath, SnapshotMeta } from '../src/types.js';
import { runCli, runFixture, tempDir } from './helpers.js';

const HOSTILE = '<img src=x onerror="window.pwned=1">';
const CLOSER = '</script><script>window.pwned=2</script><!--';
/** A generated class name with no place to break (a bundler's, a shape with 200 properties). */
const LONG = `Generated${'Ab'.repeat(150)}`;

const meta = (path: string): SnapshotMeta => ({
  path,
  fileBytes: 4_000_000,
  nodeCount: 40_000,
  edgeCount: 180_000,
  totalSize: 2_900_000,
  reachableSize: 2_800_000,
  runtime: 'node',
});

const path = (leaf: string, leafId: number): RetainerPath => [
  { nodeId: 3, name: '(GC roots)', type: 'synthetic', edge: null },
  {
    nodeId: 6165,
    name: 'system / Context',
    type: 'object',
    edge: { type: 'internal', name: 'context' },
    location: { script: 'file:///srv/app/src/server.js', line: 30, column: 5 },
  },
  { nodeId: 77193, name: 'Map', type: 'object', edge: { type: 'context', name: 'sessions' } },
  { nodeId: 80725, name: '(array)', type: 'array', edge: { type: 'internal', name: 'table' } },
  { nodeId: leafId, name: leaf, type: 'object', edge: { type: 'internal', name: '446' } },
];

function holder(leaf: string, leafId: number, count: number): HolderGroup {
  return {
    count,
    retainedSize: count * 120,
    heldBy: 'program',
    holder: { nodeId: 77193, name: 'Map', type: 'object' },
    sampleNodeId: leafId,
    retainerPath: path(leaf, leafId),
  };
}

function row(name: string, added: number, removed: number, extra: Partial<ClassDiff> = {}): ClassDiff {
  return {
    name,
    type: 'object',
    added,
    removed,
    addedSize: added * 48,
    removedSize: removed * 48,
    retainedSize: added * 120,
    heldByNew: 0,
    heldByStack: 0,
    heldWeakly: 0,
    suspect: false,
    sampleNodeId: null,
    retainerPath: null,
    holders: null,
    ...extra,
  };
}

/** A diff as the engine will give it once it knows locations and allocation stacks, with hostile names. */
function constructedDiff(): DiffResult {
  const diff: DiffResult = {
    before: meta('before.heapsnapshot'),
    after: meta('after.heapsnapshot'),
    sharedIds: 39_000,
    findings: [],
    classes: [
      row('Session', 300, 0, {
        suspect: true,
        location: { script: 'file:///srv/app/src/session.js', line: 12, column: 3 },
        allocationStacks: [
          {
            count: 300,
            size: 14_400,
            frames: [
              { functionName: 'makeSession', script: 'file:///srv/app/src/session.js', line: 14, column: 9 },
              { functionName: 'handle', script: 'file:///srv/app/src/server.js', line: 31, column: 2 },
            ],
          },
        ],
        sampleNodeId: 79391,
        retainerPath: path('Session', 79391),
        holders: [holder('Session', 79391, 300)],
      }),
      row(HOSTILE, 120, 7, {
        suspect: true,
        constructorName: CLOSER,
        sampleNodeId: 90001,
        retainerPath: path(HOSTILE, 90001),
        holders: [holder(HOSTILE, 90001, 120)],
      }),
      row('<redacted ≤16 chars #3>', 80, 2),
      row('Object', 10, 500),
      row(LONG, 60, 0, { sampleNodeId: 90002, retainerPath: path(LONG, 90002) }),
    ],
    totals: { added: 510, removed: 509, addedSize: 24_480, removedSize: 24_432, retainedSize: 61_200 },
    thresholds: { minCount: 50, minBytes: 0 },
    engine: 'leakscan',
  };
  // A third snapshot's meta, as a three-snapshot diff may carry: shown, not a reason to fail.
  return Object.assign(diff, { final: meta('final.heapsnapshot') });
}

/** The page's DOM as these tests read it (the project compiles without the DOM lib); casts only, as
 *  the callbacks of $eval run in the page. */
interface Dom {
  textContent: string | null;
  open: boolean;
  alt: string;
  naturalWidth: number;
  cells: ArrayLike<Dom>;
  querySelectorAll(selector: string): ArrayLike<Dom>;
  querySelector(selector: string): Dom | null;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64');

describe('the HTML file', () => {
  const html = htmlDiff(constructedDiff());

  test('names from the snapshot never become markup: two script elements, no img, the data block cannot be closed', () => {
    assert.equal(html.match(/<script/gi)?.length, 2, 'the data block and the page script');
    assert.equal(html.match(/<\/script/gi)?.length, 2);
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /<!--/);
    const data = html.match(/<script type="application\/json" id="leakscan-data">([^<]*)<\/script>/);
    assert.ok(data, 'a JSON data block with no < inside');
    const parsed = JSON.parse(data[1]);
    assert.ok(
      JSON.stringify(parsed).includes(JSON.stringify(HOSTILE).slice(1, -1)),
      'the name is in the data, as text',
    );
  });

  test('read as text, it opens with the main finding: in its title, then in the lines shown without a script', () => {
    const finding = (name: string, holder: string, fix: string): Finding => ({
      pattern: 'collection',
      leaked: { name, type: 'object', count: 300, retainedSize: 36_000, location: null },
      holder: { name: holder, nodeId: 6167, location: null },
      site: { script: 'file:///srv/app/src/session.js', line: 12, column: 3 },
      retainerPath: path(name, 79391),
      summary: `300 ${name} (/srv/app/src/session.js:12) added to ${holder} and never removed (35.2 KB).`,
      fix,
    });
    const text = htmlDiff(
      {
        ...constructedDiff(),
        findings: [finding('Session', 'sessions', 'Bound sessions.'), finding(HOSTILE, 'x', HOSTILE)],
      },
      { redacted: 'text' },
    );
    const title = /<title>([^<]*)<\/title>/.exec(text)?.[1] ?? '';
    assert.match(
      title,
      /^leakscan diff: Leak 1 \(collection\): 300 Session \(\/srv\/app\/src\/session\.js:12\) added to sessions/,
    );
    const body = text.slice(text.indexOf('<body>'), text.indexOf('<script'));
    const lines = [...body.matchAll(/<p>([^<]*)<\/p>/g)].map((m) => m[1]);
    assert.match(lines[0], /^Redacted: /);
    assert.match(lines[1], /^Leak 1 \(collection\): 300 Session .* added to sessions and never removed/);
    assert.equal(lines[2], 'Fix: Bound sessions.');
    assert.match(lines[3], /^Leak 2 \(collection\): 300 &lt;img src=x onerror=&quot;/);
    assert.doesNotMatch(text, /<img/i);
    // Without findings, the verdict.
    const plain = htmlDiff(constructedDiff());
    assert.match(/<title>([^<]*)<\/title>/.exec(plain)?.[1] ?? '', /^leakscan diff: 2 suspected leaks: Session \+300/);
    assert.match(plain.slice(plain.indexOf('<body>')), /<noscript><p>2 suspected leaks: Session \+300/);
  });

  test('a strict Content-Security-Policy: the inline script and style by their hashes, no unsafe-inline, no network', () => {
    const policy = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)?.[1];
    assert.equal(policy, contentSecurityPolicy());
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https?:|\*/);
    assert.match(policy, /default-src 'none'/);
    const script = html.match(/<script>([\s\S]*?)<\/script>/)?.[1] ?? '';
    const style = html.match(/<style>([\s\S]*?)<\/style>/)?.[1] ?? '';
    assert.ok(script.length > 1000 && style.length > 500);
    assert.ok(policy.includes(`script-src 'sha256-${sha256(script)}'`), 'the policy allows exactly this script');
    assert.ok(policy.includes(`style-src 'sha256-${sha256(style)}'`), 'the policy allows exactly this style');
  });
});

// --- In a browser -------------------------------------------------------------------------------

function findBrowser(): string | null {
  if (process.env.CHROME_PATH) return process.env.CHROME_PATH;
  for (const file of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      // not this one
    }
  }
  return null;
}

const executablePath = findBrowser();
// .ci/run installs chromium: in CI its absence is a failure (the before hook says so), not a skip.
const skip =
  executablePath === null && process.env.CI !== 'true'
    ? 'no chromium on this machine (apt-get install -y chromium, or set CHROME_PATH)'
    : false;

interface Opened {
  page: Page;
  /** Console errors, page errors and dialogs: a report that works has none. */
  problems: string[];
  /** Every request the page made, the file itself included. */
  requests: string[];
}

describe('the report in Chromium', { skip }, () => {
  const dir = tempDir();
  const pair = { before: join(dir, 'before.heapsnapshot'), after: join(dir, 'after.heapsnapshot') };
  let browser: Browser;

  before(async () => {
    assert.ok(executablePath, 'chromium is installed (apt-get install -y chromium, or set CHROME_PATH)');
    const puppeteer = (await import('puppeteer-core')).default;
    browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    await runFixture('pair-leak.cjs', dir, ['300']);
  });
  after(async () => {
    await browser?.close();
  });

  async function open(file: string): Promise<Opened> {
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      requests.push(r.url());
      if (/^(file|data):/.test(r.url())) void r.continue();
      else void r.abort();
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-render-ms]', { timeout: 10_000 });
    return { page, problems, requests };
  }

  /** Only the file itself (and data: images it carries) was loaded: nothing else was asked for. */
  function assertSelfContained(opened: Opened, file: string): void {
    const others = opened.requests.filter((url) => url !== pathToFileURL(file).href && !url.startsWith('data:'));
    assert.deepEqual(others, [], 'requests outside the file');
    assert.deepEqual(opened.problems, []);
  }

  const visibleRows = (page: Page, table: string): Promise<string[][]> =>
    page.$$eval(`${table} tbody tr:not([hidden])`, (trs) =>
      trs.map((tr) => Array.from((tr as unknown as Dom).cells, (td) => td.textContent ?? '')),
    );

  test('diff --html: the verdict, the suspect row, its holder; sorting and filtering the class table; a path expands', async () => {
    const file = join(dir, 'diff.html');
    const r = await runCli(['diff', pair.before, pair.after, '--html', file]);
    assert.equal(r.code, 0, r.stderr);
    const json = await runCli(['diff', '--json', pair.before, pair.after]);
    const diff = JSON.parse(json.stdout) as DiffResult;
    const session = diff.classes.find((c) => c.name === 'Session');
    assert.ok(session?.suspect && session.holders, 'the data says Session is the suspect');
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const opened = await open(file);
    const { page } = opened;
    const verdict = await page.$eval('.verdict', (e) => e.textContent ?? '');
    assert.match(verdict, /1 suspected leak: Session \+300/);
    assert.match(verdict, /300 in sessions\[…\] \(Map @\d+\)/);

    // The class table: the suspect row is marked, and it is the Session row.
    const table = 'table#classes';
    const marked = await page.$$eval(`${table} tr.marked`, (trs) =>
      trs.map((tr) => (tr as unknown as Dom).querySelector('td')?.textContent),
    );
    assert.deepEqual(marked, ['Session']);
    const rows = await visibleRows(page, table);
    assert.deepEqual(
      rows.map((cells) => cells[0]),
      diff.classes.map((c) => c.name),
    );

    // Sort by # Deleted: most first, then least first; the same order as the data sorted.
    const header = async (label: string) => {
      const buttons = await page.$$(`${table} th button`);
      for (const b of buttons) if ((await b.evaluate((e) => e.textContent)) === label) return b;
      throw new Error(`no column ${label}`);
    };
    await (await header('# Deleted')).click();
    const byRemoved = [...diff.classes]
      .sort((a, b) => b.removed - a.removed)
      .map((c) => c.removed.toLocaleString('en-US'));
    assert.deepEqual(
      (await visibleRows(page, table)).map((cells) => cells[3]),
      byRemoved,
    );
    assert.equal(await page.$eval(`${table} th:nth-child(4)`, (th) => th.getAttribute('aria-sort')), 'descending');
    // With the keyboard: Enter on the focused header sorts the other way.
    await (await header('# Deleted')).focus();
    await page.keyboard.press('Enter');
    assert.deepEqual(
      (await visibleRows(page, table)).map((cells) => cells[3]),
      [...byRemoved].reverse(),
    );

    // Filter: only the rows whose class name contains the text stay.
    await page.type('.filter input', 'sess');
    assert.deepEqual(
      (await visibleRows(page, table)).map((cells) => cells[0]),
      ['Session'],
    );

    // The findings come first, above the table: the leak in the user's terms, its short path open.
    const items = await page.$$eval('.item.is-suspect', (boxes) =>
      boxes.map((box) => ({
        text: box.textContent ?? '',
        open: (box as unknown as Dom).querySelector('details')?.open,
      })),
    );
    assert.match(items[0].text, /Leak 1 \(collection\): 300 Session .*added to sessions and never removed/);
    assert.match(items[0].text, /Fix: Bound or evict the entries of sessions/);
    assert.equal(items[0].open, true);
    // The suspect's path is open; another holder's is closed until its summary is clicked.
    const firstPath = await page
      .$$eval('.item.is-suspect details', (ds) =>
        ds.map((d) => ({
          open: (d as unknown as Dom).open,
          steps: Array.from((d as unknown as Dom).querySelectorAll('li'), (li) => li.textContent),
        })),
      )
      .then((paths) => paths[1]);
    assert.equal(firstPath.open, true);
    const holderPath = session.holders[0].retainerPath ?? [];
    assert.equal(firstPath.steps.length, holderPath.length);
    assert.ok(
      firstPath.steps.some((s) => /sessions Map @\d+/.test(s ?? '')),
      firstPath.steps.join('\n'),
    );
    assert.match(firstPath.steps.at(-1) ?? '', new RegExp(`Session @${holderPath.at(-1)?.nodeId}`));
    const closed = await page.$('details:not([open])');
    assert.ok(closed, 'a closed path (another traced class)');
    const list = await closed.$('ol');
    const shown = () => list?.evaluate((ol) => (ol as unknown as { checkVisibility(): boolean }).checkVisibility());
    assert.equal(await shown(), false);
    await (await closed.$('summary'))?.click();
    assert.equal(await shown(), true);
    assert.ok(((await list?.$$('li')) ?? []).length > 1);

    // The environment at the end: versions and the command line.
    const env = await page.$eval('dl.env', (e) => e.textContent ?? '');
    assert.ok(env.includes(process.version), env);
    assert.match(env, /diff .*--html/);
    assertSelfContained(opened, file);
    await page.close();
  });

  test('a hostile class name is shown as text and runs nothing; locations, stacks and redacted strings are shown', async () => {
    const file = join(dir, 'hostile.html');
    writeFileSync(file, htmlDiff(constructedDiff()));
    const opened = await open(file);
    const { page } = opened;
    assert.equal(await page.evaluate(() => (globalThis as { pwned?: number }).pwned), undefined);
    assert.equal(await page.$$eval('img', (imgs) => imgs.length), 0);
    const names = await page.$$eval('table#classes tbody tr', (trs) =>
      trs.map((tr) => (tr as unknown as Dom).cells[0].textContent),
    );
    assert.ok(names.includes(`${HOSTILE} (${CLOSER})`), names.join('\n'));
    const titles = await page.$$eval('.item h3', (hs) => hs.map((h) => h.textContent));
    assert.ok(titles.includes(`suspect${HOSTILE} (${CLOSER})`), titles.join('\n'));

    const session = await page.$eval('.item.is-suspect', (e) => e.textContent ?? '');
    assert.match(session, /class defined at \/srv\/app\/src\/session\.js:12/);
    assert.match(
      session,
      /300 allocated in makeSession \(\/srv\/app\/src\/session\.js:14\) ← handle \(\/srv\/app\/src\/server\.js:31\)/,
    );
    const steps = await page.$$eval('.item.is-suspect ol.path li', (lis) => lis.map((li) => li.textContent));
    assert.ok(steps.includes('context system / Context @6165 object /srv/app/src/server.js:30'), steps.join('\n'));
    const defined = await page.$$eval('table#classes tbody tr', (trs) =>
      trs.map((tr) => (tr as unknown as Dom).cells[10]?.textContent),
    );
    assert.deepEqual(defined, ['/srv/app/src/session.js:12', '', '', '', '']);

    // A long unbreakable name wraps (or scrolls inside the table's box); the page never gets wider than the window.
    for (const width of [1100, 420]) {
      await page.setViewport({ width, height: 800 });
      const overflow = await page.evaluate(() => {
        const root = (
          globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
        ).document.documentElement;
        return root.scrollWidth - root.clientWidth;
      });
      assert.equal(overflow, 0, `the page is ${overflow} px wider than a ${width} px window`);
    }
    const snapshots = await page.$$eval('table', (tables) =>
      Array.from((tables.at(-1) as unknown as Dom).querySelectorAll('tbody tr'), (tr) => tr.cells[0].textContent),
    );
    assert.deepEqual(snapshots, ['before', 'after', 'final']);

    const redacted = await page.$$eval('.redacted', (spans) => spans.map((s) => s.textContent));
    assert.ok(redacted.includes('<redacted ≤16 chars #3>'), redacted.join('\n'));
    assertSelfContained(opened, file);
    await page.close();
  });

  test('inspect --html: the snapshot, its classes and the largest objects with their paths', async () => {
    const file = join(dir, 'inspect.html');
    const r = await runCli(['inspect', pair.after, '--html', file]);
    assert.equal(r.code, 0, r.stderr);
    const opened = await open(file);
    const { page } = opened;
    assert.equal(await page.$eval('h1', (h) => h.textContent), 'leakscan inspect');
    const verdict = await page.$eval('.verdict', (e) => e.textContent ?? '');
    assert.match(verdict, /nodes, .* edges/);
    // What the terminal says first: the program's own class and where it is held.
    assert.match(
      verdict,
      /Your code's largest: 300 Session \(\S*pair-leak\.cjs:\d+\), .* retained, held in sessions\./,
    );
    assert.equal((await page.$$eval('.table-block', (t) => t.length)) >= 3, true);
    const paths = await page.$$eval('.item ol.path', (ols) => ols.length);
    assert.ok(paths > 0);
    assertSelfContained(opened, file);
    await page.close();
  });

  test('inspect --id --html: what the object retains opens level by level', async () => {
    const sessions = JSON.parse((await runCli(['inspect', '--json', '--class', 'Session', pair.after])).stdout);
    const map = (sessions.classInstances[0].retainerPath as RetainerPath).find((s) => s.edge?.name === 'sessions');
    assert.ok(map, 'the Session is held in the sessions Map');
    const file = join(dir, 'inspect-id.html');
    const r = await runCli(['inspect', pair.after, '--id', String(map.nodeId), '--html', file]);
    assert.equal(r.code, 0, r.stderr);
    const opened = await open(file);
    const { page } = opened;
    assert.match(await page.$eval('.item h4', (h) => h.textContent ?? ''), /^Retains/);
    // The Map's table, closed; opened, the sessions it holds, ten and a line for the rest.
    const summary = await page.$eval('ul.retains > li > details > summary', (e) => e.textContent ?? '');
    assert.match(summary, /^table \(array\) @\d+ array self .* retained /);
    assert.equal(await page.$eval('ul.retains details', (d) => (d as unknown as { open: boolean }).open), false);
    await page.click('ul.retains details > summary');
    const inner = await page.$$eval('ul.retains details ul.retains > li', (lis) =>
      lis.map((li) => li.textContent ?? ''),
    );
    assert.equal(inner.length, 11, inner.join('\n'));
    // Mostly the sessions (the table also alone holds a hidden class it reaches through one of them).
    const shown = inner.slice(0, 10).filter((line) => /^\[\d+\] Session @\d+ object self .* retained /.test(line));
    assert.ok(shown.length >= 8, inner.join('\n'));
    assert.match(inner[10], /^… \d+ more, /);
    assertSelfContained(opened, file);
    await page.close();
  });

  test('run --html: per scenario the verdict and the memory chart; bundle writes report.html, redacted as such', async () => {
    const file = join(dir, 'run.html');
    const bundle = join(dir, 'run-bundle');
    const r = await runCli(
      ['run', 'global-cache', '-n', '3', '--interval', '10', '--out', join(dir, 'run-out'), '--html', file],
      { timeoutMs: 180_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const opened = await open(file);
    const { page } = opened;
    const verdict = await page.$eval('.verdict', (e) => e.textContent ?? '');
    assert.match(verdict, /global-cache: .* leak/);
    const charts = await page.$$eval('img.chart', (imgs) =>
      imgs.map((img) => ({ alt: (img as unknown as Dom).alt, width: (img as unknown as Dom).naturalWidth })),
    );
    assert.equal(charts.length, 1);
    assert.ok(charts[0].width > 0, 'the chart (an SVG carried in the file) is drawn');
    assert.match(charts[0].alt, /RSS, V8 heap used and external memory/);
    assertSelfContained(opened, file);
    await page.close();

    const b = await runCli(['bundle', pair.before, pair.after, '-o', bundle, '--redact']);
    assert.equal(b.code, 0, b.stderr);
    const report = join(bundle, 'report.html');
    assert.equal(statSync(report).mode & 0o777, 0o600);
    const inBundle = await open(report);
    assert.match(await inBundle.page.$eval('.notice', (e) => e.textContent ?? ''), /^Redacted: /);
    assert.match(await inBundle.page.$eval('.verdict', (e) => e.textContent ?? ''), /Session \+300/);
    assert.match(readFileSync(join(bundle, 'README.md'), 'utf8'), /report\.html/);
    assertSelfContained(inBundle, report);
    await inBundle.page.close();
  });
});

describe('--html FILE', () => {
  // One pair for both tests, written once (the second writes nothing beside it: it is refused).
  const dir = tempDir();
  before(async () => {
    await runFixture('pair-leak.cjs', dir, ['20']);
  });

  test('an existing file is refused before any work and kept; --force replaces it', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, 'mine');
    const args = ['diff', join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot'), '--html', file];
    const r = await runCli(args);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^leakscan: .*report\.html: exists; choose another name, or --force to replace it\n$/);
    assert.equal(r.stdout, '', 'refused before the analysis');
    assert.equal(readFileSync(file, 'utf8'), 'mine');
    const forced = await runCli([...args, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(file, 'utf8'), /^<!doctype html>/);
    assert.deepEqual(
      execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).split('\n').filter(Boolean).sort(),
      ['after.heapsnapshot', 'before.heapsnapshot', 'report.html'],
      'no temp file left',
    );
  });

  test('a folder that does not exist is refused before any work, in one line', async () => {
    const r = await runCli(['inspect', join(dir, 'after.heapsnapshot'), '--html', join(dir, 'missing', 'r.html')]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^leakscan: .*missing.*\n$/);
  });
});
