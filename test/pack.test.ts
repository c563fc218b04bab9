// What a user gets from `npm install leakscan`: the packed tarball, installed
// into a fresh project with no configuration (no .puppeteerrc.cjs, no
// PUPPETEER_* variables), must install, stay small, and run `diff`. Installs
// yargs, ora, tar and tsx from the npm registry.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { DiffResult } from '../src/types.js';
import { type CliResult, root, runFixture, tempDir } from './helpers.js';

const MB = 1024 * 1024;
const MAX_INSTALLED_BYTES = 40 * MB;
const MEMLAB_MISSING = 'leakscan: --engine memlab needs @memlab/api: npm install @memlab/api';

/**
 * The environment of a user who never configured puppeteer. The variables `npm test`
 * sets for its own script go too: an inherited npm_config_prefix would install elsewhere.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^PUPPETEER_/i.test(key) ||
      /^npm_(package|lifecycle)_/i.test(key) ||
      /^npm_config_(local_prefix|prefix)$/i.test(key)
    )
      continue;
    env[key] = value;
  }
  delete env.FORCE_COLOR;
  return { ...env, NO_COLOR: '1' };
}

function run(command: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: userEnv(), timeout: timeoutMs, maxBuffer: 64 * MB }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Bytes of the files under `dir`, as `du` counts them: symlinks as links (npm's .bin
 * entries), not followed; a file with several hard links once (esbuild's install
 * script links its 11 MB binary into a second place).
 */
function treeBytes(dir: string): number {
  let total = 0;
  const seen = new Set<string>();
  const stack = [dir];
  while (stack.length) {
    const current = stack.pop()!;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        stack.push(path);
        continue;
      }
      const stat = lstatSync(path);
      if (stat.nlink > 1) {
        const inode = `${stat.dev}:${stat.ino}`;
        if (seen.has(inode)) continue;
        seen.add(inode);
      }
      total += stat.size;
    }
  }
  return total;
}

/** A puppeteer configuration file in `dir` or above would hide the problem a user meets. */
function puppeteerConfigAbove(dir: string): string | null {
  for (let d = dir; ; d = dirname(d)) {
    for (const name of [
      '.puppeteerrc.cjs',
      '.puppeteerrc.js',
      '.puppeteerrc',
      '.puppeteerrc.json',
      'puppeteer.config.js',
      'puppeteer.config.cjs',
    ]) {
      if (existsSync(join(d, name))) return join(d, name);
    }
    if (dirname(d) === d) return null;
  }
}

test('the packed tarball installs in a fresh project, stays small, and runs diff', { timeout: 600_000 }, async (t) => {
  const packDir = tempDir('leakscan-pack-');
  const project = tempDir('leakscan-user-');
  const snapshots = tempDir();
  const started = Date.now();

  // `npm test` has built dist already; --ignore-scripts skips `prepare` (a second build).
  const [pack] = await Promise.all([
    run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], root),
    runFixture('pair-leak.cjs', snapshots, ['300']),
  ]);
  assert.equal(pack.code, 0, pack.stderr);
  const tarball = join(packDir, (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0].filename);
  const packed = (JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
  assert.ok(packed.includes('dist/src/cli.js'), 'the tarball carries the built CLI');
  assert.ok(!packed.some((p) => p.includes('puppeteerrc')), 'no puppeteer configuration travels with the package');
  assert.deepEqual(
    packed.filter((p) => p.startsWith('dist/test/') || p.startsWith('test/')),
    [],
    'no tests travel with the package',
  );
  assert.ok(packed.includes('LICENSE'), 'the licence travels with the package');
  assert.ok(packed.includes('dist/scenarios/global-cache.js'), 'the built-in scenarios travel with the package');

  const init = await run('npm', ['init', '-y'], project);
  assert.equal(init.code, 0, init.stderr);
  assert.equal(puppeteerConfigAbove(project), null, 'the fresh project has no puppeteer configuration');

  const install = await run('npm', ['install', '--no-audit', '--no-fund', tarball], project);
  t.diagnostic(`npm install: ${((Date.now() - started) / 1000).toFixed(1)} s since start`);
  assert.equal(install.code, 0, `npm install failed:\n${install.stderr.slice(-4000)}`);
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  assert.ok(manifest.dependencies?.leakscan, 'leakscan is a dependency of the project');

  const bytes = treeBytes(join(project, 'node_modules'));
  t.diagnostic(`installed node_modules: ${(bytes / MB).toFixed(1)} MB`);
  assert.ok(
    bytes <= MAX_INSTALLED_BYTES,
    `node_modules is ${(bytes / MB).toFixed(1)} MB, more than ${MAX_INSTALLED_BYTES / MB} MB`,
  );
  assert.ok(!existsSync(join(project, 'node_modules/puppeteer')), 'puppeteer is not installed');
  assert.ok(!existsSync(join(project, 'node_modules/@memlab/api')), '@memlab/api is not installed');

  // --no: the installed bin, never a package of that name fetched; -- keeps npx from reading leakscan's options.
  const help = await run('npx', ['--no', '--', 'leakscan', '--help'], project);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /leakscan <command>/);

  // The agent loads by its package name, with require, into a CommonJS program (capture's route without a port).
  const agent = await run(
    process.execPath,
    ['--require', 'leakscan/agent', '-e', "process.stdout.write(String(globalThis[Symbol.for('leakscan.agent')]))"],
    project,
  );
  assert.equal(agent.code, 0, agent.stderr);
  assert.equal(agent.stdout, 'true');

  const files = [join(snapshots, 'before.heapsnapshot'), join(snapshots, 'after.heapsnapshot')];
  const diff = await run('npx', ['--no', '--', 'leakscan', 'diff', '--json', ...files], project);
  assert.equal(diff.code, 0, diff.stderr);
  const result = JSON.parse(diff.stdout) as DiffResult;
  const session = result.classes.find((c) => c.name === 'Session');
  assert.ok(session, 'Session is listed');
  assert.equal(session.added, 300);
  assert.equal(session.suspect, true);

  const memlab = await run('npx', ['--no', '--', 'leakscan', 'diff', '--engine', 'memlab', ...files], project);
  assert.equal(memlab.code, 2, memlab.stderr);
  assert.equal(memlab.stdout, '');
  assert.equal(memlab.stderr, `${MEMLAB_MISSING}\n`);
  t.diagnostic(`whole test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
