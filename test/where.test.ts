// Where in my code: definition sites (V8's `locations`) and allocation stacks
// (`trace_tree`, with --track-heap-objects) on snapshots a child process writes
// here. The expected file:line:column come from the fixture's own text; the
// allocation stacks and sites are also checked against DevTools' engine.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { parse } from 'heap-snapshot-toolkit';
import type { RawSnapshot } from '../src/engine/raw-snapshot.js';
import { readRawSnapshot } from '../src/engine/reader.js';
import { SnapshotParser } from '../src/engine/snapshot-sections.js';
import type { ClassDiff, DiffResult, InspectResult, RetainerStep, RunResult } from '../src/types.js';
import { fixture, oncePerFile, root, runCli, tempDir } from './helpers.js';

const COUNT = 200;
const bus = fixture('where/bus.cjs');
const client = fixture('where/client.cjs');
const tracked = tempDir();
const plain = tempDir();
const old = tempDir();

function writePair(dir: string, flags: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', ...flags, client, dir, String(COUNT)],
      { timeout: 120_000 },
      (err, _o, e) => (err ? reject(new Error(e || err.message)) : resolve()),
    );
  });
}

/** Where `marker` (text right before a function's parameter list) is in `file`: 1-based line, and the column of its `(`. */
function site(file: string, marker: string): { script: string; line: number; column: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((text) => text.includes(marker));
  assert.ok(line >= 0, `${marker} is in ${file}`);
  return { script: file, line: line + 1, column: lines[line].indexOf(marker) + marker.length + 1 };
}

/** Like DevTools' old files: no `locations`, no allocation traces, no location_fields or trace fields in meta. */
function stripWhere(from: string, to: string): void {
  const snapshot = JSON.parse(readFileSync(from, 'utf8'));
  const meta = snapshot.snapshot.meta;
  const traceField = meta.node_fields.indexOf('trace_node_id');
  if (traceField >= 0) {
    const width = meta.node_fields.length;
    snapshot.nodes = snapshot.nodes.filter((_: number, i: number) => i % width !== traceField);
    const toNode = meta.edge_fields.indexOf('to_node');
    const edgeWidth = meta.edge_fields.length;
    snapshot.edges = snapshot.edges.map((v: number, i: number) =>
      i % edgeWidth === toNode ? (v / width) * (width - 1) : v,
    );
    meta.node_fields.splice(traceField, 1);
    meta.node_types.splice(traceField, 1);
  }
  for (const key of ['location_fields', 'trace_function_info_fields', 'trace_node_fields', 'sample_fields'])
    delete meta[key];
  for (const key of ['locations', 'trace_function_infos', 'trace_tree', 'samples']) delete snapshot[key];
  snapshot.snapshot.trace_function_count = 0;
  writeFileSync(to, JSON.stringify(snapshot));
}

