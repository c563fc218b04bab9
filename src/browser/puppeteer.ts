// The one module that touches puppeteer-core: finds the Chrome or Chromium
// the user already has, launches it with a throw-away profile, and hands out
// a page and one DevTools session on it. puppeteer-core is an optional peer
// dependency, loaded at first use; leakscan never downloads a browser.
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Browser, CDPSession, Page } from 'puppeteer-core';
import type { SnapshotSession } from '../capture/snapshot.js';
import { LeakscanError, MissingDependencyError } from '../errors.js';

/** What leakscan uses of puppeteer-core's API. */
interface Puppeteer {
  launch: typeof import('puppeteer-core').launch;
}

let puppeteer: Puppeteer | undefined;

/** puppeteer-core, or MissingDependencyError (one line, exit 2) when it is not installed. */
export async function loadPuppeteer(): Promise<Puppeteer> {
  if (puppeteer) return puppeteer;
  try {
    const { launch } = await import('puppeteer-core');
    puppeteer = { launch };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    throw new MissingDependencyError('puppeteer-core', 'a page scenario', { cause: err });
  }
  return puppeteer;
}

/** Is puppeteer-core installed (without loading it)? */
export async function hasPuppeteer(): Promise<boolean> {
  try {
    await loadPuppeteer();
    return true;
  } catch {
    return false;
  }
}

/** Names looked up on PATH, in this order. */
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function installPaths(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string | undefined): string[] {
  if (platform === 'darwin') {
    const apps = ['/Applications', ...(home ? [join(home, 'Applications')] : [])];
    return apps.flatMap((dir) => [
      join(dir, 'Google Chrome.app/Contents/MacOS/Google Chrome'),
      join(dir, 'Chromium.app/Contents/MacOS/Chromium'),
    ]);
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((r): r is string => !!r);
    return roots.flatMap((root) => [
      join(root, 'Google', 'Chrome', 'Application', 'chrome.exe'),
      join(root, 'Chromium', 'Application', 'chrome.exe'),
    ]);
  }
  return [];
}

function isExecutable(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    if (platform !== 'win32') accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type BrowserLookup = { path: string; reason: null } | { path: null; reason: string };

/**
 * The browser to launch: CHROME_PATH when set (and then only it), else the
 * first of chromium, chromium-browser, google-chrome, google-chrome-stable on
 * PATH, else the usual install paths on macOS and Windows. `reason` says why
 * none was found, in one clause.
 */
export function findBrowser(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): BrowserLookup {
  const chromePath = env.CHROME_PATH;
  if (chromePath) {
    return isExecutable(chromePath, platform)
      ? { path: chromePath, reason: null }
      : { path: null, reason: `CHROME_PATH=${chromePath} is not an executable file` };
  }
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean);
  const suffixes = platform === 'win32' ? ['.exe', ''] : [''];
  for (const name of PATH_NAMES) {
    for (const dir of dirs) {
      for (const suffix of suffixes) {
        const file = join(dir, name + suffix);
        if (isExecutable(file, platform)) return { path: file, reason: null };
      }
    }
  }
  for (const file of installPaths(env, platform, env.HOME ?? env.USERPROFILE)) {
    if (isExecutable(file, platform)) return { path: file, reason: null };
  }
  return {
    path: null,
    reason: `no Chrome or Chromium found (set CHROME_PATH, or put one of ${PATH_NAMES.join(', ')} on PATH)`,
  };
}

const STREAMED_EVENTS = ['HeapProfiler.addHeapSnapshotChunk', 'HeapProfiler.reportHeapSnapshotProgress'] as const;

