// `leakscan inspect --id` drills into what an object retains, and `--class`
// names each instance's holder, through the built binary on a snapshot of a
// real http server; the sizes are checked against DevTools' own engine.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { InspectResult, RetainedObject } from '../src/types.js';
import { devtoolsView } from './devtools-oracle.js';
import { oncePerFile, runCli, tempDir } from './helpers.js';

const dir = tempDir();
const file = join(dir, 'server.heapsnapshot');

const SERVER = `
  const http = require('node:http');
  const v8 = require('node:v8');
  // The program's own records, in a module-level object by keys that are no identifiers, kept by the
  // request handler: what inspect names first.
  class Session { constructor(i) { this.id = i; this.data = 'y'.repeat(200 + i); } }
  const store = { active: {}, archive: [] };
  for (let i = 0; i < 120; i++) store.active['s-' + i] = new Session(i);
  for (let i = 0; i < 40; i++) store.archive.push(new Session(i));
  const server = http.createServer((req, res) => res.end(String(store.active['s-' + req.url.slice(1)]?.id)));
  // Something big the server alone keeps: the drill-down must find it under the server.
  server.responses = new Map();
  for (let i = 0; i < 300; i++) server.responses.set('/r' + i, { body: 'x'.repeat(500 + i) });
  server.listen(0, '127.0.0.1', () => {
    v8.writeHeapSnapshot(process.argv[2]);
    server.close();
  });`;

/**
 * An ES module whose top-level await is still pending when it writes its snapshot: a listener per upload on an
 * emitter. Node's loader keeps the suspended module through records that lie further from the roots than the
 * emitter's listener array they dominate.
 */
const UPLOADS = `
import v8 from 'node:v8';
import { EventEmitter } from 'node:events';
class Upload { constructor(id) { this.id = id; this.chunks = Array.from({ length: 20 }, (_, i) => 'chunk-' + id + '-' + i); } }
const progress = new EventEmitter();
progress.setMaxListeners(0);
function startUpload(id) {
  const upload = new Upload(id);
  progress.on('tick', (pct) => { upload.last = pct; });
}
for (let i = 0; i < 200; i++) startUpload(i);
await new Promise((resolve) => setImmediate(resolve));
v8.writeHeapSnapshot(process.argv[2]);
`;
const uploads = join(dir, 'uploads.heapsnapshot');

/**
 * Callbacks queued in a pool that is never released, each keeping a QueryContext; the module's one exported
 * function keeps the pool, and the pool keeps them: containers of one another, the largest retainer is the outermost.
 */
const POOL = `
const v8 = require('node:v8');
class Connection { constructor(id) { this.id = id; } }
class Pool {
  constructor() { this.free = [new Connection(0)]; this.waiting = []; }
  acquire(cb) { const conn = this.free.pop(); if (conn) cb(conn); else this.waiting.push(cb); }
}
class QueryContext { constructor(i) { this.sql = 'select ' + i; this.params = new Array(30).fill(i); } }
const pool = new Pool();
exports.query = function query(i) { const ctx = new QueryContext(i); pool.acquire((conn) => { ctx.conn = conn; }); };
for (let i = 0; i < 200; i++) exports.query(i);
v8.writeHeapSnapshot(process.argv[2]);
`;
const pool = join(dir, 'pool.heapsnapshot');

/** A library keeping its entries in private fields (as lru-cache does), in node_modules/ beside the program. */
const STORE_LIBRARY = `class TtlStore {
  #values = new Map();
  set(key, value) { this.#values.set(key, { value, at: Date.now() }); }
}
module.exports = { TtlStore };
`;
const PROFILES = `
const v8 = require('node:v8');
const { TtlStore } = require('ttl-store');
class Profile { constructor(i) { this.id = i; this.prefs = new Array(20).fill(i); } }
const profiles = new TtlStore();
for (let i = 0; i < 150; i++) profiles.set('user:' + i, new Profile(i));
exports.save = (i) => profiles.set('user:' + i, new Profile(i));
// Once the top level has returned: the store is reached through the module's variable, not the stack.
setImmediate(() => v8.writeHeapSnapshot(process.argv[2]));
`;
const profiles = join(dir, 'profiles.heapsnapshot');

