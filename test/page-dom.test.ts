// Pages as a front-end developer reads them, on Debian's chromium: DOM classes
// by tag and `Detached <tag>` counted as DevTools counts them (its own engine,
// heap-snapshot-toolkit, as the oracle), Chrome's own objects never blamed,
// the detached-DOM view grouped by the JavaScript object that keeps each
// tree, and fixed twins with no finding. One plain page and one React page.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { isBrowserInternal } from '../src/classes.js';
import type { DetachedDomGroup, DiffResult, InspectResult } from '../src/types.js';
import { columnsUnlikeDevTools, devtoolsComparison, diffEveryClass } from './devtools-oracle.js';
import { oncePerFile, runCli, sharedInputs, tempDir } from './helpers.js';
import { findBrowser, launchBrowser, pageSnapshots, skipWithoutBrowser } from './page-fixture.js';
import { CYCLES, PLAIN_PAGE, REACT_PAGE } from './pages.js';

const browser = findBrowser();
const skip = skipWithoutBrowser(browser);
/** Names of Chrome's and V8's own classes: never a suspect nor a holder by default. */
const looksInternal = (name: string, type: string): boolean => isBrowserInternal(name, type);

/** `leakscan diff --json` of a pair, once per pair for the file (read only). */
const diffJson = oncePerFile(async (files: readonly [string, string]): Promise<DiffResult> => {
  const r = await runCli(['diff', '--json', ...files]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as DiffResult;
});

function blamedInternals(diff: DiffResult): string[] {
  const blamed: string[] = [];
  for (const c of diff.classes) {
    if (looksInternal(c.name, c.type)) blamed.push(`class ${c.type} ${c.name}`);
    for (const h of c.holders ?? [])
      if (looksInternal(h.holder.name, h.holder.type)) blamed.push(`holder ${h.holder.type} ${h.holder.name}`);
  }
  for (const g of diff.detachedDom ?? [])
    if (g.keeper && looksInternal(g.keeper.name, g.keeper.type)) blamed.push(`keeper ${g.keeper.name}`);
  return blamed;
}

const sum = (groups: DetachedDomGroup[], pick: (g: DetachedDomGroup) => number): number =>
  groups.reduce((total, g) => total + pick(g), 0);

describe('pages as DevTools reads them', { skip }, () => {
  const dir = tempDir();
  const pairs: Record<string, [string, string]> = {};
  before(async () => {
    assert.ok(browser, 'chromium is installed (apt-get install -y chromium, or set CHROME_PATH)');
    const runs = {
      plain: { files: PLAIN_PAGE, query: '' },
      plainFixed: { files: PLAIN_PAGE, query: '?fixed' },
      react: { files: REACT_PAGE, query: '' },
      reactFixed: { files: REACT_PAGE, query: '?fixed' },
    };
    const pages = await sharedInputs('page-dom', async (into) => {
      const chromium = await launchBrowser(browser!);
      try {
        for (const [name, run] of Object.entries(runs)) {
          mkdirSync(join(into, name));
          await pageSnapshots(chromium, { ...run, action: `cycle(${CYCLES})`, dir: join(into, name) });
        }
      } finally {
        await chromium.close();
      }
    });
    for (const name of Object.keys(runs))
      pairs[name] = [join(pages, name, 'before.heapsnapshot'), join(pages, name, 'after.heapsnapshot')];
  });

  test('every class of each pair, Detached <tag> included, as DevTools compares them', async () => {
    for (const [name, files] of Object.entries(pairs)) {
      const { mismatches } = await columnsUnlikeDevTools(await diffEveryClass(...files), ...files);
      assert.deepEqual(mismatches, [], name);
    }
  });

  test('plain page: DOM classed by tag, the detached ones named Detached <tag>, attributes on the instance', async () => {
    const diff = await diffJson(pairs.plain);
    const added = (name: string): number | undefined => diff.classes.find((c) => c.name === name)?.added;
    assert.equal(added('Detached <div>'), CYCLES);
    assert.equal(added('Detached <li>'), 2 * CYCLES);
    assert.equal(added('Detached <aside>'), CYCLES);
    const devtools = await devtoolsComparison(...pairs.plain);
    assert.equal(devtools.get('Detached <li>')?.addedCount, 2 * CYCLES);
    assert.deepEqual(
      diff.classes
        .filter((c) => c.name.startsWith('<') || c.name.startsWith('Detached <'))
        .filter((c) => c.name.includes(' ', 10)),
      [],
      'no class carries attributes',
    );
    const suspects = diff.classes.filter((c) => c.suspect).map((c) => c.name);
    // The tooltips are parts of the listeners' leak (held by the new onScroll closures), as in DevTools.
    assert.ok(suspects.includes('Detached <div>') && suspects.includes('onScroll'), suspects.join(', '));
    const div = diff.classes.find((c) => c.name === 'Detached <div>');
    const sample = div?.retainerPath?.at(-1);
    assert.match(sample?.detail ?? '', /^Detached <div class="dialog" aria-labelledby="title-\d+">$/);
    assert.deepEqual(blamedInternals(diff), []);
    // The page's script, by URL.
    const onScroll = diff.classes.find((c) => c.name === 'onScroll');
    assert.match(onScroll?.location?.script ?? '', /^http:\/\/127\.0\.0\.1:\d+\/app\.js$/);
  });

  test('plain page: the detached-DOM view groups the trees by the array and by the listener that keep them', async () => {
    const groups = (await diffJson(pairs.plain)).detachedDom ?? [];
    const byArray = groups.find((g) => g.keeper?.name === 'Array');
    assert.equal(byArray?.keeper?.edge?.name, 'closedDialogs');
    assert.equal(byArray?.keepers, 1);
    assert.equal(byArray?.trees, 2 * CYCLES);
    assert.equal(byArray?.elements, 6 * 2 * CYCLES);
    assert.equal(byArray?.added, 6 * CYCLES);
    assert.match(byArray?.sample.name ?? '', /^Detached <div class="dialog"/);
    const byListener = groups.find((g) => g.keeper?.name === 'onScroll');
    assert.equal(byListener?.keeper?.type, 'closure');
    assert.equal(byListener?.keepers, 2 * CYCLES);
    assert.equal(byListener?.trees, 2 * CYCLES);
    assert.match(byListener?.keeper?.location?.script ?? '', /\/app\.js$/);
    assert.ok((byArray?.retainedSize ?? 0) > (byListener?.retainedSize ?? 0));
    assert.equal(groups.length, 2, JSON.stringify(groups.map((g) => g.keeper)));

    const r = await runCli(['inspect', '--json', pairs.plain[1]]);
    assert.equal(r.code, 0, r.stderr);
    const inspected = (JSON.parse(r.stdout) as InspectResult).detachedDom ?? [];
    assert.equal(
      sum(inspected, (g) => g.elements),
      sum(groups, (g) => g.elements),
    );
    assert.ok(!JSON.stringify((JSON.parse(r.stdout) as InspectResult).byCount).includes('blink::'));
  });

  test('plain page: the terminal and Markdown reports show the detached-DOM view', async () => {
    const text = await runCli(['diff', ...pairs.plain]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(`Detached DOM\n {2}\\d+ detached DOM elements in \\d+ trees, ${7 * CYCLES} of them new`),
    );
    assert.match(
      text.stdout,
      new RegExp(`closedDialogs \\(Array @\\d+\\) +${12 * CYCLES} +${6 * CYCLES} +${2 * CYCLES} `),
    );
    const md = await runCli(['diff', '--markdown', ...pairs.plain]);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /## Detached DOM/);
    assert.match(md.stdout, /\| closedDialogs \(Array @\d+\) \|/);
    const html = join(dir, 'plain.html');
    const page = await runCli(['diff', '--html', html, ...pairs.plain]);
    assert.equal(page.code, 0, page.stderr);
    const data = /<script type="application\/json" id="leakscan-data">(.*?)<\/script>/s.exec(
      readFileSync(html, 'utf8'),
    );
    const blocks = (JSON.parse(data?.[1] ?? '{}') as { blocks?: { t: string; id?: string; rows?: unknown[][] }[] })
      .blocks;
    const table = blocks?.find((b) => b.t === 'table' && b.id === 'detached-dom');
    assert.match(String(table?.rows?.[0]?.[0]), /^closedDialogs \(Array @\d+\)$/);
  });

  test('plain page, fixed: nothing detached, no suspect', async () => {
    const diff = await diffJson(pairs.plainFixed);
    assert.deepEqual(
      diff.classes.filter((c) => c.suspect).map((c) => c.name),
      [],
    );
    assert.equal(
      sum(diff.detachedDom ?? [], (g) => g.elements),
      0,
    );
  });

  test('React page: the rows the store listeners keep, no Chrome internals blamed', async () => {
    const diff = await diffJson(pairs.react);
    const li = diff.classes.find((c) => c.name === 'Detached <li>');
    assert.equal(li?.added, 20 * CYCLES);
    assert.ok(li?.suspect);
    assert.deepEqual(blamedInternals(diff), []);
    const groups = diff.detachedDom ?? [];
    const byListener = groups.find((g) => g.keeper?.name === 'onStoreChange');
    assert.ok(byListener, JSON.stringify(groups.map((g) => g.keeper)));
    // Each cycle's 20 rows, and their list through the rows' parent links.
    assert.equal(byListener.added, 21 * CYCLES);
    assert.equal(groups.length, 1, JSON.stringify(groups.map((g) => g.keeper)));
    assert.match(byListener.keeper?.location?.script ?? '', /\/rows\.js$/);
  });

  test('React page, fixed: no suspect, no WeakArrayList false alarm', async () => {
    const diff = await diffJson(pairs.reactFixed);
    assert.deepEqual(
      diff.classes.filter((c) => c.suspect).map((c) => c.name),
      [],
    );
    assert.ok(!diff.classes.some((c) => c.name.includes('WeakArrayList')));
    assert.equal(
      sum(diff.detachedDom ?? [], (g) => g.added ?? 0),
      0,
    );
  });
});
