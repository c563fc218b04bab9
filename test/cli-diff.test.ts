// `leakscan diff` and `leakscan inspect` through the built binary, on snapshots
// written by child processes: one that leaks Sessions into a module-level Map,
// one HTTP server that keeps nothing per request.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { DiffResult, InspectResult } from '../src/types.js';
import { runCli, runFixture, tempDir } from './helpers.js';

const leakDir = tempDir();
const serverDir = tempDir();
const otherDir = tempDir();

before(async () => {
  await Promise.all([
    runFixture('pair-leak.cjs', leakDir, ['300']),
    runFixture('pair-server.cjs', serverDir),
    runFixture('pair-leak.cjs', otherDir, ['40']),
  ]);
});

describe('leakscan diff', () => {
  test('finds the leaked class with its count and a path naming the Map variable', async () => {
    const r = await runCli([
      'diff',
      '--json',
      join(leakDir, 'before.heapsnapshot'),
      join(leakDir, 'after.heapsnapshot'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const diff = JSON.parse(r.stdout) as DiffResult;
    const session = diff.classes.find((c) => c.name === 'Session');
    assert.ok(session, 'Session is listed');
    assert.equal(session.type, 'object');
    assert.equal(session.added, 300);
    assert.equal(session.removed, 0);
    assert.equal(session.suspect, true);
    assert.equal(diff.classes[0].name, 'Session', 'the holder class has the largest retained size');
    assert.ok(session.retainedSize > session.addedSize, 'retained includes the user objects and strings');
    const path = session.retainerPath;
    assert.ok(path && path.length > 2);
    assert.equal(path.at(-1)!.name, 'Session');
    assert.equal(path.at(-1)!.nodeId, session.sampleNodeId);
    assert.ok(
      path.some((step) => step.edge?.name === 'sessions'),
      `path names the Map variable: ${JSON.stringify(path)}`,
    );
    assert.ok(!path.some((step) => step.edge?.type === 'weak'));
    // The Session's own fields are held through the Sessions: part of that leak, not suspects of their own.
    // Each Session's { name } object literal is a class of its own shape, as DevTools names it.
    const object = diff.classes.find((c) => c.name === '{name}');
    assert.ok(object && object.added >= 300 && object.heldByNew >= 300 && !object.suspect);
    assert.equal(object.constructorName, 'Object');
    assert.deepEqual(
      diff.classes.filter((c) => c.suspect).map((c) => c.name),
      ['Session'],
    );
    // Churn allocated and dropped between the snapshots is not new.
    assert.ok(diff.totals.added < 2000, `only what stays is new: ${diff.totals.added}`);
    for (const key of ['name', 'type', 'added', 'removed', 'addedSize', 'retainedSize', 'retainerPath']) {
      assert.ok(key in session, `field ${key}`);
    }
    assert.equal(diff.before.runtime, 'node');
  });

  test('terminal output: table, path, verdict; --fail-on-leak exits 1', async () => {
    const files = [join(leakDir, 'before.heapsnapshot'), join(leakDir, 'after.heapsnapshot')];
    const r = await runCli(['diff', ...files]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /# New/);
    assert.match(r.stdout, /Session\s+object\s+300\s+0\s+\+300/);
    assert.match(r.stdout, /sessions/);
    assert.match(r.stdout, /1 suspected leak: Session \+300 .* via sessions\[…\]/);
    assert.doesNotMatch(r.stdout, /\u001b\[/, 'no colour with NO_COLOR');
    const gated = await runCli(['diff', '--fail-on-leak', ...files]);
    assert.equal(gated.code, 1);
  });

  test('--class, --top and --markdown', async () => {
    const files = [join(leakDir, 'before.heapsnapshot'), join(leakDir, 'after.heapsnapshot')];
    const only = JSON.parse((await runCli(['diff', '--json', '--class', 'Session', ...files])).stdout) as DiffResult;
    assert.deepEqual(
      only.classes.map((c) => c.name),
      ['Session'],
    );
    const top = JSON.parse(
      (await runCli(['diff', '--json', '--top', '1', '--min-count', '1', ...files])).stdout,
    ) as DiffResult;
    assert.equal(top.classes.length, 1);
    const md = await runCli(['diff', '--markdown', ...files]);
    assert.equal(md.code, 0);
    // The first thing under the title is the first leak, as the terminal and the HTML report open.
    assert.match(md.stdout, /^# leakscan diff\n\n## Leak 1 \(collection\): 300 Session .*added to sessions/);
    assert.match(md.stdout, /\| Session \| object \| 300 \|/);
    assert.match(md.stdout, /```\n\(GC roots\)/);
  });

  test('a server that keeps nothing per request shows no suspect', async () => {
    const files = [join(serverDir, 'before.heapsnapshot'), join(serverDir, 'after.heapsnapshot')];
    const r = await runCli(['diff', '--json', '--fail-on-leak', ...files]);
    assert.equal(r.code, 0, r.stdout.slice(0, 2000));
    const diff = JSON.parse(r.stdout) as DiffResult;
    // The server did make new objects (the requests'): none of their classes is a suspect.
    assert.ok(diff.totals.added > 0, `${diff.totals.added} new objects`);
    assert.deepEqual(
      diff.classes.filter((c) => c.suspect),
      [],
    );
    const text = await runCli(['diff', ...files]);
    assert.match(text.stdout, /No suspected leak/);
  });

  test('snapshots of two different processes are refused', async () => {
    const r = await runCli(['diff', join(leakDir, 'before.heapsnapshot'), join(otherDir, 'after.heapsnapshot')]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^leakscan: .*not snapshots of one process|share almost no objects/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});

describe('leakscan inspect', () => {
  const file = (): string => join(leakDir, 'after.heapsnapshot');

  test('totals, classes, largest objects, duplicated strings', async () => {
    const r = await runCli(['inspect', '--json', '--top', '10000', file()]);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as InspectResult;
    assert.ok(result.snapshot.nodeCount > 1000);
    assert.ok(result.snapshot.reachableSize <= result.snapshot.totalSize);
    const session = result.byCount.find((c) => c.name === 'Session');
    assert.equal(session?.count, 300);
    // The global object dominates nearly everything in DevTools' tree; the list shows what is below it.
    assert.ok(result.largestObjects.length >= 10, `${result.largestObjects.length} largest objects`);
    const first = result.largestObjects.slice(0, 10).map((o) => o.name);
    assert.ok(!first.includes('global'), JSON.stringify(first));
    for (const o of result.largestObjects) assert.ok(o.retainerPath && o.retainerPath.length > 0);
    const sizes = result.byRetainedSize.map((c) => c.retainedSize);
    assert.deepEqual(
      sizes,
      [...sizes].sort((a, b) => b - a),
    );
  });

  test('--class lists instances and --id explains one', async () => {
    const byClass = JSON.parse(
      (await runCli(['inspect', '--json', '--class', 'Session', file()])).stdout,
    ) as InspectResult;
    assert.ok(byClass.classInstances && byClass.classInstances.length === 10);
    const one = byClass.classInstances[0];
    assert.equal(one.name, 'Session');
    const byId = await runCli(['inspect', '--json', '--id', String(one.nodeId), file()]);
    const explained = JSON.parse(byId.stdout) as InspectResult;
    assert.equal(explained.object?.nodeId, one.nodeId);
    assert.ok(explained.object?.retainerPath?.some((s) => s.edge?.name === 'sessions'));
    const text = await runCli(['inspect', file()]);
    assert.match(text.stdout, /Classes by retained size/);
    assert.match(text.stdout, /Largest objects/);
    const missing = await runCli(['inspect', '--id', '2', file()]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no object with id @2/);
  });

  test('reads .gz directly and leaves nothing behind', async () => {
    const { gzipSync } = await import('node:zlib');
    const { readFileSync, writeFileSync } = await import('node:fs');
    const gz = join(leakDir, 'after.heapsnapshot.gz');
    writeFileSync(gz, gzipSync(readFileSync(file())));
    const before = readdirSync(leakDir).sort();
    const plain = JSON.parse((await runCli(['inspect', '--json', file()])).stdout) as InspectResult;
    const zipped = JSON.parse((await runCli(['inspect', '--json', gz])).stdout) as InspectResult;
    assert.equal(zipped.snapshot.nodeCount, plain.snapshot.nodeCount);
    assert.deepEqual(zipped.byRetainedSize, plain.byRetainedSize);
    assert.deepEqual(readdirSync(leakDir).sort(), before);
  });
});
