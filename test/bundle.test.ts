// Bug-report bundles: nothing of a secret survives --redact (in any file,
// plain or compressed), the redacted diff equals the plain one, the report
// renders, and the folder is complete or absent.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { before, describe, test } from 'node:test';
import * as tar from 'tar';
import { renderRssChart } from '../src/bundle/chart.js';
import { sparkline } from '../src/bundle/sparkline.js';
import type { DiffResult } from '../src/types.js';
import { runCli, runFixture, tempDir } from './helpers.js';

const dir = tempDir();
const LEFT = 'sk_live_7Hq2';
const RIGHT = 'Zp9XwV4rTe81NcQa';
const SECRET = LEFT + RIGHT;

/** Every file under `root`, recursively. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? (d as unknown as { path: string }).path, d.name));
}

/** The file's bytes, and their gunzip when they are gzip. */
function contents(file: string): Buffer[] {
  const raw = readFileSync(file);
  return raw[0] === 0x1f && raw[1] === 0x8b ? [raw, gunzipSync(raw)] : [raw];
}

function containsSecret(root: string): string[] {
  return filesUnder(root).filter((f) => contents(f).some((b) => b.includes(SECRET)));
}

before(async () => {
  await runFixture('bundle-secret.cjs', dir, [LEFT, RIGHT]);
});

describe('leakscan bundle', () => {
  const pair = (): string[] => [join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot')];

  test('the secret is in the plain bundle (so the test can fail)', async () => {
    const out = join(dir, 'plain');
    const r = await runCli(['bundle', ...pair(), '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(containsSecret(out).length > 0);
  });

  test('--redact --tar: no trace of the secret anywhere, same diff, owner-only files', async () => {
    const out = join(dir, 'redacted');
    const r = await runCli(['bundle', ...pair(), '-o', out, '--redact', '--tar']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Bundle written to/);
    const names = filesUnder(out).map((f) => f.slice(out.length + 1)).sort();
    assert.deepEqual(names, ['README.md', 'environment.json', 'report.json', 'report.md', 'snapshots/after.after.heapsnapshot.gz', 'snapshots/before.before.heapsnapshot.gz']);
    assert.deepEqual(containsSecret(out), []);
    for (const half of [LEFT, RIGHT]) {
      for (const f of filesUnder(out)) assert.ok(!contents(f).some((b) => b.includes(half)), `${half} in ${f}`);
    }
    for (const f of filesUnder(out)) assert.equal(statSync(f).mode & 0o777, 0o600, f);
    assert.equal(statSync(out).mode & 0o777, 0o700);

    // The .tar.gz holds the same files, none with the secret.
    const tarFile = `${out}.tar.gz`;
    assert.equal(statSync(tarFile).mode & 0o777, 0o600);
    assert.ok(!contents(tarFile).some((b) => b.includes(SECRET)));
    const unpacked = tempDir();
    await tar.x({ file: tarFile, cwd: unpacked });
    assert.deepEqual(containsSecret(unpacked), []);
    assert.equal(filesUnder(unpacked).length, names.length);

    // The redacted pair diffs like the original.
    const bundled = ['before.before', 'after.after'].map((n) => join(out, 'snapshots', `${n}.heapsnapshot.gz`));
    const plain = JSON.parse((await runCli(['diff', '--json', '--min-count', '1', ...pair()])).stdout) as DiffResult;
    const redacted = JSON.parse((await runCli(['diff', '--json', '--min-count', '1', ...bundled])).stdout) as DiffResult;
    const shape = (d: DiffResult) => d.classes.map((c) => [c.name, c.type, c.added, c.removed, c.addedSize, c.retainedSize]);
    assert.deepEqual(shape(redacted), shape(plain));
    assert.ok(plain.classes.some((c) => c.name === 'Session' && c.added === 200));
    assert.equal(redacted.after.nodeCount, plain.after.nodeCount);

    // Opens as a heap snapshot (the format DevTools loads).
    const json = JSON.parse(gunzipSync(readFileSync(bundled[1])).toString()) as { snapshot: { node_count: number }; strings: string[] };
    assert.equal(json.snapshot.node_count, plain.after.nodeCount);
    assert.ok(json.strings.includes('Session') && json.strings.includes('token'), 'class and property names kept');

    const env = JSON.parse(readFileSync(join(out, 'environment.json'), 'utf8')) as Record<string, unknown>;
    for (const key of ['leakscan', 'node', 'v8', 'os', 'cpu', 'totalMemoryBytes', 'commandLine']) assert.ok(key in env, key);
    assert.ok(!readdirSync(dir).some((n) => n.includes('.tmp-')), 'no temp folder left');
  });

  test('an existing, non-empty folder is refused and left alone', async () => {
    const out = join(dir, 'taken');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const r = await runCli(['bundle', ...pair(), '-o', out]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^leakscan: .*taken: folder exists and is not empty/);
    assert.deepEqual(readdirSync(out), ['keep.txt']);
    assert.ok(!readdirSync(dir).some((n) => n.includes('.tmp-')));
  });
});

describe('leakscan run --bundle', () => {
  test('report.md embeds rss.svg; every link resolves; the SVG is well formed', async () => {
    const out = join(tempDir(), 'bundle');
    const r = await runCli(['run', 'cycle', 'global-cache', '-n', '3', '--batch', '20', '--interval', '10', '--out', tempDir(), '--bundle', out]);
    assert.equal(r.code, 0, r.stderr);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(report, /!\[[^\]]*\]\(rss\.svg\)/);
    assert.match(report, /global-cache: 60 B retained — leak/);
    const links = [...report.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^https?:/.test(l));
    assert.ok(links.length >= 3);
    for (const link of links) assert.ok(existsSync(join(out, link)), `link ${link} resolves`);
    assert.equal(readdirSync(join(out, 'snapshots')).length, 4);
    // Two scenarios × RSS, heap used, external.
    assertValidSvg(readFileSync(join(out, 'rss.svg'), 'utf8'), 6);
  });
});

function assertValidSvg(svg: string, panels: number): void {
  assert.match(svg, /^<\?xml[^>]*\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.doesNotMatch(svg, /NaN|undefined|Infinity|<script/);
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-z]+)\b[^>]*?(\/?)>/g)) {
    if (m[3] === '/') continue;
    if (m[1] === '/') assert.equal(stack.pop(), m[2], 'balanced tags');
    else stack.push(m[2]);
  }
  assert.deepEqual(stack, []);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2 * panels);
}

