// Expected growth: ignore rules (ignore.ts) on paths built in code, then
// through the built binary on a capped buffer next to a real leak, with the
// rules in --ignore, in leakscan.config.json and in package.json; and in
// assertNoLeak, in this process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parseIgnoreRules, ruleMatchesPath } from '../src/analysis/ignore.js';
import { assertNoLeak } from '../src/index.js';
import type { DiffResult, RetainerPath, RunResult } from '../src/types.js';
import { runCli, tempDir } from './helpers.js';

const step = (name: string, edge: [string, string] | null): RetainerPath[number] => ({
  nodeId: 1,
  name,
  type: 'object',
  edge: edge ? { type: edge[0], name: edge[1] } : null,
});

describe('ignore rules', () => {
  test('a bare word is a class, a dotted or bracketed one a holder path; prefixes say which', () => {
    const rules = parseIgnoreRules([
      'Timing*',
      'performance.resourceTimingBuffer',
      'cache[…]',
      'holder:cache',
      'class:a.b',
    ]);
    assert.deepEqual(
      rules.map((r) => [r.kind, r.segments]),
      [
        ['class', []],
        ['holder', ['performance', 'resourceTimingBuffer']],
        ['holder', ['cache']],
        ['holder', ['cache']],
        ['class', []],
      ],
    );
    assert.equal(ruleMatchesPath(rules[0], 'TimingEntry', null), true);
    assert.equal(ruleMatchesPath(rules[0], 'Entry', null), false);
    assert.equal(ruleMatchesPath(rules[4], 'a.b', null), true);
    assert.equal(ruleMatchesPath(rules[4], 'aXb', null), false, 'a dot in a class rule is a dot');
    assert.throws(() => parseIgnoreRules(['']), /--ignore/);
    assert.throws(() => parseIgnoreRules(['holder:']), /nothing after/);
  });

  test("a holder path matches the path's named steps in a row, whatever unnamed steps lie between", () => {
    const path: RetainerPath = [
      step('(GC roots)', null),
      step('global', ['element', '3']),
      step('Performance', ['property', 'performance']),
      step('(internal)', ['internal', 'table']),
      step('Array', ['property', 'resourceTimingBuffer']),
      step('Entry', ['element', '12']),
    ];
    const [rule, reversed, apart] = parseIgnoreRules([
      'performance.resourceTimingBuffer',
      'resourceTimingBuffer.performance',
      'global.resourceTimingBuffer',
    ]);
    assert.equal(ruleMatchesPath(rule, 'Entry', path), true);
    assert.equal(ruleMatchesPath(reversed, 'Entry', path), false);
    assert.equal(ruleMatchesPath(apart, 'Entry', path), false, 'names must be next to each other');
    // A repeated name: a.a.b found in a.a.a.b (the match restarts inside the run).
    const names = ['a', 'a', 'a', 'b'].map((n) => step('Object', ['property', n]));
    assert.equal(ruleMatchesPath(parseIgnoreRules(['a.a.b'])[0], 'Object', [step('root', null), ...names]), true);
  });
});

// A capped buffer (expected: it stops at 250) next to a real leak (sessions that are never removed).
const PROGRAM = `
  const v8 = require('node:v8');
  const dir = process.argv[2];
  class TimingEntry { constructor(i) { this.name = 'request-' + i; this.startTime = i; } }
  class Session { constructor(i) { this.user = 'user-' + i; } }
  const client = { timings: { buffer: [] } };
  const sessions = [];
  globalThis.app = { client, sessions };
  function request(i) {
    client.timings.buffer.push(new TimingEntry(i));
    if (client.timings.buffer.length > 250) client.timings.buffer.shift();
    sessions.push(new Session(i));
  }
  globalThis.gc();
  v8.writeHeapSnapshot(dir + '/before.heapsnapshot');
  for (let i = 0; i < 400; i++) request(i);
  globalThis.gc();
  v8.writeHeapSnapshot(dir + '/after.heapsnapshot');`;

