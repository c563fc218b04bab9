// The classic Node leaks and their fixed twins, as users' scenario files
// (CommonJS, ESM and TypeScript), through the CLI and the programmatic API.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { byteFinding } from '../src/analysis/findings.js';
import { growthRate, leastIndependent, SERIES_STEPS, verdictOf } from '../src/analysis/leaks.js';
import { assertNoLeak, runScenario, runScenarios } from '../src/index.js';
import type { ClassDiff, DiffResult, Finding, RunResult, ScenarioResult } from '../src/types.js';
import { fixture, runCli, tempDir } from './helpers.js';

const leaks = [
  {
    file: 'listener-leak.cjs',
    twin: 'listener-fixed.cjs',
    holder: /_events|config-changed/,
    leakClass: 'onConfigChanged',
  },
  {
    file: 'interval-leak.mjs',
    twin: 'interval-fixed.mjs',
    holder: /_idleNext|_idlePrev|Timeout|_onTimeout/,
    leakClass: 'Timeout',
  },
  { file: 'cache-leak.ts', twin: 'cache-fixed.ts', holder: /^cache$/, leakClass: 'CacheEntry' },
  { file: 'callbacks-leak.mjs', twin: 'callbacks-fixed.mjs', holder: /pendingCallbacks/, leakClass: 'onJobDone' },
];
const fast = ['-n', '4', '--batch', '20', '--interval', '10'];