describe('charts', () => {
  test('renderRssChart escapes names and scales to the data', () => {
    const svg = renderRssChart([{ name: 'a<b & "c"', withoutGc: [50e6, 60e6, 70e6], withGc: [50e6, 50e6, 51e6] }]);
    assertValidSvg(svg, 1);
    assert.match(svg, /a&lt;b &amp; &quot;c&quot;/);
  });

  test('renderRssChart adds a row of panels for heap used and for external memory', () => {
    const pass = { withoutGc: [5e6, 6e6], withGc: [5e6, 5e6] };
    const svg = renderRssChart([
      { name: 'a', withoutGc: [50e6, 60e6], withGc: [50e6, 51e6], heapUsed: pass, external: pass },
      { name: 'b', withoutGc: [50e6, 60e6], withGc: [50e6, 51e6], heapUsed: pass, external: pass },
    ]);
    assertValidSvg(svg, 6);
    for (const title of ['a — RSS', 'b — V8 heap used', 'b — external']) assert.ok(svg.includes(`>${title}</text>`), title);
  });

  test('sparkline', () => {
    assert.equal(sparkline([1, 2, 3, 4, 5, 6, 7, 8]), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline([5, 5, 5]), '▁▁▁');
    assert.equal(sparkline([1_810_000, 1_811_000, 1_811_000]), '▁▁▁', 'noise of a few bytes is flat');
    assert.equal(sparkline([]), '');
  });
});
