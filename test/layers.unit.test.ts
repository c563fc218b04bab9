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
