// Bug-report bundles: nothing of a secret survives --redact (in any file,
// plain or compressed), wherever V8 recorded it; the redacted pair diffs like
// the plain one; the report renders; the folder is complete or absent; no
// file of the user's is overwritten or followed through a symlink.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar';
import { readSnapshot } from '../src/engine/index.js';
import { writeSnapshot } from '../src/engine/writer.js';
import { renderRssChart } from '../src/report/chart.js';
import { sparkline } from '../src/report/sparkline.js';
import type { DiffResult } from '../src/types.js';
import { fixture, runCli, runFixture, tempDir } from './helpers.js';

const dir = tempDir();
const namesDir = tempDir();
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

/** Files under `root` holding the secret or either half of it, plain or gunzipped. */
function leaking(root: string): string[] {
  return filesUnder(root).filter((f) => contents(f).some((b) => [SECRET, LEFT, RIGHT].some((s) => b.includes(s))));
}

type Shape = (string | number)[];
/** Classes as counts and sizes, sorted: names may be pseudonyms. */
function shapes(d: DiffResult): Shape[] {
  return d.classes
    .map((c): Shape => [c.type, c.added, c.removed, c.addedSize, c.retainedSize, c.heldWeakly])
    .sort((a, b) => String(a).localeCompare(String(b)));
}

