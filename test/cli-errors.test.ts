// Every bad input a user can give: exit 2, one line on stderr naming the file,
// nothing on stdout, no stack trace, no file left behind.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { META } from './graph-builder.js';
import { runCli, runFixture, tempDir } from './helpers.js';

const dir = tempDir();
const good = join(dir, 'good');

/** A valid two-node snapshot to corrupt in controlled ways. */
function tinySnapshot(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    snapshot: {
      meta: META,
      node_count: 2,
      edge_count: 1,
      trace_function_count: 0,
    },
    nodes: [9, 0, 1, 0, 1, 0, 0, 3, 1, 3, 16, 0, 0, 0],
    edges: [2, 2, 7],
    trace_function_infos: [],
    trace_tree: [],
    samples: [],
    locations: [],
    strings: ['(root)', 'Foo', 'foo'],
    ...overrides,
  };
}

const cases: Array<{ name: string; file: string; make?: () => void; message: RegExp }> = [];
function badFile(name: string, contents: string | Buffer | null, message: RegExp): void {
  const file = join(dir, name);
  cases.push({ name, file, message, make: contents === null ? undefined : () => writeFileSync(file, contents) });
}

before(async () => {
  mkdirSync(good);
  await runFixture('pair-leak.cjs', good, ['20']);
  const real = readFileSync(join(good, 'before.heapsnapshot'));
  badFile('missing.heapsnapshot', null, /no such file/);
  badFile('empty.heapsnapshot', '', /empty/);
  badFile('truncated.heapsnapshot', real.subarray(0, Math.floor(real.length / 2)), /truncated/);
  badFile('cut-in-strings.heapsnapshot', real.subarray(0, real.length - 50), /truncated/);
  badFile('garbage.heapsnapshot', Buffer.from('\u0000\u0001PK this is not json at all'), /not (JSON|a heap snapshot)/i);
  badFile('text.heapsnapshot', 'hello world\n', /not (JSON|a heap snapshot)/i);
  badFile('other.json', JSON.stringify({ name: 'package', version: '1.0.0' }), /not a heap snapshot/);
  const t1 = tinySnapshot();
  (t1.snapshot as Record<string, unknown>).node_count = 3;
  badFile('count.heapsnapshot', JSON.stringify(t1), /node|count/i);
  badFile('edge-count.heapsnapshot', JSON.stringify(tinySnapshot({ edges: [2, 2, 7, 2, 2, 7] })), /edge|count/i);
  badFile('edge-range.heapsnapshot', JSON.stringify(tinySnapshot({ edges: [2, 2, 700] })), /edge|node/i);
  badFile('string-range.heapsnapshot', JSON.stringify(tinySnapshot({ strings: ['(root)'] })), /string/i);
  const gz = gzipSync(real);
  const corrupt = Buffer.from(gz);
  for (let i = 200; i < 400; i++) corrupt[i] ^= 0x5a;
  badFile('corrupt.heapsnapshot.gz', corrupt, /gzip|corrupt|truncated/i);
  badFile('cut.heapsnapshot.gz', gz.subarray(0, Math.floor(gz.length / 2)), /gzip|truncated/i);
  for (const c of cases) c.make?.();
});

