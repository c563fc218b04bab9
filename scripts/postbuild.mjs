// After tsc: what tsc alone does not do.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';

// tsc does not keep the executable bit; npm links bin only to executable files on some setups.
chmodSync(new URL('../dist/src/cli.js', import.meta.url), 0o755);

// The HTML report's script (type-checked by tsconfig.page.json) as the classic
// script the page inlines: ES2017, strict, in one function scope. Its type-only
// imports vanish in the compile; a module it imports values from (text/numbers.ts)
// must import nothing itself and is inlined ahead of it, its `export`s dropped.
const REPORT = new URL('../src/report/', import.meta.url);
const VALUE_IMPORT = /^import\s*\{[^}]*\}\s*from\s*'(\.\.?\/[\w/-]+)\.js';\s*$/gm;

function compile(file) {
  const { outputText } = ts.transpileModule(readFileSync(new URL(file, REPORT), 'utf8'), {
    compilerOptions: { target: ts.ScriptTarget.ES2017, module: ts.ModuleKind.ES2020 },
  });
  return outputText.replace(/^export \{\};\s*$/m, '');
}

const page = compile('page-script.ts');
const inlined = [...page.matchAll(VALUE_IMPORT)].map((m) => {
  const code = compile(`${m[1]}.ts`);
  if (/^\s*import\b/m.test(code)) throw new Error(`${m[1]}.ts: the page script inlines it, so it may import nothing`);
  return code.replace(/^export (?=(const|let|function|class)\b)/gm, '');
});
const script = `(() => {\n'use strict';\n${[...inlined, page.replace(VALUE_IMPORT, '')].join('\n')}})();\n`;
if (/^\s*(import|export)\b/m.test(script))
  throw new Error('page-script.ts must compile to a script (no import or export)');
writeFileSync(new URL('../dist/src/report/page-script.js', import.meta.url), script);
