// A real Chromium page (Debian's `chromium`; .ci/run installs it): two
// snapshots of one page taken over the DevTools protocol, checked node by
// node and class by class against DevTools' own heap engine, and diffed.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { DiffResult } from '../src/types.js';
import { columnsUnlikeDevTools, diffEveryClass, nodesUnlikeDevTools } from './devtools-oracle.js';
import { fixture, runCli, sharedInputs } from './helpers.js';

const WIDGETS = 2000;

/** The browser: $CHROME_PATH, else the first of Debian's and Google's names on the PATH. */
function findBrowser(): string | null {
  if (process.env.CHROME_PATH) return process.env.CHROME_PATH;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
    } catch {
      // not this one
    }
  }
  return null;
}

const browser = findBrowser();
// In CI the browser is installed by .ci/run: its absence there is a failure, not a skip.
/** page-pair.mjs: two snapshots of the widgets page into `dir`. */
function pagePair(executable: string, dir: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--experimental-websocket', '--no-warnings', fixture('page-pair.mjs'), executable, dir, String(WIDGETS)],
      { timeout: 120_000 },
      (err, _stdout, stderr) => (err ? reject(new Error(`page-pair.mjs: ${stderr || err.message}`)) : resolve()),
    );
  });
}

const skip =
  browser === null && process.env.CI !== 'true'
    ? 'no chromium on this machine (apt-get install -y chromium, or set CHROME_PATH)'
    : false;
let files: readonly [string, string];

describe('a Chromium page', { skip }, () => {
  before(async () => {
    assert.ok(browser, 'chromium is installed (apt-get install -y chromium, or set CHROME_PATH)');
    const dir = await sharedInputs('browser-page', (into) => pagePair(browser!, into));
    files = [join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot')];
  });

  test('every node: dominator and retained size as DevTools computes them', async () => {
    for (const file of files) {
      const { nodeCount, count, first } = await nodesUnlikeDevTools(file);
      assert.ok(nodeCount > 10_000, `${nodeCount} nodes`);
      assert.equal(count, 0, `${count} of ${nodeCount} nodes differ from DevTools:\n${first.join('\n')}`);
    }
  });

  test('every class: the Comparison columns as DevTools shows them', async () => {
    const { mismatches } = await columnsUnlikeDevTools(await diffEveryClass(...files), ...files);
    assert.deepEqual(mismatches, []);
  });

  test('the leak: the widgets the page keeps, held by window.kept', async () => {
    const r = await runCli(['diff', '--json', ...files]);
    assert.equal(r.code, 0, r.stderr);
    const diff = JSON.parse(r.stdout) as DiffResult;
    assert.equal(diff.after.runtime, 'browser');
    const widgets = diff.classes.find((c) => c.name === 'Widget');
    assert.equal(widgets?.added, WIDGETS);
    assert.deepEqual(
      diff.classes.filter((c) => c.suspect).map((c) => c.name),
      ['Widget'],
    );
    assert.equal(widgets?.holders?.[0].count, WIDGETS);
    assert.ok(
      widgets?.retainerPath?.some((step) => step.edge?.name === 'kept'),
      JSON.stringify(widgets?.retainerPath),
    );
  });
});
