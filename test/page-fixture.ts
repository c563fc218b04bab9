// Pages written in the tests, served from a local HTTP server on port 0 and
// driven by Debian's chromium through puppeteer-core: two heap snapshots of
// one page in one DevTools session (so node ids match), before and after an
// action repeated in the page.
import { execFileSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, CDPSession } from 'puppeteer-core';

/** The browser: $CHROME_PATH, else the first of Debian's and Google's names on the PATH. */
export function findBrowser(): string | null {
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

/** In CI the browser is installed by .ci/run: its absence there is a failure, not a skip. */
export function skipWithoutBrowser(browser: string | null): string | false {
  return browser === null && process.env.CI !== 'true'
    ? 'no chromium on this machine (apt-get install -y chromium, or set CHROME_PATH)'
    : false;
}

/** A served file: its text, or `{ file }` to serve one from disk (a UMD build in node_modules). */
export type Served = string | { file: string };

/** An HTTP server on 127.0.0.1, port 0, serving `files` by path ('/' is the page). */
export async function serve(files: Record<string, Served>): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const served = files[path];
    if (served === undefined) {
      res.writeHead(404).end();
      return;
    }
    const type = path.endsWith('.js') ? 'text/javascript' : 'text/html';
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8` });
    res.end(typeof served === 'string' ? served : readFileSync(served.file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Writes one heap snapshot of the page the session is attached to into `file`, after a full GC. */
export async function takeSnapshot(session: CDPSession, file: string): Promise<void> {
  const out = createWriteStream(file);
  const onChunk = ({ chunk }: { chunk: string }): void => {
    out.write(chunk);
  };
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await session.send('HeapProfiler.collectGarbage');
    await session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

export interface PageRun {
  /** Served files; '/' is the page. */
  files: Record<string, Served>;
  /** Query string of the page's URL (`?fixed` for a fixed twin). */
  query?: string;
  /** Evaluated before the first snapshot (warm-up), then again before the second (the action measured). */
  action: string;
  /** Where to write before.heapsnapshot and after.heapsnapshot. */
  dir: string;
}

/** Chromium, headless: one per test file, each page run in a context of its own (pageSnapshots). */
export async function launchBrowser(executablePath: string): Promise<Browser> {
  const puppeteer = (await import('puppeteer-core')).default;
  return puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}

/**
 * Opens the page, runs the action, snapshot, runs it again, snapshot: returns the two files.
 * The page opens in a new browser context, which Chromium never shares a renderer process
 * (so a V8 heap) with another: the snapshots hold this page alone, as in a browser of its own.
 */
export async function pageSnapshots(browser: Browser, run: PageRun): Promise<[string, string]> {
  const server = await serve(run.files);
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}${run.query ?? ''}`, { waitUntil: 'load' });
    const session = await page.createCDPSession();
    await session.send('HeapProfiler.enable');
    const files: [string, string] = [join(run.dir, 'before.heapsnapshot'), join(run.dir, 'after.heapsnapshot')];
    await page.evaluate(run.action);
    await takeSnapshot(session, files[0]);
    await page.evaluate(run.action);
    await takeSnapshot(session, files[1]);
    return files;
  } finally {
    await context.close();
    await server.close();
  }
}
