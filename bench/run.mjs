#!/usr/bin/env node
// npm run bench: times leakscan against memlab on real snapshot pairs made by
// the shared generator, and writes BENCHMARKS.md. Runs alternate between the
// tools so that machine noise hits them alike; medians are reported.
//
//   node bench/run.mjs [--scales 200000,1000000] [--runs 3] [--skip-big] [--out BENCHMARKS.md]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    scales: { type: 'string', default: '200000,1000000' },
    runs: { type: 'string', default: '3' },
    'skip-big': { type: 'boolean', default: false },
    'big-items': { type: 'string', default: '2500000' },
    out: { type: 'string', default: join(root, 'BENCHMARKS.md') },
  },
});
const scales = values.scales.split(',').map(Number);
const runs = Number(values.runs);
const generator = resolve(root, '..', 'shared', 'bench', 'make-snapshot-pair.cjs');
const outDir = join(root, 'bench', 'out');
const cli = join(root, 'dist', 'src', 'cli.js');
const memlab = join(root, 'node_modules', '.bin', 'memlab');
const floorScript = join(root, 'bench', 'floor.mjs');
const log = (text) => process.stderr.write(`${text}\n`);

if (!existsSync(generator)) {
  log(`bench: the snapshot generator is missing: ${generator} (it lives in shared/, beside the repository)`);
  process.exit(2);
}