describe('leakscan diff with ignore rules', () => {
  const dir = tempDir();
  const before_ = join(dir, 'before.heapsnapshot');
  const after = join(dir, 'after.heapsnapshot');

  before(async () => {
    const script = join(dir, 'program.cjs');
    writeFileSync(script, PROGRAM);
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['--expose-gc', script, dir], { timeout: 120_000 }, (err, _o, stderr) =>
        err ? reject(new Error(stderr || err.message)) : resolve(),
      ),
    );
  });

  const diffJson = async (args: string[], cwd?: string): Promise<DiffResult> => {
    const r = await runCli(['diff', '--json', before_, after, ...args], { cwd });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as DiffResult;
  };
  const suspects = (d: DiffResult): string[] => d.classes.filter((c) => c.suspect).map((c) => c.name);

  test('without a rule the buffer is a suspect; a rule in leakscan.config.json marks it ignored, counted', async () => {
    const bare = tempDir();
    const plain = await diffJson([], bare);
    assert.ok(suspects(plain).includes('TimingEntry'), JSON.stringify(suspects(plain)));
    assert.ok(suspects(plain).includes('Session'));
    assert.equal(plain.ignored, undefined);

    const project = tempDir();
    writeFileSync(join(project, 'leakscan.config.json'), JSON.stringify({ ignore: ['timings.buffer'] }));
    // Found from a folder below it, too.
    const below = join(project, 'src');
    mkdirSync(below);
    const ruled = await diffJson([], below);
    assert.deepEqual(suspects(ruled), ['Session'], 'the real leak is still found');
    const timing = ruled.classes.find((c) => c.name === 'TimingEntry');
    assert.equal(timing?.ignored, true);
    assert.equal(timing?.ignoreRule, 'timings.buffer');
    assert.equal(timing?.added, 250, 'the ignored objects are kept in their row');
    assert.equal(ruled.ignored?.length, 1);
    const [entry] = ruled.ignored!;
    assert.equal(entry.rule, 'timings.buffer');
    // The entries and the strings they alone hold.
    assert.ok(entry.count >= 250, `${entry.count}`);
    assert.ok(entry.retainedSize >= timing!.retainedSize);
    const text = await runCli(['diff', before_, after], { cwd: below });
    assert.match(text.stdout, /^ignored: [\d,]+ objects, .* retained \(rule timings\.buffer\)$/m);
    assert.match(text.stdout, /TimingEntry .* ignored/);
    assert.match(text.stdout, /1 suspected leak: Session/);
  });

  test('--ignore with a class glob; package.json "leakscan" settings; the command line wins', async () => {
    const byClass = await diffJson(['--ignore', 'Timing*'], tempDir());
    assert.deepEqual(suspects(byClass), ['Session']);
    assert.equal(byClass.ignored?.[0].rule, 'Timing*');

    const project = tempDir();
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'app', leakscan: { ignore: ['class:TimingEntry'], minCount: 500 } }),
    );
    const fromPackage = await diffJson([], project);
    assert.equal(fromPackage.thresholds.minCount, 500);
    assert.deepEqual(suspects(fromPackage), [], 'Session has 400 new objects, under 500');
    const overridden = await diffJson(['--min-count', '50', '--ignore', 'Session'], project);
    assert.equal(overridden.thresholds.minCount, 50);
    assert.deepEqual(suspects(overridden), ['TimingEntry'], "--ignore replaces the file's list");
  });

  test('a config file with invalid content: one line naming it, exit 2', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{ "ignore": [', /leakscan\.config\.json: not valid JSON/],
      ['{ "ignore": 3 }', /leakscan\.config\.json: "ignore" must be a list of rules/],
      ['{ "minCont": 3 }', /leakscan\.config\.json: unknown setting "minCont"/],
      ['{ "minCount": -1 }', /leakscan\.config\.json: "minCount" must be a whole number/],
      ['[1, 2]', /leakscan\.config\.json: must be a JSON object/],
    ];
    for (const [content, message] of cases) {
      const project = tempDir();
      writeFileSync(join(project, 'leakscan.config.json'), content);
      const r = await runCli(['diff', before_, after], { cwd: project });
      assert.equal(r.code, 2, `${content}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^leakscan: /);
      assert.match(lines[0], message);
      assert.doesNotMatch(lines[0], /--help/, 'a problem of the file, not of the command line');
    }
    const missing = await runCli(['diff', '--config', join(dir, 'nope.json'), before_, after]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.json: no such file/);
  });
});

describe('leakscan run with the config file', () => {
  test('a warm-up buffer is a leak until the config ignores it; "out" is read from the file\'s folder', async () => {
    const project = tempDir();
    const scenario = join(project, 'warm-buffer.mjs');
    writeFileSync(
      scenario,
      `class Sample { constructor(i) { this.at = i; this.label = 'sample-' + i; } }
      const warmBuffer = [];
      export default {
        name: 'warm-buffer',
        description: 'keeps the last 5000 samples: fills for 100 calls, then stays',
        expect: 'no-leak',
        run({ iteration }) {
          for (let k = 0; k < 50; k++) warmBuffer.push(new Sample(iteration * 50 + k));
          if (warmBuffer.length > 5000) warmBuffer.splice(0, warmBuffer.length - 5000);
        },
      };`,
    );
    const run = (cwd: string) => runCli(['run', '--json', '--iterations', '8', scenario], { cwd, timeoutMs: 300_000 });
    const bare = await run(tempDir());
    const flagged = JSON.parse(bare.stdout) as RunResult;
    assert.equal(flagged.scenarios[0].status, 'leak', bare.stderr);

    writeFileSync(
      join(project, 'leakscan.config.json'),
      JSON.stringify({ ignore: ['holder:warmBuffer'], out: 'snaps' }),
    );
    const below = join(project, 'sub');
    mkdirSync(below);
    const r = await run(below);
    const result = JSON.parse(r.stdout) as RunResult;
    const [s] = result.scenarios;
    assert.equal(s.status, 'no-leak', s.verdict);
    assert.equal(s.diff?.ignored?.[0].rule, 'holder:warmBuffer');
    assert.ok((s.diff?.ignored?.[0].count ?? 0) > 0);
    assert.ok(s.diff?.classes.some((c) => c.name === 'Sample' && c.ignored));
    assert.ok(s.snapshots.after.startsWith(join(project, 'snaps')), s.snapshots.after);
  });
});

describe('assertNoLeak({ ignore })', () => {
  // A warm-up cache: it fills for its first 5,000 entries, longer than the assertion's calls.
  const warmCache = { entries: [] as object[] };
  class WarmEntry {
    constructor(readonly key: string) {}
  }
  const fill = (i: number): void => {
    for (let k = 0; k < 50; k++) warmCache.entries.push(new WarmEntry(`k${i}-${k}`));
    if (warmCache.entries.length > 5000) warmCache.entries.splice(0, 50);
  };

  test('the filling cache fails the assertion; ignored, it passes', async () => {
    await assert.rejects(assertNoLeak(fill, { iterations: 6 }), /WarmEntry/);
    warmCache.entries.length = 0;
    await assertNoLeak(fill, { iterations: 6, ignore: ['warmCache.entries'] });
    warmCache.entries.length = 0;
    await assertNoLeak(fill, { iterations: 6, ignore: ['WarmEntry'] });
  });

  test('a rule that ignores one thing does not hide another leak, and the message says what was ignored', async () => {
    const kept: object[] = [];
    class Leaked {
      constructor(readonly i: number) {}
    }
    await assert.rejects(
      assertNoLeak(
        (i) => {
          fill(i);
          kept.push(new Leaked(i));
        },
        { iterations: 6, ignore: ['warmCache.entries'] },
      ),
      (err: Error) => {
        assert.match(err.message, /Leaked \(object\)/);
        assert.doesNotMatch(err.message, /WarmEntry \(object\)/);
        assert.match(err.message, /^ignored: [\d,]+ objects, .* \(rule warmCache\.entries\)$/m);
        return true;
      },
    );
    await assert.rejects(assertNoLeak(fill, { ignore: [''] }), /--ignore/);
  });
});
