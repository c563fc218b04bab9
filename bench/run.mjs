#!/usr/bin/env node
// npm run bench: times leakscan against memlab on real snapshot pairs made by
// the shared generator, and writes BENCHMARKS.md. Runs alternate between the
// tools so that machine noise hits them alike; medians are reported.
//
//   node bench/run.mjs [--scales 200000,1000000] [--runs 3] [--skip-big] [--out BENCHMARKS.md]
//   node bench/run.mjs --only where --where-items 20000   (one section: scales, growth, big, chain, run, html, where)
//   node bench/run.mjs --only growth --growth-scales 200000,1000000,5000000   (leakscan alone, wall and RSS by size)
//
// The file written holds only what this run measured: with --only, that one
// section (and the notes about it), not numbers left from an earlier run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { stripSnapshot } from './strip-sections.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    scales: { type: 'string', default: '200000,1000000' },
    runs: { type: 'string', default: '3' },
    'skip-big': { type: 'boolean', default: false },
    only: { type: 'string' },
    'html-only': { type: 'boolean', default: false },
    'big-items': { type: 'string', default: '2500000' },
    'where-items': { type: 'string', default: '1000000' },
    'growth-scales': { type: 'string', default: '200000,1000000,5000000' },
    out: { type: 'string', default: join(root, 'BENCHMARKS.md') },
  },
});
const scales = values.scales.split(',').map(Number);
const runs = Number(values.runs);
const SECTIONS = ['scales', 'growth', 'big', 'chain', 'run', 'html', 'where'];
// --html-only is the older spelling of --only html.
const only = values['html-only'] ? 'html' : values.only;
if (only !== undefined && !SECTIONS.includes(only)) {
  process.stderr.write(`bench: --only takes one of ${SECTIONS.join(', ')}\n`);
  process.exit(2);
}
const measures = (section) => (only === undefined ? section !== 'big' || !values['skip-big'] : only === section);
// shared/ sits beside the repository, or beside the folder of worktrees (wt/NAME).
const generator =
  [resolve(root, '..', 'shared'), resolve(root, '..', '..', 'shared')]
    .map((dir) => join(dir, 'bench', 'make-snapshot-pair.cjs'))
    .find(existsSync) ?? resolve(root, '..', 'shared', 'bench', 'make-snapshot-pair.cjs');
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
  const load = os.loadavg()[0];
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
  return { wall, rss: kb * 1024, load };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Half the range of the runs, as a fraction of their median: the ± the notes report. */
const spread = (xs) => (Math.max(...xs) - Math.min(...xs)) / 2 / median(xs);

/** The targets (issue 24 for speed and memory), at the target scale (1,000,000 items). */
const TARGET = {
  wallVsFindLeaks: 0.08,
  wallVsFloor: 2.5,
  rssVsFindLeaks: 0.3,
  bigRssPerFileByte: 1.3,
  chainSeconds: 10,
  runSeconds: 10,
  /** Issue 10: reading locations and traces costs at most 10 % more time on the 1,000,000-item pair. */
  whereOverhead: 0.1,
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
      : {
          name: t.name,
          wall: median(s.map((x) => x.wall)),
          rss: median(s.map((x) => x.rss)),
          wallSpread: spread(s.map((x) => x.wall)),
          rssSpread: spread(s.map((x) => x.rss)),
          loads: s.map((x) => x.load),
        };
  });
  return { items, sizes: { before: statSync(p.before).size, after: statSync(p.after).size }, rows };
}

/**
 * How wall time and peak RSS grow with the pair (issue 24: linear, no cliff, 5M items diffs):
 * `leakscan diff --json` alone at each of --growth-scales, the scales taking turns run after run.
 * A pair that cannot be made (the 5M one is about 2.4 GB of files) is reported, not fatal.
 */
function benchGrowth() {
  const items = values['growth-scales'].split(',').map(Number);
  const made = items.map((n) => {
    try {
      return { items: n, pair: pair(n) };
    } catch (error) {
      return { items: n, failed: `the pair could not be made: ${String(error.message).split('\n')[0]}` };
    }
  });
  const samples = new Map(items.map((n) => [n, []]));
  for (let run = 1; run <= runs; run++) {
    for (const m of made) {
      if (m.failed) continue;
      log(`growth: ${m.items} items, run ${run}/${runs}: leakscan diff --json`);
      samples.get(m.items).push(measure(process.execPath, [cli, 'diff', '--json', m.pair.before, m.pair.after]));
    }
  }
  return made.map((m) => {
    if (m.failed) return m;
    const s = samples.get(m.items);
    const failed = s.find((x) => x.failed);
    if (failed) return { items: m.items, failed: failed.failed };
    return {
      items: m.items,
      bytes: statSync(m.pair.before).size + statSync(m.pair.after).size,
      wall: median(s.map((x) => x.wall)),
      rss: median(s.map((x) => x.rss)),
      loads: s.map((x) => x.load),
    };
  });
}

