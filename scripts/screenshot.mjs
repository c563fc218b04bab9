#!/usr/bin/env node
// The README's picture of an HTML report: a real one, made the way a user
// would (a program that keeps sessions in a Map, two snapshots, `leakscan
// diff --html`), opened from disk in headless Chromium and photographed.
//
//   npm run build && node scripts/screenshot.mjs [--out docs/html-report.png] [--dark]
//
// Needs Debian's chromium (or CHROME_PATH); puppeteer-core drives it, nothing is downloaded.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'docs', 'html-report.png') },
    dark: { type: 'boolean', default: false },
  },
});
const browser = process.env.CHROME_PATH || '/usr/bin/chromium';
if (!existsSync(browser)) {
  process.stderr.write(`screenshot: no browser at ${browser} (apt-get install chromium, or set CHROME_PATH)\n`);
  process.exit(2);
}
const cli = join(root, 'dist', 'src', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('screenshot: run `npm run build` first\n');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'leakscan-screenshot-'));
try {
  execFileSync(process.execPath, ['--expose-gc', join(root, 'test', 'fixtures', 'pair-leak.cjs'), work, '300']);
  // Relative names, as a user would type them: the report shows them.
  execFileSync(
    process.execPath,
    [cli, 'diff', 'before.heapsnapshot', 'after.heapsnapshot', '--html', 'report.html', '--paths', '1'],
    { cwd: work, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NO_COLOR: '1' } },
  );
  const chrome = await puppeteer.launch({ executablePath: browser, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await chrome.newPage();
    await page.setViewport({ width: 1100, height: 900, deviceScaleFactor: 1 });
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: values.dark ? 'dark' : 'light' }]);
    await page.goto(pathToFileURL(join(work, 'report.html')).href);
    await page.waitForSelector('html[data-render-ms]');
    mkdirSync(dirname(values.out), { recursive: true });
    const temp = `${values.out}.tmp-${process.pid}.png`;
    // Down to the end of the class table: the verdict, the suspect with its path, the table.
    await page.setViewport({ width: 1100, height: 2000, deviceScaleFactor: 1 });
    const bottom = await page.$eval('table#classes', (t) => t.getBoundingClientRect().bottom);
    await page.screenshot({
      path: temp,
      type: 'png',
      clip: { x: 0, y: 0, width: 1100, height: Math.ceil(bottom) + 20 },
    });
    renameSync(temp, values.out);
  } finally {
    await chrome.close();
  }
  process.stdout.write(`${values.out}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