/** Runs `source` as `name` with the snapshot's path as its argument. */
async function snapshotOf(name: string, source: string, snapshot: string): Promise<void> {
  const script = join(dir, name);
  writeFileSync(script, source);
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [script, snapshot], { timeout: 120_000 }, (err, _o, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(),
    ),
  );
}

before(async () => {
  await Promise.all([
    snapshotOf('server.cjs', SERVER, file),
    snapshotOf('uploads.mjs', UPLOADS, uploads),
    snapshotOf('pool.cjs', POOL, pool),
    (async () => {
      mkdirSync(join(dir, 'node_modules', 'ttl-store'), { recursive: true });
      writeFileSync(join(dir, 'node_modules', 'ttl-store', 'index.js'), STORE_LIBRARY);
      await snapshotOf('profiles.cjs', PROFILES, profiles);
    })(),
  ]);
});

async function inspectJson(args: string[], snapshot = file): Promise<InspectResult> {
  const r = await runCli(['inspect', '--json', ...args, snapshot]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as InspectResult;
}

/** The http Server's node id, from one `inspect --class Server` for the file: the drill-down tests share it. */
const serverId = oncePerFile(async (): Promise<number> => {
  const byClass = await inspectJson(['--class', 'Server']);
  const server = byClass.classInstances?.find((o) => o.location?.script === 'node:_http_server');
  assert.ok(server, JSON.stringify(byClass.classInstances?.map((o) => o.location)));
  return server.nodeId;
});

/** Every listed object with its level (1: the object's own children). */
function flatten(list: RetainedObject[] | undefined, level = 1): Array<{ r: RetainedObject; level: number }> {
  return (list ?? []).flatMap((r) => [{ r, level }, ...flatten(r.retains, level + 1)]);
}

describe('leakscan inspect: your code first', () => {
  test("the program's own class, its size and its holder as typed, before the tables", async () => {
    const result = await inspectJson([]);
    const [first] = result.yours ?? [];
    assert.equal(first?.name, 'Session', JSON.stringify(result.yours));
    assert.equal(first.count, 160);
    // The nearest holder of at least half, not `store`, which holds both collections.
    assert.equal(first.held, 120);
    assert.equal(first.holder, 'store.active');
    assert.match(first.location.script, /server\.cjs$/);
    const text = await runCli(['inspect', file]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.split('\n');
    assert.equal(lines[3], "Your code's objects", text.stdout.slice(0, 400));
    assert.match(
      lines[5],
      /^ {2}160 Session \(\S*server\.cjs:\d+\), [\d.]+ KB retained, 120 of them held in store\.active$/,
    );
  });

  test('a function made once (a class constructor, a handler) is code, not one of the objects listed', async () => {
    const result = await inspectJson([]);
    const once = (result.yours ?? []).filter((c) => c.type === 'closure' && c.count === 1);
    assert.deepEqual(once, [], JSON.stringify(result.yours?.map((c) => [c.name, c.type, c.count])));
    // Unless the function alone keeps a share of the heap: its scope is where the data is.
    const index = join(dir, 'index.heapsnapshot');
    await snapshotOf(
      'index.cjs',
      `class Row { constructor(i) { this.key = 'row-' + i; } }
      function makeIndex() {
        const rows = Array.from({ length: 20000 }, (_, i) => new Row(i));
        return function lookupRow(key) { return rows.find((r) => r.key === key); };
      }
      const lookupRow = makeIndex();
      require('node:v8').writeHeapSnapshot(process.argv[2]);`,
      index,
    );
    const kept = (await inspectJson([], index)).yours ?? [];
    const lookup = kept.find((c) => c.name === 'lookupRow');
    assert.equal(lookup?.type, 'closure', JSON.stringify(kept.map((c) => [c.name, c.type, c.count])));
    assert.equal(lookup.count, 1);
    assert.ok(!kept.some((c) => c.name === 'Row' && c.type === 'closure'), 'the class Row itself is not listed');
  });

  test('a batch script gathering plain records: the records lead, by their shape', async () => {
    // Its heap limit reached while its top level runs (as --heapsnapshot-near-heap-limit would write it): the
    // records are plain objects of no class, kept by a running function.
    const batch = join(dir, 'batch.heapsnapshot');
    await snapshotOf(
      'batch.mjs',
      `import v8 from 'node:v8';
      const seenRows = [];
      for (let i = 0; i < 30000; i++) {
        const [id, user, amount] = (i + ',user' + (i % 100) + ',' + (i * 3 + 0.25)).split(',');
        seenRows.push({ id, user, amount: Number(amount) });
        if (i === 29999) v8.writeHeapSnapshot(process.argv[2]);
      }`,
      batch,
    );
    const result = await inspectJson([], batch);
    const [first] = result.yours ?? [];
    // (V8 keeps a field of doubles unboxed, with no edge: the shape is named by the other two.)
    assert.match(first?.name ?? '', /^\{id, user\b/, JSON.stringify(result.yours?.map((c) => c.name)));
    // 30,000 records, and the template V8 keeps at the literal's allocation site.
    assert.ok(first.count >= 30000 && first.count <= 30001, String(first.count));
    assert.ok(first.retainedSize > result.snapshot.reachableSize / 4, `${first.retainedSize}`);
    // Its array is a local of the running top level: V8 names no variable on the stack.
    assert.equal(first.holder, `a running function's Array (@${first.holderNodeId})`);
  });

  test("the holder is the nearest one along the dominators, not a loader's record above the module", async () => {
    const [first] = (await inspectJson([], uploads)).yours ?? [];
    assert.equal(first?.name, 'Upload');
    assert.equal(first.held, 200);
    assert.equal(first.holder, 'progress._events.tick');
  });

  test("a library's private field is no name to type: the holder ends at the program's variable", async () => {
    const [first] = (await inspectJson([], profiles)).yours ?? [];
    assert.equal(first?.name, 'Profile');
    assert.ok(first.held >= 140, String(first.held));
    assert.equal(first.holder, 'profiles');
  });

  test('what accumulates before the objects of yours that contain it (the pool, the function keeping the pool)', async () => {
    const yours = (await inspectJson([], pool)).yours ?? [];
    const names = yours.map((c) => c.name);
    assert.equal(yours[0]?.name, 'QueryContext', JSON.stringify(names));
    assert.equal(yours[0].held, 199);
    assert.equal(yours[0].holder, 'pool.waiting');
    // The containers follow, inner first.
    assert.ok(names.indexOf('Pool') > 0, JSON.stringify(names));
  });
});

describe('leakscan inspect: drill-down', () => {
  test('--id on an http Server: its dominated children, with the retained sizes DevTools gives', async () => {
    const id = await serverId();
    const result = await inspectJson(['--id', String(id)]);
    const object = result.object!;
    assert.equal(object.nodeId, id);
    const devtools = await devtoolsView(file);
    const ordinalOf = new Map(Array.from(devtools.ids, (nodeId, o) => [nodeId, o]));
    assert.equal(object.retainedSize, devtools.retainedSizes[ordinalOf.get(id)!]);
    // DevTools' children of the server in its dominator tree, largest first.
    const theirs: number[] = [];
    for (let o = 0; o < devtools.ids.length; o++)
      if (devtools.dominatorIds[o] === id && devtools.ids[o] !== id) theirs.push(o);
    const theirSizes = theirs.map((o) => devtools.retainedSizes[o]).sort((a, b) => b - a);
    const ours = object.retains!;
    assert.ok(theirs.length > 3, `${theirs.length} children`);
    assert.equal(ours.length, Math.min(10, theirs.length), 'ten children at most by default');
    assert.deepEqual(
      ours.map((r) => r.retainedSize),
      theirSizes.slice(0, 10),
    );
    for (const r of flatten(ours)) {
      const o = ordinalOf.get(r.r.nodeId)!;
      assert.equal(r.r.retainedSize, devtools.retainedSizes[o], `@${r.r.nodeId}`);
    }
    for (const r of ours) assert.equal(devtools.dominatorIds[ordinalOf.get(r.nodeId)!], id);
    // With --top 3, the rest is counted, not lost.
    const cut = (await inspectJson(['--id', String(id), '--top', '3'])).object!;
    assert.deepEqual(
      cut.retains!.map((r) => r.retainedSize),
      theirSizes.slice(0, 3),
    );
    assert.deepEqual(cut.retainsOmitted, {
      count: theirs.length - 3,
      retainedSize: theirSizes.slice(3).reduce((s, v) => s + v, 0),
    });
    // The big Map, under the name the program gave it, found by the edge from the server.
    assert.deepEqual(ours[0].edge, { type: 'property', name: 'responses' });
    assert.equal(ours[0].direct, true);
    assert.equal(ours[0].name, 'Map');
    // Two levels by default.
    const levels = flatten(ours).map((x) => x.level);
    assert.equal(Math.max(...levels), 2);
  });

  test('--depth and --top bound the tree; text, Markdown and HTML show it', async () => {
    const id = await serverId();
    const deep = await inspectJson(['--id', String(id), '--depth', '3', '--top', '3']);
    const all = flatten(deep.object!.retains);
    assert.equal(Math.max(...all.map((x) => x.level)), 3);
    assert.ok(deep.object!.retains!.length <= 3);
    for (const { r } of all) assert.ok((r.retains?.length ?? 0) <= 3);
    const shallow = await inspectJson(['--id', String(id), '--depth', '1']);
    assert.ok(shallow.object!.retains!.every((r) => r.retains === undefined));

    const html = join(dir, 'server.html');
    const text = await runCli(['inspect', '--id', String(id), '--depth', '3', '--top', '3', '--html', html, file]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Retains/);
    for (const { r } of all) assert.ok(text.stdout.includes(`@${r.nodeId}`), `@${r.nodeId} in the text`);
    assert.match(text.stdout, /^ {4}\.responses {2}Map @\d+ {2}self .* retained /m);
    assert.match(text.stdout, /… [\d,]+ more, /);
    const page = readFileSync(html, 'utf8');
    const data = JSON.parse(
      page
        .match(/<script type="application\/json" id="leakscan-data">([\s\S]*?)<\/script>/)![1]
        .replace(/\\u003c/g, '<'),
    );
    const item = data.blocks.find((b: { t: string; tree?: unknown }) => b.t === 'item' && b.tree);
    assert.ok(item, 'the object item carries the tree');
    assert.equal(item.tree.nodes[0].edge, '.responses');
    assert.equal(item.tree.nodes[0].kids.length, 1, 'the Map holds its table');

    const md = await runCli(['inspect', '--markdown', '--id', String(id), file]);
    assert.match(md.stdout, /Retains \(what freeing it would free/);
    const refused = await runCli(['inspect', '--depth', '2', file]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--depth needs --id/);
  });

  test('--class: each instance with its retained size and its holder', async () => {
    const result = await inspectJson(['--class', 'Map']);
    const devtools = await devtoolsView(file);
    const ordinalOf = new Map(Array.from(devtools.ids, (nodeId, o) => [nodeId, o]));
    const instances = result.classInstances!;
    assert.ok(instances.length > 1);
    for (const o of instances) assert.equal(o.retainedSize, devtools.retainedSizes[ordinalOf.get(o.nodeId)!]);
    // Named from the object that alone keeps it: the server's `responses` property.
    const responses = instances.find((o) => o.holder?.endsWith('.responses'));
    assert.ok(responses, JSON.stringify(instances.map((o) => o.holder)));
    assert.ok(instances.every((o) => o.holder === null || typeof o.holder === 'string'));
    const text = await runCli(['inspect', '--class', 'Map', file]);
    assert.match(text.stdout, /held in .*\.responses$/m);
  });
});
