// The core computes, reporters render: nothing under analysis/ or engine/
// imports a reporter, the bundle, a command or the CLI's libraries (STYLE.md).
// Read from the TypeScript sources, so a new import fails here, not in review.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { root } from './helpers.js';

const CORE = ['src/analysis', 'src/engine'];
const ABOVE = ['src/report', 'src/bundle', 'src/commands', 'src/cli.ts'];
const CLI_PACKAGES = ['yargs', 'ora'];
/** Words for numbers and places, shared by the core's finding text and the reporters: below both. */
const SHARED_TEXT = 'src/text';

function sourcesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name));
}

/** Module specifiers of a file's static and dynamic imports and re-exports. */
function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g))
    specifiers.push(m[1]);
  for (const m of source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(m[1]);
  return specifiers;
}

/** `../report/format.js` from `src/analysis/leaks.ts` → `src/report/format.ts`; a package name as is. */
function resolveImport(file: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier.split('/')[0];
  return relative(root, join(root, file, '..', specifier)).replace(/\.js$/, '.ts');
}

test('nothing under analysis/ or engine/ imports the reporters, the bundle, the commands or yargs/ora', () => {
  const found: string[] = [];
  for (const file of CORE.flatMap(sourcesUnder)) {
    for (const specifier of importsOf(readFileSync(join(root, file), 'utf8'))) {
      const target = resolveImport(file, specifier);
      const above = ABOVE.some((a) => target === a || target.startsWith(`${a}/`)) || CLI_PACKAGES.includes(target);
      if (above) found.push(`${file} -> ${target}`);
    }
  }
  assert.deepEqual(found, []);
});

test('text/ imports only Node and the shared types, so both the core and the reporters can use it', () => {
  const found: string[] = [];
  for (const file of sourcesUnder(SHARED_TEXT)) {
    for (const specifier of importsOf(readFileSync(join(root, file), 'utf8'))) {
      const target = resolveImport(file, specifier);
      const below = target.startsWith('node:') || target === 'src/types.ts' || target.startsWith(`${SHARED_TEXT}/`);
      if (!below) found.push(`${file} -> ${target}`);
    }
  }
  assert.deepEqual(found, []);
});

/** The relative files `file` loads when it loads: static imports and re-exports, not `import type` nor `import()`. */
function loadedWith(file: string): string[] {
  const seen = new Set([file]);
  const queue = [file];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const source = readFileSync(join(root, next), 'utf8');
    for (const m of source.matchAll(/(?:^|\n)\s*(import|export)\b(?!\s+type\b)[^'"]*?\bfrom\s*['"](\.[^'"]+)['"]/g)) {
      const target = resolveImport(next, m[2]);
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return [...seen].sort();
}

test('the CLI loads a command’s file only when that command runs or shows its help', () => {
  // Each spawn of the binary (the CLI tests make hundreds) would load every command's engine, reporters and capture code.
  const heavy = ['src/analysis', 'src/engine', 'src/capture', 'src/browser', 'src/runner', 'src/bundle'];
  const commands = ['run', 'diff', 'inspect', 'bundle', 'capture', 'test-server'].map((c) => `src/commands/${c}.ts`);
  const loaded = loadedWith('src/cli.ts');
  assert.deepEqual(
    loaded.filter((f) => commands.includes(f) || heavy.some((dir) => f.startsWith(`${dir}/`))),
    [],
    loaded.join(', '),
  );
  const dynamic = [...readFileSync(join(root, 'src/cli.ts'), 'utf8').matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)];
  assert.deepEqual(dynamic.map((m) => resolveImport('src/cli.ts', m[1])).sort(), [...commands].sort());
});

test('the import reader sees the forms the sources use', () => {
  const source = [
    "import { a } from '../report/format.js';",
    "import type {\n  B,\n  C,\n} from '../bundle/bundle.js';",
    "export { d } from './d.js';",
    "const e = await import('../commands/diff.js');",
    "import ora from 'ora';",
  ].join('\n');
  assert.deepEqual(
    importsOf(source).map((s) => resolveImport('src/analysis/x.ts', s)),
    ['src/report/format.ts', 'src/bundle/bundle.ts', 'src/analysis/d.ts', 'ora', 'src/commands/diff.ts'],
  );
});
