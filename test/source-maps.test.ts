// Compiled code: a program written in TypeScript, compiled here by tsc's own transpiler with a
// source map beside one file and an inline one in the other, leaks objects and closures; the diff
// names the TypeScript lines they come from, with the JavaScript's kept as `generated`.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import ts from 'typescript';
import { applySourceMaps } from '../src/analysis/source-maps.js';
import type { ClassDiff, DiffResult, SourceLocation } from '../src/types.js';
import { runCli, tempDir } from './helpers.js';

const COUNT = 300;

// Interfaces and types before the class vanish from the JavaScript, so every line below them moves.
const BUS_TS = `// A bus whose subscriptions are never removed.
export interface Options {
  topic: string;
  retries: number;
}

type Handler = (message: string) => void;

export class Subscription {
  constructor(
    readonly topic: string,
    readonly handler: Handler,
  ) {}
}

const subscriptions: Subscription[] = [];

export function subscribe(options: Options, handler: Handler): Subscription {
  const subscription = new Subscription(options.topic, handler);
  subscriptions.push(subscription);
  return subscription;
}
`;

const CLIENT_TS = `// Tickers that keep a subscription alive.
import type { Subscription } from './bus';

interface Ticker {
  (): string;
}

export function startTicker(subscription: Subscription): Ticker {
  return function onTick(): string {
    return subscription.topic;
  };
}
`;

const DRIVER = `const v8 = require('node:v8');
const { join } = require('node:path');
const { subscribe } = require('./dist/bus.js');
const { startTicker } = require('./dist/client.js');
const [dir, count] = process.argv.slice(2);
const tickers = [];
globalThis.gc();
v8.writeHeapSnapshot(join(dir, 'before.heapsnapshot'));
for (let i = 0; i < Number(count); i++) tickers.push(startTicker(subscribe({ topic: 't' + i, retries: 1 }, () => {})));
globalThis.tickers = tickers;
globalThis.gc();
v8.writeHeapSnapshot(join(dir, 'after.heapsnapshot'));
`;

const app = tempDir();
const snapshots = tempDir();
const tsFile = (name: string) => join(app, 'src', `${name}.ts`);
const jsFile = (name: string) => join(app, 'dist', `${name}.js`);

function compile(): void {
  mkdirSync(join(app, 'src'));
  mkdirSync(join(app, 'dist'));
  writeFileSync(tsFile('bus'), BUS_TS);
  writeFileSync(tsFile('client'), CLIENT_TS);
  const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 };
  // bus: a .map file beside the JavaScript, its source named relative to the map.
  const bus = ts.transpileModule(BUS_TS, { compilerOptions: { ...options, sourceMap: true }, fileName: 'bus.ts' });
  const map = JSON.parse(bus.sourceMapText ?? '{}');
  map.sources = ['../src/bus.ts'];
  writeFileSync(jsFile('bus'), bus.outputText);
  writeFileSync(`${jsFile('bus')}.map`, JSON.stringify(map));
  // client: the map inline, as a base64 data: URL, with a sourceRoot.
  const client = ts.transpileModule(CLIENT_TS, {
    compilerOptions: { ...options, inlineSourceMap: true, sourceRoot: '../src' },
    fileName: 'client.ts',
  });
  assert.match(client.outputText, /sourceMappingURL=data:application\/json;base64,/);
  writeFileSync(jsFile('client'), client.outputText);
  writeFileSync(join(app, 'driver.cjs'), DRIVER);
}

function writePair(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', join(app, 'driver.cjs'), snapshots, String(COUNT)],
      { timeout: 120_000 },
      (err, _o, e) => (err ? reject(new Error(e || err.message)) : resolve()),
    );
  });
}

const lineOf = (file: string, line: number): string => readFileSync(file, 'utf8').split('\n')[line - 1] ?? '';

let mapped: DiffResult;
let unmapped: DiffResult;

