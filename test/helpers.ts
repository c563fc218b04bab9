// Shared by the CLI tests: spawn the built binary, make snapshots in child processes.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const cli = join(root, 'dist/src/cli.js');
export const fixture = (name: string): string => join(root, 'test/fixtures', name);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number /** Another copy of the binary. */;
    cli?: string;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [options.cli ?? cli, ...args],
      {
        cwd: options.cwd ?? root,
        env: withoutForceColor({ ...process.env, NO_COLOR: '1', ...options.env }),
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs a fixture program that writes snapshots into `dir` (its first argument). */
export function runFixture(name: string, dir: string, extra: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', fixture(name), dir, ...extra],
      { timeout: 120_000 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`${name} failed: ${stderr || err.message}`));
        else resolve();
      },
    );
  });
}

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed when the test file's process exits. */
/** A port the system has just handed out and taken back: free, unless another program takes it meanwhile. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = 'leakscan-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** FORCE_COLOR wins over NO_COLOR (and Node warns when both are set): the tests want plain text. */
function withoutForceColor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.FORCE_COLOR;
  return copy;
}

/**
 * A folder of inputs `build` writes once per `npm test` run, for the files that run twice
 * (scripts/test.mjs runs the oracle tests again with the size thresholds at 0): the first
 * run builds it under LEAKSCAN_TEST_SHARED, a fresh folder of that `npm test`, the second
 * reads the same files with the other thresholds instead of capturing the same pages
 * again. Without the variable (one file run by hand), a temp folder built here. Written
 * whole or not at all (built aside, then renamed); never write into it afterwards.
 */
export async function sharedInputs(key: string, build: (dir: string) => Promise<void>): Promise<string> {
  const shared = process.env.LEAKSCAN_TEST_SHARED;
  if (!shared) {
    const dir = tempDir();
    await build(dir);
    return dir;
  }
  const dir = join(shared, key);
  if (existsSync(dir)) return dir;
  const aside = mkdtempSync(join(shared, `${key}.tmp-`));
  made.push(aside);
  await build(aside);
  try {
    renameSync(aside, dir);
  } catch (err) {
    // Built meanwhile by the other run of the file: that one is whole, use it.
    if (!existsSync(dir)) throw err;
  }
  return dir;
}

/**
 * `fn` run once per distinct argument list in this test file's process: tests that read the
 * same child run (a `diff --json` of the same pair) share its result, which they must only read.
 */
export function oncePerFile<A extends unknown[], T>(fn: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  const results = new Map<string, Promise<T>>();
  return (...args) => {
    const key = JSON.stringify(args);
    let result = results.get(key);
    if (!result) {
      result = fn(...args);
      results.set(key, result);
    }
    return result;
  };
}

/** Running: signal 0 reaches it and it is not a zombie (this container's init may not reap orphans). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}