const files = (dir: string): [string, string] => [join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot')];

/** `leakscan diff --json` of a folder's pair, once per argument list for the file: several tests read it (read only). */
const diffJson = oncePerFile(async (dir: string, extra: string[] = []): Promise<DiffResult> => {
  const r = await runCli(['diff', '--json', '--paths', '10', ...extra, ...files(dir)]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as DiffResult;
});

function row(result: DiffResult, name: string, type = 'object'): ClassDiff {
  const found = result.classes.find((c) => c.name === name && c.type === type);
  assert.ok(found, `${name} is listed: ${result.classes.map((c) => c.name).join(', ')}`);
  return found;
}

before(async () => {
  await Promise.all([writePair(tracked, ['--track-heap-objects']), writePair(plain, [])]);
  for (const [i, file] of files(plain).entries()) stripWhere(file, files(old)[i]);
});

describe('definition sites', () => {
  test('a class row names its constructor, a closure row its function, 1-based as editors count', async () => {
    const result = await diffJson(plain);
    assert.deepEqual(row(result, 'Subscription').location, site(bus, 'constructor'));
    assert.deepEqual(row(result, 'Audit').location, {
      ...site(bus, 'constructor'),
      line: readFileSync(bus, 'utf8').split('\n').indexOf('class Audit {') + 2,
    });
    assert.deepEqual(row(result, 'onTick', 'closure').location, site(bus, 'const onTick = '));
    // Built-in constructors have no script: no site rather than a wrong one (here Object, under its shape's name).
    assert.equal(row(result, '{user, path}').constructorName, 'Object');
    assert.equal(row(result, '{user, path}').location, undefined);
  });

  test('path steps: closures, objects, and a scope as the function whose scope it is', async () => {
    const result = await diffJson(plain);
    const path = row(result, 'Audit').retainerPath!;
    const at = (i: number): RetainerStep => path.at(i)!;
    assert.equal(at(-1).name, 'Audit');
    assert.deepEqual(at(-1).location, row(result, 'Audit').location);
    assert.equal(at(-2).edge?.name, 'audits');
    assert.equal(at(-3).name, 'system / Context');
    assert.deepEqual(at(-3).location, site(bus, 'function makeStore'));
    assert.equal(at(-4).edge?.name, 'remember');
    assert.deepEqual(at(-4).location, site(bus, 'return '));
  });

  test('the same sites as DevTools reads for the same nodes', async () => {
    const result = await diffJson(plain);
    const after = await parse(createReadStream(files(plain)[1], 'utf8'));
    const indexOfId = new Map<number, number>();
    for (let i = 0; i < after.nodes.length; i += after.nodeFieldCount)
      indexOfId.set(after.nodes.getValue(i + after.nodeIdOffset), i);
    let compared = 0;
    for (const step of row(result, 'Audit').retainerPath!) {
      if (!step.location || step.name === 'system / Context') continue;
      const theirs = after.getLocation(indexOfId.get(step.nodeId)!);
      assert.ok(theirs, `DevTools has a location for @${step.nodeId}`);
      assert.deepEqual([step.location.line, step.location.column], [theirs.lineNumber + 1, theirs.columnNumber + 1]);
      compared++;
    }
    assert.ok(compared >= 2);
  });

  test('text and Markdown: file:line relative to the current folder', async () => {
    const text = await runCli(['diff', '--paths', '10', ...files(plain)]);
    assert.equal(text.code, 0, text.stderr);
    const rel = `test/fixtures/where/bus.cjs:${site(bus, 'constructor').line}`;
    assert.match(text.stdout, /Defined at/);
    assert.match(text.stdout, new RegExp(`^Subscription\\s+object\\s.*\\s${rel.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(
      text.stdout,
      new RegExp(
        `→ context system / Context @\\d+ \\(test/fixtures/where/bus\\.cjs:${site(bus, 'function makeStore').line}\\)`,
      ),
    );
    const md = await runCli(['diff', '--markdown', ...files(plain)]);
    assert.match(
      md.stdout,
      new RegExp(`^\\| Subscription \\| object \\|.* \\| \`${rel.replace(/\./g, '\\.')}\` \\|$`, 'm'),
    );
  });

  test('inspect --id shows the object’s definition', async () => {
    const result = await diffJson(plain);
    const sample = row(result, 'Subscription').sampleNodeId!;
    const r = await runCli(['inspect', '--json', '--id', String(sample), files(plain)[1]]);
    assert.equal(r.code, 0, r.stderr);
    const inspect = JSON.parse(r.stdout) as InspectResult;
    assert.deepEqual(inspect.object?.location, site(bus, 'constructor'));
    assert.equal(inspect.object?.allocationStack, undefined, 'no traces without --track-heap-objects');
  });
});

describe('allocation stacks', () => {
  test('grouped per class, innermost frame first, equal to DevTools’ allocation stack', async () => {
    const result = await diffJson(tracked);
    const subscription = row(result, 'Subscription');
    const [top] = subscription.allocationStacks ?? [];
    assert.ok(top, 'Subscription has allocation stacks');
    assert.equal(top.count, COUNT);
    const subscribe = site(bus, 'function subscribe');
    const connect = site(client, 'function connect');
    assert.deepEqual(top.frames[0], { functionName: 'subscribe', ...subscribe });
    assert.deepEqual(top.frames[1], { functionName: 'connect', ...connect });
    // The object literals are made in connect itself.
    const objects = row(result, '{user, path}').allocationStacks!;
    assert.deepEqual(objects[0].frames[0], { functionName: 'connect', ...connect });

    const after = await parse(createReadStream(files(tracked)[1], 'utf8'));
    for (let i = 0; i < after.nodes.length; i += after.nodeFieldCount) {
      if (after.nodes.getValue(i + after.nodeIdOffset) !== subscription.sampleNodeId) continue;
      const theirs = (after.allocationStack(i) ?? []).filter((f) => f.functionName !== '(root)');
      assert.deepEqual(
        top.frames,
        theirs.slice(0, top.frames.length).map((f) => ({
          functionName: f.functionName,
          script: f.scriptName,
          line: f.line,
          column: f.column,
        })),
      );
    }
    const text = await runCli(['diff', ...files(tracked)]);
    assert.match(
      text.stdout,
      new RegExp(
        `${COUNT} allocated in subscribe \\(test/fixtures/where/bus\\.cjs:${subscribe.line}\\) ← connect \\(test/fixtures/where/client\\.cjs:${connect.line}\\)`,
      ),
    );
  });

  test('run --allocation-stacks: the scenario’s frames, without the runner’s below them', async () => {
    const out = tempDir();
    const r = await runCli([
      'run',
      'global-cache',
      '--json',
      '--allocation-stacks',
      '-n',
      '4',
      '--batch',
      '20',
      '--interval',
      '10',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [scenario] = (JSON.parse(r.stdout) as RunResult).scenarios;
    const b = scenario.leaks.find((c) => c.name === 'B');
    assert.ok(b?.allocationStacks?.length, 'B has allocation stacks');
    const file = join(root, 'dist/scenarios/global-cache.js');
    // An ES module: V8 names its script by URL. The built-in scenario is compiled TypeScript, so
    // its source map gives the place in the .ts file, and the JavaScript's place stays as `generated`.
    const { script: _path, ...generatedAt } = site(file, '    run');
    const expected = {
      functionName: 'run',
      ...site(join(root, 'scenarios/global-cache.ts'), '  run'),
      generated: { script: pathToFileURL(file).href, ...generatedAt },
    };
    assert.deepEqual(b.allocationStacks[0].frames, [expected]);
    assert.equal(b.allocationStacks[0].count, b.added);
  });

  test('a snapshot without traces has none', async () => {
    const result = await diffJson(plain);
    assert.equal(row(result, 'Subscription').allocationStacks, undefined);
  });
});

describe('an old snapshot without locations or traces', () => {
  test('degrades to the output without them, and no error', async () => {
    const [withWhere, without] = await Promise.all([diffJson(plain), diffJson(old)]);
    const strip = (r: DiffResult): unknown =>
      r.classes.map(({ location: _l, allocationStacks: _a, retainerPath, holders, ...rest }) => ({
        ...rest,
        retainerPath: retainerPath?.map(({ location: _s, ...step }) => step),
        holders: holders?.map((h) => ({
          ...h,
          retainerPath: h.retainerPath?.map(({ location: _s, ...step }) => step),
        })),
      }));
    assert.deepEqual(strip(without), strip(withWhere));
    assert.ok(without.classes.every((c) => c.location === undefined && c.allocationStacks === undefined));
    assert.ok(!JSON.stringify(without.classes).includes('"location"'));
    // The findings keep their place fields (the JSON contract), empty.
    for (const f of without.findings) {
      assert.equal(f.site, null);
      assert.equal(f.leaked.location, null);
      assert.equal(f.holder.location, null);
      assert.ok(!JSON.stringify(f.retainerPath).includes('"location"'));
    }
    const text = await runCli(['diff', ...files(old)]);
    assert.equal(text.code, 0, text.stderr);
    assert.doesNotMatch(text.stdout, /Defined at|allocated in|\.cjs:\d/);
  });
});

describe('the reader', () => {
  test('reads locations and the trace tree at any chunk size, and drops a malformed section', async () => {
    const file = files(tracked)[1];
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const flat: number[] = [];
    const walk = (children: number[], parent: number): void => {
      const width = json.snapshot.meta.trace_node_fields.length;
      for (let i = 0; i < children.length; i += width) {
        const at = flat.length / 3;
        flat.push(children[i], children[i + 1], parent);
        walk(children[i + width - 1] as unknown as number[], at);
      }
    };
    walk(json.trace_tree, -1);
    // The file as the reader streams it, then fed 13 bytes at a time straight to its parser (the
    // same code a 13-byte stream reaches, without a read call per 13 bytes): every section is cut
    // at every kind of place.
    const bytes = readFileSync(file);
    const fedInThirteens = (): RawSnapshot => {
      const parser = new SnapshotParser(file, bytes.length);
      for (let at = 0; at < bytes.length; at += 13) parser.feed(bytes.subarray(at, at + 13));
      return parser.finish(bytes.length, bytes.length);
    };
    for (const raw of [await readRawSnapshot(file), fedInThirteens()]) {
      assert.deepEqual(Array.from(raw.locations!), json.locations);
      assert.deepEqual(Array.from(raw.trace!.functionInfos), json.trace_function_infos);
      const ours: number[] = [];
      raw.trace!.nodeIds.forEach((id, i) => {
        ours.push(id, raw.trace!.functionInfoIndexes[i], raw.trace!.parents[i]);
      });
      assert.deepEqual(ours, flat);
    }
    const broken = join(tempDir(), 'broken.heapsnapshot');
    writeFileSync(
      broken,
      readFileSync(file, 'utf8')
        .replace(/"locations":\[[0-9]/, '"locations":[-')
        .replace(/"trace_tree":\[\[?[0-9]/, '"trace_tree":["x"'),
    );
    const raw = await readRawSnapshot(broken);
    assert.equal(raw.locations, null);
    assert.equal(raw.trace, null);
    assert.equal(raw.columns!.nodes.ids.length * json.snapshot.meta.node_fields.length, json.nodes.length);
  });
});