describe('classic leaks through the CLI', () => {
  let result: RunResult;
  let code: number;
  test('all eight run; --fail-on-leak passes because each behaves as it declares', async () => {
    const files = leaks.flatMap((l) => [fixture(`leaks/${l.file}`), fixture(`leaks/${l.twin}`)]);
    const r = await runCli(['run', '--json', '--fail-on-leak', ...fast, '--out', tempDir(), ...files], {
      env: { CI: 'true' },
    });
    code = r.code;
    result = JSON.parse(r.stdout) as RunResult;
    assert.equal(code, 0, `${r.stderr}\n${result.scenarios.map((s) => s.verdict).join('\n')}`);
  });

  for (const l of leaks) {
    test(`${l.file}: caught with its class and a path naming the holder; ${l.twin} passes`, () => {
      const name = l.file.replace(/\.\w+$/, '');
      const leak = result.scenarios.find((s) => s.name === name) as ScenarioResult;
      assert.equal(leak.status, 'leak', leak.verdict);
      const found = leak.leaks.find((c) => c.name === l.leakClass);
      assert.ok(found, `${l.leakClass} among ${leak.leaks.map((c) => c.name).join(', ')}`);
      const path = leak.leaks.find((c) => c.retainerPath?.some((s) => s.edge && l.holder.test(s.edge.name)));
      assert.ok(
        path,
        `a path names the holder: ${JSON.stringify(leak.leaks.map((c) => c.retainerPath?.map((s) => s.edge?.name)))}`,
      );
      const twin = result.scenarios.find((s) => s.name === l.twin.replace(/\.\w+$/, '')) as ScenarioResult;
      assert.equal(twin.status, 'no-leak', `${twin.verdict}: ${twin.leaks.map((c) => c.name).join(', ')}`);
    });
  }

  test('a TypeScript scenario outside any ESM package (no "type": "module") loads', async () => {
    const dir = tempDir();
    const file = join(dir, 'outside.ts');
    copyFileSync(fixture('leaks/cache-leak.ts'), file);
    const r = await runCli(['run', '--json', ...fast, '--out', tempDir(), file], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as RunResult).scenarios[0].status, 'leak');
  });

  test('a leaking scenario declared no-leak fails the gate with exit 1', async () => {
    const r = await runCli([
      'run',
      '--fail-on-leak',
      ...fast,
      '--out',
      tempDir(),
      fixture('leaks/no-leak-claimed.mjs'),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /leak .*\(expected no leak\)/);
  });

  test('a scenario that throws, or hangs, is reported; the others still run', async () => {
    const r = await runCli([
      'run',
      '--json',
      ...fast,
      // Long enough that the well-behaved scenario never hits it on a loaded machine.
      '--timeout',
      '8',
      '--out',
      tempDir(),
      fixture('leaks/throws.mjs'),
      fixture('leaks/hangs.mjs'),
      'cycle',
    ]);
    assert.equal(r.code, 2);
    const out = JSON.parse(r.stdout) as RunResult;
    assert.deepEqual(
      out.scenarios.map((s) => s.status),
      ['failed', 'failed', 'no-leak'],
      r.stderr,
    );
    assert.match(out.scenarios[0].error ?? '', /database unavailable/);
    assert.match(out.scenarios[1].error ?? '', /timed out after 8 ?s/);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

describe('programmatic API', () => {
  // The CLI test above runs all eight through the same runScenarios: here one leak and its twin show the
  // API's result and failures, not the verdicts again.
  test('runScenarios: a classic leak and its fixed twin behave as they declare', async () => {
    const files = [fixture(`leaks/${leaks[0].file}`), fixture(`leaks/${leaks[0].twin}`)];
    const { result, failures } = await runScenarios(files, {
      iterations: 4,
      batch: 20,
      intervalMs: 10,
      outDir: tempDir(),
    });
    assert.deepEqual(failures, []);
    assert.equal(result.scenarios.length, files.length);
    for (const s of result.scenarios) assert.equal(s.asExpected, true, s.verdict);
    assert.deepEqual(
      result.scenarios.map((s) => s.status),
      ['leak', 'no-leak'],
    );
  });

  test('runScenario returns the same result shape', async () => {
    const s = await runScenario(fixture('leaks/cache-leak.ts'), {
      iterations: 4,
      batch: 10,
      intervalMs: 10,
      outDir: tempDir(),
    });
    assert.equal(s.status, 'leak');
    assert.equal(s.leaks[0].name, 'CacheEntry');
    assert.equal(s.leaks[0].added, 4 * 10 * 2, 'both passes, keys never repeat');
  });

  test('assertNoLeak passes for code that cleans up', async () => {
    const bus = new EventEmitter();
    await assertNoLeak(
      () => {
        const handler = (): void => {};
        bus.on('tick', handler);
        bus.off('tick', handler);
      },
      { iterations: 6 },
    );
  });

  test('assertNoLeak throws an AssertionError naming the class and its path', async () => {
    class Subscriber {
      constructor(readonly id: number) {}
    }
    const subscribers: Subscriber[] = [];
    await assert.rejects(
      assertNoLeak(
        (i) => {
          subscribers.push(new Subscriber(i));
        },
        { iterations: 6 },
      ),
      (err: Error) => {
        assert.equal(err.name, 'AssertionError');
        assert.match(err.message, /Subscriber \(object\): \d+ new objects/);
        assert.match(err.message, /retained via: .*Subscriber @\d+/);
        // The test's own array, reached through leakscan's frames that hold the callback: shown from above the array.
        assert.match(err.message, /retained via: .*subscribers Array @\d+/);
        assert.doesNotMatch(err.message, /dist[\\/]src[\\/]assert\.js/, "no step in leakscan's own code");
        return true;
      },
    );
    assert.ok(subscribers.length > 0);
  });
});

describe('slow and byte-sized leaks through the CLI', () => {
  // Iterations enough for a leak of one object every third call to rise at every growth snapshot.
  const ITERATIONS = 30;
  const BATCH = 20;
  let result: RunResult;
  const scenario = (name: string): ScenarioResult => result.scenarios.find((s) => s.name === name) as ScenarioResult;
  const growthOf = (s: ScenarioResult, holder: string) => (s.growth ?? []).find((g) => g.holder === holder);

  test('seven scenarios run', async () => {
    const files = [
      'slow-listener-leak.cjs',
      'capped-cache-fixed.mjs',
      'samples-growth.mjs',
      'log-growth.mjs',
      'pool-growth.cjs',
      'latencies-growth.mjs',
      'latencies-fixed.mjs',
    ].map((f) => fixture(`leaks/${f}`));
    const args = [
      'run',
      '--json',
      '-n',
      String(ITERATIONS),
      '--batch',
      String(BATCH),
      '--interval',
      '10',
      '--out',
      tempDir(),
      ...files,
    ];
    const r = await runCli(args, { env: { CI: 'true' } });
    result = JSON.parse(r.stdout) as RunResult;
    assert.equal(r.code, 0, r.stderr);
  });

  test('a listener added every third call is caught, with every one of them counted', () => {
    const s = scenario('slow-listener-leak');
    assert.equal(s.status, 'leak', s.verdict);
    const found = s.leaks.find((c) => c.name === 'onReconnect');
    assert.ok(found, `onReconnect among ${s.leaks.map((c) => c.name).join(', ')}`);
    const perPass = Math.ceil(ITERATIONS / 3); // iterations 0, 3, 6, … of each pass
    assert.equal(found.added, 2 * perPass);
    assert.match(
      s.verdict,
      new RegExp(
        `^slow-listener-leak: ${2 * perPass} Session objects in connection\\._events\\.reconnect \\(listener\\) — leak$`,
      ),
    );
  });

  test('a cache that fills to its cap in the first calls and then stops stays quiet', () => {
    const s = scenario('capped-cache-fixed');
    assert.equal(
      s.status,
      'no-leak',
      `${s.verdict}: ${s.leaks.map((c) => c.name).join(', ')} ${JSON.stringify(s.growth)}`,
    );
    assert.deepEqual(s.growth, []);
  });

  test('an array of numbers growing per call is caught as byte growth of `samples`', () => {
    const s = scenario('samples-growth');
    assert.equal(s.status, 'leak', s.verdict);
    const g = growthOf(s, 'samples');
    assert.ok(g, JSON.stringify(s.growth));
    assert.equal(g.name, 'Array');
    // 8 bytes per number; the backing store grows by half its length at a time, so the rate is lumpy.
    assert.ok(g.bytesPerCall >= 4 * BATCH && g.bytesPerCall <= 24 * BATCH, `${g.bytesPerCall} B per call`);
    assert.equal(g.retainedSizes.length, 3, 'after and two growth snapshots');
    assert.equal(g.retainerPath?.at(-1)?.edge?.name, 'samples');
    assert.match(s.verdict, /^samples-growth: samples grows .+ per call \(bytes\) — leak$/);
  });

  test('a string builder growing per call is caught as byte growth of `log`', () => {
    const s = scenario('log-growth');
    assert.equal(s.status, 'leak', s.verdict);
    const g = growthOf(s, 'log');
    assert.ok(g, JSON.stringify(s.growth));
    assert.equal(g.name, '(string)');
    assert.ok(g.bytesPerCall >= BATCH, `${g.bytesPerCall} B per call, ${BATCH} characters appended`);
    assert.equal(g.retainedSizes.length, 3, 'after and two growth snapshots');
    for (let i = 1; i < g.retainedSizes.length; i++)
      assert.ok(g.retainedSizes[i] > g.retainedSizes[i - 1], g.retainedSizes.join(' → '));
  });

  test("one number a call in an array of the user's object is caught, under 64 B per call; a ring of them is not", () => {
    const s = scenario('latencies-growth');
    assert.equal(s.status, 'leak', s.verdict);
    assert.match(s.verdict, /^latencies-growth: latencies(\S*) grows .+ per call \(bytes\) — leak$/);
    const fixed = scenario('latencies-fixed');
    assert.equal(fixed.status, 'no-leak', fixed.verdict);
    assert.deepEqual(fixed.growth, []);
  });

  test('a Buffer pool growing per call is caught with its bytes outside the JS heap', () => {
    const s = scenario('pool-growth');
    assert.equal(s.status, 'leak', s.verdict);
    // Held by the variable `pool`: once (under a load average of ~10) the shortest path reached the
    // Buffer through one more unnamed step below it, which the label writes `pool[…]`.
    const g = (s.growth ?? []).find((x) => x.holder === 'pool' || x.holder === 'pool[…]');
    assert.ok(g, JSON.stringify(s.growth));
    assert.equal(g.name, 'Buffer');
    const slab = BATCH * 256;
    assert.ok(
      g.bytesPerCall >= slab && g.bytesPerCall < slab + 256,
      `${g.bytesPerCall} B per call, slabs of ${slab} B`,
    );
    assert.ok(g.retainedSizes[0] >= 2 * ITERATIONS * slab, `${g.retainedSizes[0]} B at after`);
  });
});

describe('the trend rule on counts (growthRate)', () => {
  const calls = { calls: 30, stepCalls: 15 };
  for (const [what, series, leaks] of [
    ['one object every third call, both passes kept', [20, 25, 30], true],
    ['one object every third call, cleared at each pass', [10, 15, 20], true],
    ['one hundred per call', [3000, 4500, 6000], true],
    ['allocated once (a lazy singleton)', [1, 1, 1], false],
    ['a cache full before after', [50, 50, 50], false],
    ['one object per snapshot, not per call', [1, 2, 3], false],
    ['a few objects on top of many (noise)', [500, 501, 502], false],
    ['nothing at after', [0, 5, 10], false],
    ['rises once', [20, 20, 25], false],
    ['a cache that filled, then a stray object per step', [3000, 4500, 4501], false],
  ] as const) {
    test(`${what}: ${leaks ? 'leaks' : 'quiet'}`, () => assert.equal(growthRate(series, calls) !== null, leaks));
  }
  // A series S1 … S5 (diff S1 … SN, test-server): counts at S2 … S5, one unit per step.
  for (const [what, series, leaks] of [
    ['a per-request leak', [80, 160, 240, 320], true],
    ['a cache that fills in two rounds and stops', [80, 120, 120, 120], false],
    ['a cache that fills, then one stray object per round', [100, 200, 201, 202], false],
    ['a warm-up table', [200, 200, 200, 200], false],
    ['a pool that grows once', [8, 8, 8, 8], false],
    ['uneven rounds of one leak', [70, 160, 230, 320], true],
  ] as const) {
    test(`series, ${what}: ${leaks ? 'leaks' : 'quiet'}`, () =>
      assert.equal(growthRate(series, SERIES_STEPS) !== null, leaks));
  }
  test('a full cache replacing its entries from before S1 gains new objects, not objects: quiet', () => {
    // New since S1 at S2, S3: 80, 160; all of the class's objects: 120 at both.
    assert.equal(growthRate([80, 160], SERIES_STEPS, [120, 120]), null);
    assert.equal(growthRate([80, 160], SERIES_STEPS, [200, 280]), 80);
  });
  test('the independence floor scales with the rate, capped at one per call', () => {
    assert.equal(leastIndependent(1 / 3, 30, 1), 5);
    assert.equal(leastIndependent(100, 30, 1), 30);
    assert.equal(leastIndependent(0.01, 30, 1), 1);
  });
});

describe('verdictOf', () => {
  const entry = (name: string, type: string, added: number, retainedSize: number): ClassDiff => ({
    name,
    type,
    added,
    removed: 0,
    addedSize: 0,
    removedSize: 0,
    retainedSize,
    heldByNew: 0,
    heldByStack: 0,
    heldWeakly: 0,
    suspect: true,
    sampleNodeId: null,
    retainerPath: null,
    holders: null,
  });
  const diffOf = (classes: ClassDiff[], findings: Finding[] = []) => ({ classes, findings }) as DiffResult;
  const scenario = { name: 's', expect: 'leak' as const, trackClass: null, iterations: 10, batch: 1 };
  test('names the first finding: what leaks, its holder and the pattern', () => {
    const leaks = [entry('(string)', 'string', 40, 5000), entry('Session', 'object', 20, 3000)];
    const finding: Finding = {
      pattern: 'collection',
      leaked: { name: 'Session', type: 'object', count: 20, retainedSize: 3000, location: null },
      holder: { name: 'sessions', nodeId: 7, location: null },
      site: null,
      retainerPath: [],
      summary: '',
      fix: '',
    };
    assert.equal(
      verdictOf(scenario, diffOf(leaks, [finding])).verdict,
      's: 20 Session objects in sessions (collection) — leak',
    );
  });
  test('suspect classes without a finding (the runtime’s own) are no leak', () => {
    const v = verdictOf(
      { ...scenario, expect: 'no-leak' },
      diffOf([entry('PerformanceResourceTiming', 'object', 20, 900)]),
    );
    assert.equal(v.status, 'no-leak');
  });
  test('counts a tracked closure class (not only objects) when nothing leaks', () => {
    const classes = [entry('onReconnect', 'closure', 7, 700)];
    const v = verdictOf({ ...scenario, expect: 'no-leak', trackClass: 'onReconnect' }, diffOf(classes));
    assert.match(v.verdict, /^s: 7 of 20 onReconnect retained — collected$/);
  });
  test('byte growth alone makes a leak, named by its holder', () => {
    const growth = [
      {
        holder: 'samples',
        name: 'Array',
        type: 'object',
        nodeId: 1,
        retainedSizes: [100, 900, 1700],
        bytesPerCall: 80,
        retainerPath: null,
      },
    ];
    const v = verdictOf(
      scenario,
      diffOf(
        [],
        growth.map((g) => byteFinding(g)),
      ),
    );
    assert.equal(v.status, 'leak');
    assert.equal(v.verdict, 's: samples grows 80 B per call (bytes) — leak');
  });
});

test('assertNoLeak throws on a string that grows with every call, naming the variable', async () => {
  let log = '';
  await assert.rejects(
    assertNoLeak(
      (i) => {
        log += `${i}:${'x'.repeat(500)}\n`;
      },
      { iterations: 6 },
    ),
    (err: Error) => {
      assert.match(err.message, /log \(\(string\)\): grows \d+ B per call/);
      return true;
    },
  );
  assert.ok(log.length > 0);
});