/** Makes OUT/ITEMS/{before,after}.heapsnapshot once; a .done marker says the pair is complete. */
function pair(items) {
  const dir = join(outDir, String(items));
  if (!existsSync(join(dir, '.done'))) {
    log(`making the ${items}-item pair…`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync(process.execPath, ['--expose-gc', generator, dir, String(items)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    writeFileSync(join(dir, '.done'), '');
  }
  return { before: join(dir, 'before.heapsnapshot'), after: join(dir, 'after.heapsnapshot') };
}

/** Wall seconds and peak RSS (bytes) of one command, from GNU time. */
function measure(command, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  const [wall, kb] = last.split(' ').map(Number);
  if (r.status !== 0 || !Number.isFinite(wall)) {
    const reason =
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => !/^\d/.test(l))
        .at(-1) ?? `exit ${r.status}`;
    return { failed: reason };
  }
  return { wall, rss: kb * 1024 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function tools(p, workDir) {
  return [
    { name: 'leakscan diff --json', command: process.execPath, args: [cli, 'diff', '--json', p.before, p.after] },
    {
      name: 'leakscan diff --engine memlab --json',
      command: process.execPath,
      args: [cli, 'diff', '--engine', 'memlab', '--json', p.before, p.after],
    },
    {
      name: 'memlab find-leaks',
      command: memlab,
      args: ['find-leaks', '--baseline', p.before, '--target', p.after, '--final', p.after, '--work-dir', workDir],
    },
    { name: 'byte-loop floor', command: process.execPath, args: [floorScript, p.before, p.after] },
  ];
}

function benchScale(items) {
  const p = pair(items);
  const workDir = join(outDir, 'memlab-work');
  mkdirSync(workDir, { recursive: true });
  const list = tools(p, workDir);
  const samples = new Map(list.map((t) => [t.name, []]));
  for (let run = 1; run <= runs; run++) {
    for (const t of list) {
      log(`${items} items, run ${run}/${runs}: ${t.name}`);
      samples.get(t.name).push(measure(t.command, t.args));
    }
  }
  const rows = list.map((t) => {
    const s = samples.get(t.name);
    const failed = s.find((x) => x.failed);
    return failed
      ? { name: t.name, failed: failed.failed }
      : { name: t.name, wall: median(s.map((x) => x.wall)), rss: median(s.map((x) => x.rss)) };
  });
  return { items, sizes: { before: statSync(p.before).size, after: statSync(p.after).size }, rows };
}

function benchBig() {
  const p = pair(Number(values['big-items']));
  log(`inspect of the ${values['big-items']}-item after snapshot`);
  const result = measure(process.execPath, [cli, 'inspect', '--json', p.after]);
  return { file: p.after, bytes: statSync(p.after).size, ...result };
}

/** A module-level linked list of 1,000,000 new entries (issue: chain-shaped leaks diff in seconds). */
function benchChain() {
  const links = 1_000_000;
  const dir = join(outDir, `chain-${links}`);
  if (!existsSync(join(dir, '.done'))) {
    log(`making the ${links}-link chain pair…`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync(
      process.execPath,
      ['--expose-gc', join(root, 'test', 'fixtures', 'pair-shapes.cjs'), dir, 'list', String(links)],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    writeFileSync(join(dir, '.done'), '');
  }
  log(`diff of the ${links}-link chain`);
  const args = [cli, 'diff', '--json', join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot')];
  const result = measure(process.execPath, args);
  const diff = JSON.parse(execFileSync(process.execPath, args, { maxBuffer: 1 << 28 }).toString());
  const entry = diff.classes.find((c) => c.name === 'Entry');
  return { links, ...result, suspect: Boolean(entry?.suspect), added: entry?.added ?? 0 };
}

function benchRun() {
  log('leakscan run (built-in scenarios, defaults)');
  const snapshots = join(outDir, 'run-snapshots');
  return measure(process.execPath, [cli, 'run', '--json', '--out', snapshots]);
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const s = (sec) => `${sec.toFixed(2)} s`;
const check = (ok) => (ok ? 'met' : '**missed**');

function report(results, big, run, chain) {
  const cpu = os.cpus();
  const lines = [
    '# Benchmarks',
    '',
    'Made by `npm run bench` (bench/run.mjs). Each tool runs as its own process, alternating, and the',
    `median of ${runs} runs is shown; peak RSS is GNU time's maximum resident set size.`,
    '',
    `- Date: ${new Date().toISOString().slice(0, 10)}`,
    `- Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${mb(os.totalmem())} RAM, ${os.type()} ${os.release()} ${os.arch()}`,
    `- Node ${process.version} (V8 ${process.versions.v8}), default flags`,
    '- Pairs: `node --expose-gc ../shared/bench/make-snapshot-pair.cjs OUT ITEMS` (expected diff: +ITEMS/2 `Item`, -ITEMS/4 `Item`)',
    '',
  ];
  // The targets are stated for the 1,000,000-item pair; other scales are shown for the trend.
  const targetScale = results.some((r) => r.items === 1_000_000) ? 1_000_000 : results.at(-1)?.items;
  for (const r of results) {
    lines.push(
      `## ${r.items.toLocaleString('en-US')} items (before ${mb(r.sizes.before)}, after ${mb(r.sizes.after)})`,
      '',
    );
    lines.push('| tool | wall (median) | peak RSS (median) |', '|---|---:|---:|');
    for (const row of r.rows)
      lines.push(
        row.failed ? `| ${row.name} | failed: ${row.failed} | |` : `| ${row.name} | ${s(row.wall)} | ${mb(row.rss)} |`,
      );
    const get = (name) => r.rows.find((x) => x.name === name && !x.failed);
    const ours = get('leakscan diff --json');
    const findLeaks = get('memlab find-leaks');
    const floor = get('byte-loop floor');
    const engineMemlab = get('leakscan diff --engine memlab --json');
    lines.push('');
    if (ours && findLeaks && floor && r.items !== targetScale) {
      lines.push(
        `Ratios: leakscan / memlab find-leaks wall ${(ours.wall / findLeaks.wall).toFixed(2)}, leakscan / byte-loop floor ${(ours.wall / floor.wall).toFixed(2)}, ` +
          `peak RSS leakscan / memlab find-leaks ${(ours.rss / findLeaks.rss).toFixed(2)}.`,
        '',
      );
    } else if (ours && findLeaks && floor) {
      lines.push(
        `Ratios: leakscan / memlab find-leaks wall **${(ours.wall / findLeaks.wall).toFixed(2)}** (target ≤ 0.12: ${check(ours.wall <= 0.12 * findLeaks.wall)}), ` +
          `leakscan / byte-loop floor **${(ours.wall / floor.wall).toFixed(2)}** (target ≤ 6: ${check(ours.wall <= 6 * floor.wall)}), ` +
          `leakscan / memlab find-leaks peak RSS **${(ours.rss / findLeaks.rss).toFixed(2)}** (target ≤ 0.45: ${check(ours.rss <= 0.45 * findLeaks.rss)})` +
          (engineMemlab
            ? `; leakscan engine vs memlab engine under the same CLI: ${(engineMemlab.wall / ours.wall).toFixed(1)}× faster.`
            : '.'),
        '',
      );
    }
  }
  if (big) {
    lines.push(`## One big snapshot: \`leakscan inspect\` with default Node flags`, '');
    if (big.failed) lines.push(`${mb(big.bytes)} file: failed: ${big.failed}`, '');
    else
      lines.push(
        `${mb(big.bytes)} file: ${s(big.wall)}, peak RSS ${mb(big.rss)} = ${(big.rss / big.bytes).toFixed(2)} × the file size (target < 2 ×, no OOM: ${check(big.rss < 2 * big.bytes)}).`,
        '',
      );
  }
  if (chain) {
    lines.push(
      `## A chain: ${chain.links.toLocaleString('en-US')} new entries appended to a module-level linked list`,
      '',
    );
    lines.push(
      chain.failed
        ? `failed: ${chain.failed}`
        : `\`leakscan diff --json\`: ${s(chain.wall)}, peak RSS ${mb(chain.rss)}; \`Entry\` +${chain.added.toLocaleString('en-US')} ${chain.suspect ? 'is a suspect' : '**is not a suspect**'} (target: seconds, and a suspect: ${check(chain.wall < 10 && chain.suspect)}).`,
      '',
    );
  }
  if (run) {
    lines.push('## `leakscan run`, three built-in scenarios, defaults', '');
    lines.push(
      run.failed
        ? `failed: ${run.failed}`
        : `${s(run.wall)} end to end, peak RSS of the parent ${mb(run.rss)} (target ≤ 15 s: ${check(run.wall <= 15)}).`,
      '',
    );
  }
  lines.push(NOTES);
  return lines.join('\n');
}

const NOTES = `## Notes

- What \`leakscan diff\` does on a big pair: the before file is read on a worker thread into
  sorted ids, classes and DevTools' shallow sizes while the main thread reads the after file;
  then the after graph's dominator tree and retained sizes (DevTools' edge rules,
  Lengauer–Tarjan) are computed on a second thread over shared memory while the main thread
  traces the roots and merges ids; last, one walk of the dominator tree finds holders and what
  each leak is made of. Run \`node --cpu-prof dist/src/cli.js diff …\` to see the phases.
- The wall-time ratio is against memlab find-leaks measured in the same run, which varies from
  run to run on this 2-core machine by ±20 %: the ratio moves with it.
- Peak RSS is mostly typed arrays (the two graphs as in the files, per-node arrays of the trace,
  the dominator pass and the id merge). They are ArrayBuffers outside the V8 heap, freed when V8
  collects, so the peak moves by some tens of MB from run to run.
- \`leakscan run\` on the built-ins is mostly the scenarios' own time: 2 × 10 calls with a 100 ms
  pause each, then two growth steps of 5 calls, and 4 snapshots per scenario; each scenario's
  analysis overlaps the next one's child process.
- Where in my code (definition sites, allocation stacks, object shapes), measured on the
  1,000,000-item pair against the build before it, 6 alternating runs each, on this 2-core
  machine shared with other jobs (load average 7–8, so wall times varied 6–12 s and are not
  comparable): median CPU time of \`leakscan diff --json\` 5.50 s before, 5.84 s after (user +
  system; **+6 %**, target ≤ 10 %); user time alone 4.61 s → 4.92 s (+7 %); peak RSS 800 → 853 MB
  (median). In the process: reading \`locations\` (3.0 million numbers in the after file) is part
  of the read; the per-node index of locations takes 46 ms; naming plain objects by shape takes
  one pass over each graph's plain objects, 50–100 ms for the 750,575 of the after file (none of
  them gets a shape: their only property is a small integer, which has no edge).
`;

const results = scales.map(benchScale);
const big = values['skip-big'] ? null : benchBig();
const chain = benchChain();
const run = benchRun();
const text = report(results, big, run, chain);
const temp = `${values.out}.tmp-${process.pid}`;
writeFileSync(temp, text);
renameSync(temp, values.out);
process.stdout.write(text);
