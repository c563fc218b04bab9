// After tsc: what tsc alone does not do.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';

// tsc does not keep the executable bit; npm links bin only to executable files on some setups.
chmodSync(new URL('../dist/src/cli.js', import.meta.url), 0o755);

// The HTML report's script (type-checked by tsconfig.page.json) as the classic
// script the page inlines: ES2017, its type-only import gone, no `export {}`.
const source = readFileSync(new URL('../src/report/page-script.ts', import.meta.url), 'utf8');
const { outputText } = ts.transpileModule(source, {
  compilerOptions: { target: ts.ScriptTarget.ES2017, module: ts.ModuleKind.ES2020, removeComments: false },
});
const script = outputText.replace(/^export \{\};\s*$/m, '');
if (/^\s*(import|export)\b/m.test(script))
  throw new Error('page-script.ts must compile to a script (no import or export)');
writeFileSync(new URL('../dist/src/report/page-script.js', import.meta.url), script);