function growthSection(growth) {
  const lines = [
    '## Growth: `leakscan diff --json` by the size of the pair',
    '',
    `Median of ${runs} runs each, the sizes taking turns; load average (1 min) when each run started.`,
    '',
    '| items | before + after | wall | peak RSS | s per GB of input | RSS / input | load at the runs |',
    '|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const g of growth) {
    const items = g.items.toLocaleString('en-US');
    if (g.failed) lines.push(`| ${items} | | failed: ${g.failed} | | | | |`);
    else
      lines.push(
        `| ${items} | ${mb(g.bytes)} | ${s(g.wall)} | ${mb(g.rss)} | ${(g.wall / (g.bytes / 1e9)).toFixed(2)} | ${(g.rss / g.bytes).toFixed(2)} | ${g.loads.map((l) => l.toFixed(1)).join(', ')} |`,
      );
  }
  lines.push('');
  return lines.join('\n');
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

/**
 * The HTML report of the 1,000,000-item pair (issue: under 2 MB, renders in under a second): the
 * time `diff --html` takes, the file's size, and in headless Chromium (Debian's, as the tests use)
 * the time from navigation to the report drawn (the page's performance.now() when its script
 * is done) and to the next frame after it, median of 3 fresh pages.
 */
async function benchHtml() {
  const items = 1_000_000;
  const p = pair(items);
  const file = join(outDir, `report-${items}.html`);
  rmSync(file, { force: true });
  log(`diff --html of the ${items}-item pair`);
  const load = os.loadavg()[0];
  const made = measure(process.execPath, [cli, 'diff', '--html', file, p.before, p.after]);
  if (made.failed) return { items, failed: made.failed };
  // The same diff without the page, right after, so machine load hits both alike.
  const plain = measure(process.execPath, [cli, 'diff', '--json', p.before, p.after]);
  const bytes = statSync(file).size;
  const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath)) return { items, ...made, plainWall: plain.wall, load, bytes, browser: null };
  const puppeteer = (await import('puppeteer-core')).default;
  const chrome = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  const ready = [];
  const painted = [];
  try {
    for (let run = 1; run <= 3; run++) {
      log(`opening the report in Chromium, ${run}/3`);
      const page = await chrome.newPage();
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('html[data-ready-ms]');
      ready.push(Number(await page.evaluate(() => document.documentElement.getAttribute('data-ready-ms'))));
      painted.push(
        await page.evaluate(
          () => new Promise((done) => requestAnimationFrame(() => setTimeout(() => done(performance.now())))),
        ),
      );
      await page.close();
    }
  } finally {
    await chrome.close();
  }
  return {
    items,
    ...made,
    plainWall: plain.wall,
    load,
    bytes,
    browser: await versionOf(executablePath),
    readyMs: median(ready),
    paintedMs: median(painted),
  };
}

/**
 * What reading definition sites and allocation stacks costs (issue 10): `diff --json` on the pair
 * as written, and on a copy with its `locations`, `trace_function_infos` and `trace_tree` emptied
 * (strip-sections.mjs), alternating, the medians of --runs runs each.
 */