/** puppeteer's CDPSession seen as a SnapshotSession. Its socket cannot be paused: chunks are buffered instead. */
function snapshotSession(session: CDPSession): SnapshotSession {
  return {
    send: (method, params = {}) =>
      (session.send as (m: string, p: object) => Promise<unknown>)(method, params) as Promise<Record<string, unknown>>,
    onEvent(listener) {
      const handlers = STREAMED_EVENTS.map((method) => {
        const handler = (params: unknown): void => listener({ method, params: params as Record<string, unknown> });
        (session.on as (e: string, h: (p: unknown) => void) => void)(method, handler);
        return { method, handler };
      });
      return () => {
        for (const { method, handler } of handlers)
          (session.off as (e: string, h: (p: unknown) => void) => void)(method, handler);
      };
    },
    pause() {},
    resume() {},
  };
}

export interface LaunchedBrowser {
  page: Page;
  /** Resident memory of all the browser's processes, bytes, where the system says (Linux); else null. */
  processRss(): Promise<number | null>;
  /** One DevTools session for the whole run: V8 renumbers object ids when the last session ends. */
  session: SnapshotSession;
  /** "Chrome/131.0.6778.85" or the like. */
  version: string;
  /** Closes the browser (killing it when it does not answer) and removes its profile; never throws. */
  close(): Promise<void>;
}

/** How long a browser that does not answer `close` gets before it is killed. */
const CLOSE_GRACE_MS = 5000;

/** Launches the browser at `executablePath` with a fresh profile in the temp folder, and opens a page. */
export async function launchBrowser(executablePath: string, options: { timeoutMs: number }): Promise<LaunchedBrowser> {
  const api = await loadPuppeteer();
  const profile = mkdtempSync(join(tmpdir(), 'leakscan-chrome-'));
  let browser: Browser | null = null;
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      const pid = browser?.process()?.pid;
      try {
        if (browser) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            browser.close(),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, CLOSE_GRACE_MS);
            }),
          ]).catch(() => {});
          clearTimeout(timer);
        }
      } finally {
        killGroup(pid);
        // Chrome's helpers may still be writing its profile for a moment after it exits: retried for
        // about 2 s; a profile still being written then stays in the temp folder rather than fail the run.
        try {
          rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
        } catch {
          // left in the temp folder
        }
      }
    })();
    return closed;
  };
  try {
    browser = await api.launch({
      executablePath,
      headless: true,
      userDataDir: profile,
      timeout: options.timeoutMs,
      // Chrome refuses to start as root with its sandbox (containers, CI).
      args: [
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-features=SoftNavigationHeuristics',
        '--disable-blink-features=SoftNavigationHeuristics,InteractionContentfulPaint',
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ],
      // leakscan's own Ctrl-C handling closes the browser (the run's abort signal).
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    page.setDefaultTimeout(options.timeoutMs);
    page.setDefaultNavigationTimeout(options.timeoutMs);
    const cdp = await page.createCDPSession();
    await cdp.send('HeapProfiler.enable');
    await cdp.send('Performance.enable');
    const browserSession = await browser.target().createCDPSession();
    const processRss = async (): Promise<number | null> => {
      if (process.platform !== 'linux') return null;
      const answer = (await browserSession.send('SystemInfo.getProcessInfo')) as { processInfo: { id: number }[] };
      let total = 0;
      for (const { id } of answer.processInfo) total += (await residentBytes(id)) ?? 0;
      return total > 0 ? total : null;
    };
    return { page, session: snapshotSession(cdp), version: await browser.version(), processRss, close };
  } catch (err) {
    await close();
    if (err instanceof LeakscanError) throw err;
    throw new LeakscanError(
      `could not start ${executablePath}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`,
      undefined,
      { cause: err },
    );
  }
}

/** The browser and every process it started (puppeteer launches it as a process-group leader off Windows). */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** VmRSS of a Linux process, bytes; null when it is gone or unreadable. */
async function residentBytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The page's numbers from Performance.getMetrics, by name. */
export async function pageMetrics(session: SnapshotSession): Promise<Map<string, number>> {
  const answer = (await session.send('Performance.getMetrics')) as { metrics?: { name: string; value: number }[] };
  return new Map((answer.metrics ?? []).map((m) => [m.name, m.value]));
}