async function diffJson(files: string[]): Promise<DiffResult> {
  const r = await runCli(['diff', '--json', '--min-count', '1', ...files]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as DiffResult;
}

/** Node and edge names of a snapshot that hold the secret. */
function namesWithSecret(file: string): string[] {
  const s = JSON.parse(contents(file).at(-1)!.toString()) as {
    snapshot: { meta: { node_fields: string[]; edge_fields: string[]; edge_types: string[][] } };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const nf = s.snapshot.meta.node_fields.length;
  const ef = s.snapshot.meta.edge_fields.length;
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const used = new Set<number>();
  for (let i = 0; i < s.nodes.length; i += nf) used.add(s.nodes[i + 1]);
  for (let i = 0; i < s.edges.length; i += ef)
    if (!['element', 'hidden'].includes(edgeTypes[s.edges[i]])) used.add(s.edges[i + 1]);
  return [...used].map((i) => s.strings[i]).filter((t) => t.includes(RIGHT));
}

before(async () => {
  await runFixture('bundle-secrets.cjs', dir, [LEFT, RIGHT]);
  await runFixture('bundle-secrets.cjs', namesDir, [LEFT, RIGHT, 'names']);
});

describe('leakscan bundle', () => {
  const pair = (from = dir): string[] => [join(from, 'before.heapsnapshot'), join(from, 'after.heapsnapshot')];

  test('the raw snapshots hold the secret in names V8 records (so the test can fail)', () => {
    const names = namesWithSecret(pair()[1]);
    for (const planted of [`acct:${SECRET}`, `re:${SECRET}`, ' part of key (', `src-${SECRET}`]) {
      assert.ok(
        names.some((n) => n.includes(planted)),
        `${planted} among ${names.join(' | ')}`,
      );
    }
    assert.ok(namesWithSecret(pair(namesDir)[1]).includes(SECRET), 'as a property, function and class name');
  });

  test('the secret is in the plain bundle (so the test can fail)', async () => {
    const out = join(dir, 'plain');
    const r = await runCli(['bundle', ...pair(), '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(leaking(out).length > 0);
  });

  test('--redact --tar: no trace of the secret anywhere, same diff, owner-only files', async () => {
    const out = join(dir, 'redacted');
    const r = await runCli(['bundle', ...pair(), '-o', out, '--redact', '--tar']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Bundle written to/);
    const names = filesUnder(out)
      .map((f) => f.slice(out.length + 1))
      .sort();
    assert.deepEqual(names, [
      'README.md',
      'environment.json',
      'report.html',
      'report.json',
      'report.md',
      'snapshots/after.heapsnapshot.gz',
      'snapshots/before.heapsnapshot.gz',
    ]);
    assert.deepEqual(leaking(out), []);
    for (const f of filesUnder(out)) assert.equal(statSync(f).mode & 0o777, 0o600, f);
    assert.equal(statSync(out).mode & 0o777, 0o700);

    // The .tar.gz holds the same files, none with the secret.
    const tarFile = `${out}.tar.gz`;
    assert.equal(statSync(tarFile).mode & 0o777, 0o600);
    assert.ok(!contents(tarFile).some((b) => [SECRET, LEFT, RIGHT].some((s) => b.includes(s))));
    const unpacked = tempDir();
    await tar.x({ file: tarFile, cwd: unpacked });
    assert.deepEqual(leaking(unpacked), []);
    assert.equal(filesUnder(unpacked).length, names.length);

    // The redacted pair diffs like the original: one decision per string in both files.
    const bundled = ['before', 'after'].map((n) => join(out, 'snapshots', `${n}.heapsnapshot.gz`));
    const plain = await diffJson(pair());
    const redacted = await diffJson(bundled);
    assert.deepEqual(shapes(redacted), shapes(plain));
    assert.ok(
      redacted.classes.some((c) => c.name === 'Session' && c.added === 200),
      'class names from source stay',
    );
    assert.equal(redacted.after.nodeCount, plain.after.nodeCount);
    assert.match(
      readFileSync(join(out, 'report.json'), 'utf8'),
      /snapshots\/after\.heapsnapshot\.gz/,
      'input paths become bundle paths',
    );

    // Opens as a heap snapshot (the format DevTools loads); lengths only as buckets.
    const json = JSON.parse(gunzipSync(readFileSync(bundled[1])).toString()) as {
      snapshot: { node_count: number };
      strings: string[];
    };
    assert.equal(json.snapshot.node_count, plain.after.nodeCount);
    assert.ok(json.strings.includes('Session') && json.strings.includes('token'), 'class and property names kept');
    assert.ok(json.strings.includes('system / Context') && json.strings.includes('(GC roots)'), "V8's own names kept");
    assert.ok(json.strings.some((t) => /^<redacted (≤16|17–64) chars #\d+>$/.test(t)));
    assert.ok(!json.strings.some((t) => /<redacted \d+ chars/.test(t)), 'no exact lengths');

    const env = JSON.parse(readFileSync(join(out, 'environment.json'), 'utf8')) as Record<string, unknown>;
    for (const key of ['leakscan', 'node', 'v8', 'os', 'cpu', 'totalMemoryBytes', 'commandLine'])
      assert.ok(key in env, key);
    assert.ok(!readdirSync(dir).some((n) => n.includes('.tmp-')), 'no temp folder left');
  });

  test('--redact keeps identifier names; --redact-names replaces them too, and the pair still diffs alike', async () => {
    const kept = join(namesDir, 'kept');
    assert.equal((await runCli(['bundle', ...pair(namesDir), '-o', kept, '--redact'])).code, 0);
    assert.ok(
      namesWithSecret(join(kept, 'snapshots/after.heapsnapshot.gz')).includes(SECRET),
      'an identifier name is kept (documented)',
    );

    const out = join(namesDir, 'names');
    const r = await runCli(['bundle', ...pair(namesDir), '-o', out, '--redact-names', '--tar']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(leaking(out), []);
    assert.ok(!contents(`${out}.tar.gz`).some((b) => [SECRET, LEFT, RIGHT].some((s) => b.includes(s))));
    const plain = await diffJson(pair(namesDir));
    const redacted = await diffJson(['before', 'after'].map((n) => join(out, 'snapshots', `${n}.heapsnapshot.gz`)));
    assert.deepEqual(shapes(redacted), shapes(plain));
    assert.ok(
      redacted.classes.some((c) => /^name_[0-9a-f]{4,}$/.test(c.name) && c.added === 200),
      'Session as a pseudonym',
    );
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
    const r = await runCli([
      'run',
      'cycle',
      'global-cache',
      '-n',
      '3',
      '--batch',
      '20',
      '--interval',
      '10',
      '--out',
      tempDir(),
      '--bundle',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(report, /!\[[^\]]*\]\(rss\.svg\)/);
    assert.match(report, /global-cache: 60 B objects in cache \(collection\) — leak/);
    const links = [...report.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^https?:/.test(l));
    assert.ok(links.length >= 3);
    for (const link of links) assert.ok(existsSync(join(out, link)), `link ${link} resolves`);
    assert.equal(readdirSync(join(out, 'snapshots')).length, 4);
    // Two scenarios × RSS, heap used, external.
    assertValidSvg(readFileSync(join(out, 'rss.svg'), 'utf8'), 6);
  });
});

describe('leakscan run --bundle --redact with a failing scenario', () => {
  test('the bundle is written without a trace of the secret (reports, error message, snapshots, tar); exit 2', async () => {
    const base = tempDir();
    const out = join(base, 'snapshots');
    const bundle = join(base, 'report');
    const r = await runCli(
      [
        'run',
        fixture('secrets/holds-secret.mjs'),
        fixture('secrets/fails-with-secret.mjs'),
        '-n',
        '2',
        '--batch',
        '1',
        '--interval',
        '10',
        '--out',
        out,
        '--bundle',
        bundle,
        '--redact',
        '--tar',
        '--json',
      ],
      { env: { CI: 'true', LEAKSCAN_TEST_LEFT: LEFT, LEAKSCAN_TEST_RIGHT: RIGHT } },
    );
    // A scenario that throws: exit 2 (README, exit codes); its line on stderr holds the message
    // as it was, and the scenario that passed left snapshots holding the secret: so this test can fail.
    assert.equal(r.code, 2, r.stderr);
    const failure = r.stderr.split('\n').filter((l) => l.startsWith('leakscan: '));
    assert.deepEqual(failure, [`leakscan: fails-with-secret: failed — threw in run: bad token ${SECRET}`]);
    assert.ok(leaking(out).some((f) => f.endsWith('holds-secret.after.heapsnapshot')));
    const report = JSON.parse(r.stdout) as { scenarios: Array<{ name: string; status: string }> };
    assert.deepEqual(
      report.scenarios.map((s) => [s.name, s.status]),
      [
        ['holds-secret', 'leak'],
        ['fails-with-secret', 'failed'],
      ],
    );

    const names = filesUnder(bundle)
      .map((f) => f.slice(bundle.length + 1))
      .sort();
    assert.deepEqual(names, [
      'README.md',
      'environment.json',
      'report.html',
      'report.json',
      'report.md',
      'rss.svg',
      'snapshots/holds-secret.after.heapsnapshot.gz',
      'snapshots/holds-secret.before.heapsnapshot.gz',
    ]);
    assert.deepEqual(leaking(bundle), []);
    const tarFile = `${bundle}.tar.gz`;
    assert.ok(!contents(tarFile).some((b) => [SECRET, LEFT, RIGHT].some((s) => b.includes(s))));
    const unpacked = tempDir();
    await tar.x({ file: tarFile, cwd: unpacked });
    assert.equal(filesUnder(unpacked).length, names.length);
    assert.deepEqual(leaking(unpacked), []);

    // The error message and the warning were copied into the report, filtered.
    const md = readFileSync(join(bundle, 'report.md'), 'utf8');
    assert.match(md, /\*\*fails-with-secret: failed — threw in run: \\<redacted 17–64 chars #\d+\\>\*\*/);
    assert.match(md, /^## holds-secret$/m, "the scenario's name stays, as in the snapshots' file names");
    assert.doesNotMatch(md, /undefined/);
    const json = JSON.parse(readFileSync(join(bundle, 'report.json'), 'utf8')) as {
      scenarios: Array<{ name: string; warnings: string[] }>;
    };
    assert.match(json.scenarios[0].warnings[0], /^Warning: <redacted/);
    // The README's instructions work on the redacted pair.
    const rerun = await runCli([
      'diff',
      join(bundle, 'snapshots/holds-secret.before.heapsnapshot.gz'),
      join(bundle, 'snapshots/holds-secret.after.heapsnapshot.gz'),
    ]);
    assert.equal(rerun.code, 0, rerun.stderr);
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
    for (const title of ['a — RSS', 'b — V8 heap used', 'b — external'])
      assert.ok(svg.includes(`>${title}</text>`), title);
  });

  test('sparkline', () => {
    assert.equal(sparkline([1, 2, 3, 4, 5, 6, 7, 8]), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline([5, 5, 5]), '▁▁▁');
    assert.equal(sparkline([1_810_000, 1_811_000, 1_811_000]), '▁▁▁', 'noise of a few bytes is flat');
    assert.equal(sparkline([]), '');
  });
});

describe('hostile files', () => {
  const pair = (): string[] => [join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot')];

  test('a FIFO as input is refused at once (exit 2), not read forever', async () => {
    const fifo = join(tempDir(), 'pipe.heapsnapshot');
    execFileSync('mkfifo', [fifo]);
    const r = await runCli(['diff', fifo, pair()[1]], { timeoutMs: 20_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^leakscan: .*pipe\.heapsnapshot: not a regular file/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  test('a device and a socket as input are refused at once (exit 2), like a FIFO', async () => {
    const dir = tempDir();
    const socketPath = join(dir, 'live.heapsnapshot');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      for (const [input, args] of [
        ['/dev/zero', ['inspect', '/dev/zero']],
        [socketPath, ['diff', socketPath, pair()[1]]],
      ] as const) {
        const r = await runCli([...args], { timeoutMs: 20_000 });
        assert.equal(r.code, 2, `${input}: ${r.stderr}`);
        assert.match(r.stderr, /^leakscan: .*: not a regular file/, input);
        assert.equal(r.stderr.trim().split('\n').length, 1, input);
      }
    } finally {
      server.close();
    }
  });

  test('run --bundle DIR that cannot be used is refused before any scenario runs', async () => {
    const taken = tempDir();
    writeFileSync(join(taken, 'notes.txt'), 'mine');
    const out = tempDir();
    const r = await runCli(['run', 'global-cache', '--bundle', taken, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /folder exists and is not empty/);
    assert.deepEqual(readdirSync(out), [], 'no scenario ran: nothing in --out');
    assert.deepEqual(readdirSync(taken), ['notes.txt']);
  });

  test('a link planted at DIR or DIR.tar.gz is refused (exit 2, one line), neither followed nor replaced', async () => {
    const base = tempDir();
    const elsewhere = tempDir();
    const out = join(base, 'report');
    symlinkSync(elsewhere, out);
    const r = await runCli(['bundle', ...pair(), '-o', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^leakscan: .*report: exists and is not a folder\n$/);
    assert.deepEqual(readdirSync(elsewhere), [], 'nothing written through the link');
    assert.ok(lstatSync(out).isSymbolicLink());

    const victim = join(elsewhere, 'victim.txt');
    writeFileSync(victim, 'victim');
    const out2 = join(base, 'report2');
    symlinkSync(victim, `${out2}.tar.gz`);
    const r2 = await runCli(['bundle', ...pair(), '-o', out2, '--tar']);
    assert.equal(r2.code, 2, r2.stderr);
    assert.match(r2.stderr, /^leakscan: .*report2\.tar\.gz: exists; choose another name, or --force/);
    assert.equal(readFileSync(victim, 'utf8'), 'victim');
    assert.ok(lstatSync(`${out2}.tar.gz`).isSymbolicLink());
    assert.deepEqual(readdirSync(base).sort(), ['report', 'report2.tar.gz']);
  });

  test('a redacted snapshot is written only as a new file: a link at its name fails the write, its target untouched', async () => {
    const graph = await readSnapshot(pair()[0]);
    const folder = tempDir();
    const victim = join(folder, 'victim.txt');
    writeFileSync(victim, 'victim');
    const output = join(folder, 'before.heapsnapshot.gz');
    symlinkSync(victim, output);
    await assert.rejects(writeSnapshot(graph, output), { code: 'EEXIST' });
    assert.equal(readFileSync(victim, 'utf8'), 'victim');
    const fresh = join(folder, 'fresh.heapsnapshot.gz');
    await writeSnapshot(graph, fresh);
    assert.equal(statSync(fresh).mode & 0o777, 0o600);
  });

  test('an existing DIR.tar.gz is refused before any work, kept, and replaced only with --force; a planted symlink is not followed', async () => {
    const base = tempDir();
    const out = join(base, 'report');
    writeFileSync(`${out}.tar.gz`, 'mine');
    const r = await runCli(['bundle', ...pair(), '-o', out, '--tar']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^leakscan: .*report\.tar\.gz: exists; choose another name, or --force/);
    assert.equal(readFileSync(`${out}.tar.gz`, 'utf8'), 'mine');
    assert.ok(!existsSync(out), 'nothing written');

    // --force replaces the file itself: a symlink there is replaced, its target untouched.
    const victim = join(base, 'victim.txt');
    writeFileSync(victim, 'victim');
    rmSync(`${out}.tar.gz`);
    symlinkSync(victim, `${out}.tar.gz`);
    const forced = await runCli(['bundle', ...pair(), '-o', out, '--tar', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(readFileSync(victim, 'utf8'), 'victim');
    assert.ok(!lstatSync(`${out}.tar.gz`).isSymbolicLink());
    assert.equal(statSync(`${out}.tar.gz`).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(base).sort(), ['report', 'report.tar.gz', 'victim.txt']);
  });
});