before(async () => {
  compile();
  await writePair();
  const pair = [join(snapshots, 'before.heapsnapshot'), join(snapshots, 'after.heapsnapshot')];
  const [a, b] = await Promise.all([
    runCli(['diff', '--json', '--min-count', '100', ...pair]),
    runCli(['diff', '--json', '--min-count', '100', '--no-source-maps', ...pair]),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  mapped = JSON.parse(a.stdout);
  unmapped = JSON.parse(b.stdout);
});

function row(result: DiffResult, name: string): ClassDiff {
  const found = result.classes.find((c) => c.name === name);
  assert.ok(found, `${name} is listed: ${result.classes.map((c) => c.name).join(', ')}`);
  assert.equal(found.added, COUNT);
  return found;
}

/** The construct V8 located on the JavaScript line is on the TypeScript line the map gives, and the lines differ. */
function assertSameConstruct(location: SourceLocation, ts: string, js: string, tokens: string[]): void {
  assert.equal(location.script, ts);
  assert.ok(location.generated, 'the JavaScript place is kept');
  assert.equal(location.generated.script, js);
  const token = tokens.find((t) => lineOf(js, location.generated?.line ?? 0).includes(t));
  assert.ok(token, `line ${location.generated.line} of ${js} holds one of ${tokens.join(', ')}`);
  assert.ok(
    lineOf(ts, location.line).includes(token),
    `${ts}:${location.line} holds ${token}: ${lineOf(ts, location.line)}`,
  );
  assert.notEqual(location.line, location.generated.line, 'the types before it moved the line');
}

describe('source maps', () => {
  test('a class: its TypeScript line through a .map file beside the JavaScript', () => {
    const location = row(mapped, 'Subscription').location;
    assert.ok(location, 'Subscription has a location');
    assertSameConstruct(location, tsFile('bus'), jsFile('bus'), ['class Subscription', 'constructor(']);
  });

  test('a closure: its TypeScript line through an inline map with a sourceRoot', () => {
    const location = row(mapped, 'onTick').location;
    assert.ok(location, 'onTick has a location');
    assertSameConstruct(location, tsFile('client'), jsFile('client'), ['function onTick']);
  });

  test('path steps are mapped too', () => {
    const steps = (row(mapped, 'Subscription').retainerPath ?? []).filter((s) => s.location?.generated);
    assert.ok(steps.length > 0, 'some step of the path was mapped');
    for (const step of steps) assert.match(step.location?.script ?? '', /\.ts$/);
  });

  test('--no-source-maps: the places in the JavaScript, as V8 recorded them', () => {
    const location = row(unmapped, 'Subscription').location;
    assert.equal(location?.script, jsFile('bus'));
    assert.equal(location?.generated, undefined);
    assert.equal(location?.line, row(mapped, 'Subscription').location?.generated?.line);
  });

  test('terminal output names the TypeScript file', async () => {
    const pair = [join(snapshots, 'before.heapsnapshot'), join(snapshots, 'after.heapsnapshot')];
    const r = await runCli(['diff', '--min-count', '100', ...pair], { cwd: app, env: { NO_COLOR: '1' } });
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.startsWith('Subscription '));
    assert.match(line ?? '', /src\/bus\.ts:\d+$/);
  });
});

describe('applySourceMaps on places that are not maps', () => {
  test('a FIFO, a folder, a device, a remote map and a missing file are left as they are, without hanging', () => {
    const dir = tempDir();
    const fifo = join(dir, 'fifo.js');
    execFileSync('mkfifo', [fifo]);
    const remote = join(dir, 'remote.js');
    writeFileSync(remote, 'function f() {}\n//# sourceMappingURL=https://example.invalid/remote.js.map\n');
    const broken = join(dir, 'broken.js');
    writeFileSync(broken, 'function f() {}\n//# sourceMappingURL=broken.js.map\n');
    writeFileSync(join(dir, 'broken.js.map'), '{ not json');
    const scripts = [
      fifo,
      dir,
      '/dev/zero',
      remote,
      broken,
      join(dir, 'missing.js'),
      'node:internal/x',
      'https://x/y.js',
    ];
    const places = scripts.map((script) => ({ script, line: 1, column: 1 }));
    const before = JSON.stringify(places);
    applySourceMaps({ places });
    assert.equal(JSON.stringify(places), before);
  });
});