async function benchWhere() {
  const items = Number(values['where-items']);
  const p = pair(items);
  const dir = join(outDir, String(items), 'no-locations');
  if (!existsSync(join(dir, '.done'))) {
    log(`copying the ${items}-item pair without locations…`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await stripSnapshot(p.before, join(dir, 'before.heapsnapshot'));
    await stripSnapshot(p.after, join(dir, 'after.heapsnapshot'));
    writeFileSync(join(dir, '.done'), '');
  }
  const variants = [
    { name: 'with', files: [p.before, p.after] },
    { name: 'without', files: [join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot')] },
  ];
  const walls = { with: [], without: [] };
  for (let run = 1; run <= runs; run++) {
    for (const v of variants) {
      log(`${items} items, run ${run}/${runs}: diff --json ${v.name} locations`);
      const m = measure(process.execPath, [cli, 'diff', '--json', ...v.files]);
      if (m.failed) return { items, failed: `${v.name} locations: ${m.failed}` };
      walls[v.name].push(m.wall);
    }
  }
  return {
    items,
    bytes: statSync(p.after).size,
    strippedBytes: statSync(variants[1].files[1]).size,
    withWall: median(walls.with),
    withoutWall: median(walls.without),
    withSpread: spread(walls.with),
    withoutSpread: spread(walls.without),
  };
}

function whereSection(where) {
  const lines = [`## What reading locations and traces costs, ${where.items.toLocaleString('en-US')}-item pair`, ''];
  if (where.failed) return [...lines, `failed: ${where.failed}`, ''].join('\n');
  const ratio = where.withWall / where.withoutWall;
  const atTarget = where.items === 1_000_000;
  const verdict = atTarget
    ? ` (target ≤ ${(1 + TARGET.whereOverhead).toFixed(2)}: ${check(ratio <= 1 + TARGET.whereOverhead)})`
    : ' (the target is stated for the 1,000,000-item pair)';
  lines.push(
    `\`leakscan diff --json\` on the pair as written (after ${mb(where.bytes)}): ${s(where.withWall)} (±${Math.round(100 * where.withSpread)} %); ` +
      `on a copy with \`locations\`, \`trace_function_infos\` and \`trace_tree\` emptied (after ${mb(where.strippedBytes)}, bench/strip-sections.mjs): ` +
      `${s(where.withoutWall)} (±${Math.round(100 * where.withoutSpread)} %). Median of ${runs} runs each, alternating.`,
    '',
    `Ratio with / without: **${ratio.toFixed(3)}**${verdict}.`,
    '',
  );
  return lines.join('\n');
}

async function versionOf(browser) {
  try {
    return execFileSync(browser, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return browser;
  }
}

function htmlSection(html) {
  const lines = [`## The HTML report of the ${html.items.toLocaleString('en-US')}-item pair`, ''];
  if (html.failed) return [...lines, `failed: ${html.failed}`, ''].join('\n');
  const size = `${(html.bytes / 1024).toFixed(0)} KB`;
  lines.push(
    `\`leakscan diff --html FILE\`: ${s(html.wall)} (the diff and the page; \`diff --json\` right after: ${html.plainWall === undefined ? 'failed' : s(html.plainWall)}), peak RSS ${mb(html.rss)}, load average ${html.load.toFixed(1)} on ${os.cpus().length} cores when it started; the file is ${size} (target < 2 MB: ${check(html.bytes < 2 * 1024 * 1024)}).`,
    '',
  );
  if (html.browser === null) lines.push('Not opened: no Chromium on this machine.', '');
  else
    lines.push(
      `Opened from disk in headless ${html.browser} (median of 3 fresh pages): drawn ${html.readyMs.toFixed(0)} ms after navigation started, next frame at ${html.paintedMs.toFixed(0)} ms (target < 1 s: ${check(html.paintedMs < 1000)}). The page carries the summary it shows (classes, holders, paths), not the graph, so its size does not grow with the heap.`,
      '',
    );
  return lines.join('\n');
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const s = (sec) => `${sec.toFixed(2)} s`;
const check = (ok) => (ok ? 'met' : '**missed**');

/** The file: the header, then a section for each thing measured in this run, then the notes on them. */
function report({ results = [], growth = null, big = null, run = null, chain = null, html = null, where = null }) {
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
    const loads = r.rows.flatMap((row) => row.loads ?? []);
    if (loads.length > 0)
      lines.push(
        '',
        `Load average (1 min) when the runs started: ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)}.`,
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
        `Ratios: leakscan / memlab find-leaks wall **${(ours.wall / findLeaks.wall).toFixed(2)}** (target ≤ ${TARGET.wallVsFindLeaks}: ${check(ours.wall <= TARGET.wallVsFindLeaks * findLeaks.wall)}), ` +
          `leakscan / byte-loop floor **${(ours.wall / floor.wall).toFixed(2)}** (target ≤ ${TARGET.wallVsFloor}: ${check(ours.wall <= TARGET.wallVsFloor * floor.wall)}), ` +
          `leakscan / memlab find-leaks peak RSS **${(ours.rss / findLeaks.rss).toFixed(2)}** (target ≤ ${TARGET.rssVsFindLeaks}: ${check(ours.rss <= TARGET.rssVsFindLeaks * findLeaks.rss)})` +
          (engineMemlab
            ? `; leakscan engine vs memlab engine under the same CLI: ${(engineMemlab.wall / ours.wall).toFixed(1)}× faster.`
            : '.'),
        '',
      );
    }
  }
  if (growth) lines.push(growthSection(growth));
  if (big) {
    lines.push(`## One big snapshot: \`leakscan inspect\` with default Node flags`, '');
    if (big.failed) lines.push(`${mb(big.bytes)} file: failed: ${big.failed}`, '');
    else
      lines.push(
        `${mb(big.bytes)} file: ${s(big.wall)}, peak RSS ${mb(big.rss)} = ${(big.rss / big.bytes).toFixed(2)} × the file size (target < ${TARGET.bigRssPerFileByte} ×, no OOM: ${check(big.rss < TARGET.bigRssPerFileByte * big.bytes)}).`,
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
        : `\`leakscan diff --json\`: ${s(chain.wall)}, peak RSS ${mb(chain.rss)}; \`Entry\` +${chain.added.toLocaleString('en-US')} ${chain.suspect ? 'is a suspect' : '**is not a suspect**'} (target: seconds, and a suspect: ${check(chain.wall < TARGET.chainSeconds && chain.suspect)}).`,
      '',
    );
  }
  if (run) {
    lines.push('## `leakscan run`, the built-in scenarios, defaults', '');
    lines.push(
      run.failed
        ? `failed: ${run.failed}`
        : `${s(run.wall)} end to end, peak RSS of the parent ${mb(run.rss)} (target ≤ ${TARGET.runSeconds} s: ${check(run.wall <= TARGET.runSeconds)}).`,
      '',
    );
  }
  if (html) lines.push(htmlSection(html));
  if (where) lines.push(whereSection(where));
  lines.push(notes(results, run, where));
  return lines.join('\n');
}

/** What the numbers mean; every figure in it is measured in this run. */
function notes(results, run, where) {
  const measured = (name, field) =>
    results.map((r) => r.rows.find((x) => x.name === name && !x.failed)?.[field]).filter((v) => v !== undefined);
  const findLeaksSpread = measured('memlab find-leaks', 'wallSpread');
  const oursRssSpread = measured('leakscan diff --json', 'rssSpread');
  const pct = (xs) => `${Math.round(100 * Math.max(...xs))} %`;
  const lines = ['## Notes', ''];
  if (results.length > 0)
    lines.push(
      '- What `leakscan diff` does on a big pair: the before file is read on a worker thread into',
      "  sorted ids, classes and DevTools' shallow sizes while the main thread reads the after file;",
      "  then the after graph's dominator tree and retained sizes (DevTools' edge rules,",
      '  Lengauer–Tarjan) are computed on a second thread over shared memory while the main thread',
      '  traces the roots and merges ids; last, one walk of the dominator tree finds holders and what',
      '  each leak is made of. Run `node --cpu-prof dist/src/cli.js diff …` to see the phases.',
    );
  if (findLeaksSpread.length > 0)
    lines.push(
      "- The wall-time ratio is against memlab find-leaks measured in the same run; over this run's",
      `  ${runs} runs on ${os.cpus().length} cores its wall time varied by up to ±${pct(findLeaksSpread)}, and the ratio moves with it.`,
    );
  if (oursRssSpread.length > 0)
    lines.push(
      '- Peak RSS is mostly typed arrays (the two graphs as in the files, per-node arrays of the trace,',
      '  the dominator pass and the id merge). They are ArrayBuffers outside the V8 heap, freed when V8',
      `  collects, so the peak moves from run to run: by up to ±${pct(oursRssSpread)} of its median here.`,
    );
  if (run)
    lines.push(
      "- `leakscan run` on the built-ins is mostly the scenarios' own time: two passes of calls with a",
      "  pause after each, the growth steps and four snapshots per scenario; each scenario's analysis",
      "  overlaps the next one's child process.",
    );
  if (where)
    lines.push(
      '- The benchmark pair is written without allocation tracking, so its `trace_function_infos` and',
      '  `trace_tree` are empty already: the locations cost measures reading `locations` (one entry per',
      '  closure and constructed object) and naming the definition sites of the classes reported.',
    );
  lines.push('');
  return lines.join('\n');
}

const results = measures('scales') ? scales.map(benchScale) : [];
const growth = measures('growth') ? benchGrowth() : null;
const big = measures('big') ? benchBig() : null;
const chain = measures('chain') ? benchChain() : null;
const run = measures('run') ? benchRun() : null;
const html = measures('html') ? await benchHtml() : null;
const where = measures('where') ? await benchWhere() : null;
const text = report({ results, growth, big, run, chain, html, where });
const temp = `${values.out}.tmp-${process.pid}`;
writeFileSync(temp, text);
renameSync(temp, values.out);
process.stdout.write(text);