function assertCleanFailure(r: { code: number; stdout: string; stderr: string }, file: string, message: RegExp): void {
  assert.equal(r.code, 2, `exit code for ${file}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], /^leakscan: /);
  assert.ok(lines[0].includes(file), `names the file: ${lines[0]}`);
  assert.match(lines[0], message);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

describe('bad snapshot files', () => {
  test('inspect: each bad input fails cleanly', async () => {
    const listing = readdirSync(dir).sort();
    for (const c of cases) {
      assertCleanFailure(await runCli(['inspect', c.file]), c.file, c.message);
    }
    assert.deepEqual(readdirSync(dir).sort(), listing, 'no file left behind');
  });

  test('diff: as before or as after', async () => {
    const okFile = join(good, 'after.heapsnapshot');
    for (const c of cases) {
      assertCleanFailure(await runCli(['diff', c.file, okFile]), c.file, c.message);
      assertCleanFailure(await runCli(['diff', '--json', okFile, c.file]), c.file, c.message);
    }
  });

  test('diff of big files (read in parallel, the dominator thread started first) fails as cleanly, and ends', async () => {
    // The sizes at which diff reads both files at once and starts the dominator thread before the reads, at 0.
    const env = { ...process.env, LEAKSCAN_PARALLEL_MIN_BYTES: '0', LEAKSCAN_THREAD_MIN_NODES: '0' };
    const okFile = join(good, 'after.heapsnapshot');
    for (const c of cases.filter((c) => /truncated|garbage|string-range|edge-range/.test(c.name))) {
      assertCleanFailure(await runCli(['diff', c.file, okFile], { env }), c.file, c.message);
      assertCleanFailure(await runCli(['diff', '--json', okFile, c.file], { env }), c.file, c.message);
    }
    const ok = await runCli(['diff', '--json', join(good, 'before.heapsnapshot'), okFile], { env });
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('a directory', async () => {
    const r = await runCli(['inspect', good]);
    assertCleanFailure(r, good, /directory/);
  });

  test('--verbose adds the stack trace', async () => {
    const r = await runCli(['inspect', '--verbose', join(dir, 'text.heapsnapshot')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\n\s+at /);
  });
});

describe('usage errors', () => {
  test('unknown command, unknown option, bad number, missing argument', async () => {
    for (const args of [
      ['frobnicate'],
      ['diff', '--nope', 'a', 'b'],
      ['diff', 'a'],
      ['inspect', 'x', '--top', 'many'],
      ['run', '--iterations', '0'],
      ['run', '--jobs', '0'],
      [],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^leakscan: /);
    }
  });

  test('a value not among the choices: one line naming the option and the choices', async () => {
    const r = await runCli(['diff', 'a', 'b', '--engine', 'foo']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      'leakscan: not a choice: --engine "foo": choose one of "leakscan", "memlab" (see leakscan --help)\n',
    );
  });

  test('a bad duration is named by the option that has it', async () => {
    for (const option of ['--interval', '--open-timeout']) {
      const r = await runCli(['capture', '--pid', '1', option, '5x']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(
        r.stderr,
        `leakscan: ${option} 5x: expected a duration like 30s, 500ms or 2m (see leakscan --help)\n`,
      );
    }
  });

  test('--json and --markdown exclude each other, in every command that has both', async () => {
    for (const args of [
      ['diff', '--json', '--markdown', 'a', 'b'],
      ['inspect', '--markdown', 'x', '--json'],
      ['run', '--json', '--markdown'],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, 'leakscan: --json and --markdown cannot be used together (see leakscan --help)\n');
    }
  });

  test('--help shows commands, examples and exit codes', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const word of ['run', 'diff', 'inspect', 'bundle', 'Exit codes']) assert.match(r.stdout, new RegExp(word));
    const sub = await runCli(['diff', '--help']);
    assert.match(sub.stdout, /Examples:/);
    assert.match(sub.stdout, /--min-count/);
  });
});

describe('hostile names in a snapshot', () => {
  test('terminal control characters in class names and strings are shown escaped by every reporter, never sent raw', async () => {
    const pair = tempDir();
    await runFixture('pair-escapes.cjs', pair);
    const files = [join(pair, 'before.heapsnapshot'), join(pair, 'after.heapsnapshot')];
    // The raw name is in the file (so the test can fail).
    assert.match(readFileSync(files[1], 'utf8'), /Evil\\u001b\]0;pwned\\u0007/i);
    for (const args of [
      ['diff', ...files],
      ['diff', '--markdown', ...files],
      ['inspect', files[1], '--top', '40'],
      ['inspect', '--markdown', files[1], '--top', '40'],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      const parts = ['Evil\\x1b', '0;pwned\\x07\\x1b', '2J\\u202eCls'];
      if (args[0] === 'inspect') parts.push('Dup\\x9b2J\\u202e-padding');
      // Markdown escapes the backslash of an escape outside code spans: `Evil\\x1b` reads Evil\x1b.
      const unescaped = r.stdout.replace(/\\([\\[\]_*`])/g, '$1');
      for (const part of parts)
        assert.ok(r.stdout.includes(part) || unescaped.includes(part), `${args.join(' ')}: shown escaped (${part})`);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(r.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/, args.join(' '));
    }
  });
});
