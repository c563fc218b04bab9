// `capture --inspect` of a Chromium page with a --between command. A command
// that connects its own DevTools client ends a session of the page, and V8
// then numbers the page's objects anew (seen on Debian's chromium): capture
// says so at once, in one line that fits a page, and keeps no snapshot. A
// command that leaves the page's sessions alone gives a diff of the page.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import type { CaptureResult } from '../src/types.js';
import { fixture, runCli, tempDir } from './helpers.js';
import { findBrowser, serve, skipWithoutBrowser } from './page-fixture.js';
import { CYCLES, PLAIN_PAGE } from './pages.js';

const executablePath = findBrowser();
const skip = skipWithoutBrowser(executablePath);

describe('capture --inspect of a page, --between', { skip }, () => {
  const dir = tempDir();
  let browser: Browser | null = null;
  let server: Awaited<ReturnType<typeof serve>> | null = null;
  let port = 0;

  before(async () => {
    assert.ok(executablePath, 'chromium is installed (apt-get install -y chromium, or set CHROME_PATH)');
    const page = PLAIN_PAGE['/'].replace(
      '<main id="app"></main>',
      `<main id="app"></main><button id="cycle" onclick="cycle(${CYCLES})">Cycle</button>`,
    );
    server = await serve({ ...PLAIN_PAGE, '/': page });
    const puppeteer = (await import('puppeteer-core')).default;
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--remote-debugging-port=0'],
    });
    const [tab] = await browser.pages();
    await tab.goto(server.url, { waitUntil: 'load' });
    await tab.evaluate(`cycle(${CYCLES})`);
    port = Number(new URL(browser.wsEndpoint()).port);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a command with its own DevTools client: V8 renumbered the page, said in one line, no file kept', async () => {
    const output = join(dir, 'click.heapsnapshot');
    const between = `"${process.execPath}" "${fixture('page-click.mjs')}" http://127.0.0.1:${port} '#cycle'`;
    const r = await runCli([
      'capture',
      '--inspect',
      `127.0.0.1:${port}`,
      '--count',
      '2',
      '--between',
      between,
      '-o',
      output,
    ]);
    assert.equal(r.code, 2, r.stdout);
    const lines = r.stderr
      .trimEnd()
      .split('\n')
      .filter((line) => !line.startsWith('[between]'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      /^leakscan: V8 numbered the page's objects anew while --between .* ran \(its global object was @\d+ /,
    );
    assert.match(lines[0], /another DevTools session of the page ended/);
    assert.doesNotMatch(lines[0], /--pid|strings changed their text/);
    assert.match(lines[0], /puppeteer\.connect\(\{ browserURL: process\.env\.LEAKSCAN_BROWSER_URL \}\)/);
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.startsWith('click')),
      [],
    );
  });

  test('the same command connected through LEAKSCAN_BROWSER_URL: ids kept, the diff of the clicks', async () => {
    const output = join(dir, 'through.heapsnapshot');
    const between = `"${process.execPath}" "${fixture('page-click.mjs')}" "$LEAKSCAN_BROWSER_URL" '#cycle'`;
    const r = await runCli([
      'capture',
      '--json',
      '--inspect',
      `127.0.0.1:${port}`,
      '--count',
      '2',
      '--between',
      between,
      '-o',
      output,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\[between\] clicked #cycle/);
    const diff = (JSON.parse(r.stdout) as CaptureResult).diff;
    assert.equal(diff?.classes.find((c) => c.name === 'Detached <div>')?.added, CYCLES);
    const kept = diff?.detachedDom?.find((g) => g.keeper?.edge?.name === 'closedDialogs');
    assert.equal(kept?.added, 6 * CYCLES);
  });

  test('a command that leaves the page sessions alone: the diff of the page, detached DOM and all', async () => {
    const output = join(dir, 'quiet.heapsnapshot');
    const between = `"${process.execPath}" -e "setTimeout(() => {}, 50)"`;
    const r = await runCli([
      'capture',
      '--json',
      '--inspect',
      `127.0.0.1:${port}`,
      '--count',
      '2',
      '--between',
      between,
      '-o',
      output,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as CaptureResult;
    assert.equal(result.target.type, 'page');
    assert.equal(result.diff?.after.runtime, 'browser');
    assert.ok((result.diff?.detachedDom ?? []).some((g) => g.keeper?.edge?.name === 'closedDialogs'));
  });

  test('diff of snapshots of two sessions of one page: says what happened, no advice for Node', async () => {
    const first = join(dir, 'one.heapsnapshot');
    const second = join(dir, 'two.heapsnapshot');
    // Each capture is a session of its own, which ends when it is done; the page changes between them.
    assert.equal((await runCli(['capture', '--inspect', `127.0.0.1:${port}`, '-o', first])).code, 0);
    execFileSync(process.execPath, [fixture('page-click.mjs'), `http://127.0.0.1:${port}`, '#cycle']);
    assert.equal((await runCli(['capture', '--inspect', `127.0.0.1:${port}`, '-o', second])).code, 0);
    const r = await runCli(['diff', first, second]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(
      r.stderr,
      /^leakscan: .*two\.heapsnapshot was not taken in the DevTools session of .*one\.heapsnapshot/,
    );
    assert.doesNotMatch(r.stderr, /--pid/);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  });
});
