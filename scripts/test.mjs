// `npm test`: node --test on the compiled test files, dist/test/*.test.js, and
// nothing else there. Node 20's --test takes no glob pattern, and given the
// folder it would run the helpers (helpers.js, graph-builder.js, ...) as tests.
// The oracle tests run a second time with the size thresholds at 0 (src/engine/
// tuning.ts), so the dominator thread and the parallel read are compared with
// DevTools too, not only the paths small snapshots take.
// Options are passed on, written --name=value (`npm test -- --test-name-pattern=diff`);
// files given replace the list and skip the second run (`npm test -- dist/test/leaks.test.js`).
// `--unit` (`npm run test:unit`): only the *.unit.test.js files, in-process
// tests with no child process and no browser; no-child-processes.mjs makes
// starting one an error there.
//
// The full run is one queue of files, two at a time (the machine's cores),
// the slowest first so that no long file starts last and runs alone. The
// second runs of the oracle files end the queue, with their own environment,
// and read the inputs the first runs built and DevTools' answers for them
// (LEAKSCAN_TEST_SHARED). Each file's output is printed whole when it ends.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DIR = 'dist/test';
/** Run a second time with the thresholds at 0, in this order (the slowest first). */
const ORACLE_TESTS = [
  'engines.test.js',
  'page-dom.test.js',
  'devtools-comparison.test.js',
  'browser.test.js',
  'devtools.test.js',
];
const THRESHOLDS_AT_ZERO = { LEAKSCAN_THREAD_MIN_NODES: '0', LEAKSCAN_PARALLEL_MIN_BYTES: '0' };
/**
 * Files that take longest, the slowest first (seconds of one run, with another
 * file beside it, measured in a whole `npm test`): started first. A file not named here starts after them;
 * a name here that no longer exists is an error, as for ORACLE_TESTS.
 */
const SLOW_FIRST = [
  'page-findings.test.js',
  'findings.test.js',
  'ignore.test.js',
  'leaks.test.js',
  'cli-errors.test.js',
  'page-scenario.test.js',
  'page-patterns.test.js',
  'engines.test.js',
  'bundle.test.js',
  'test-server.test.js',
  'capture-safety.test.js',
  'capture.test.js',
  'signals-hostile.test.js',
  'page-dom.test.js',
  'capture-routes.test.js',
  'cli-diff.test.js',
  'shapes.test.js',
  'series.test.js',
  'run-files.test.js',
  'run-story.test.js',
  'run-hostile.test.js',
  'run-jobs.test.js',
  'where.test.js',
  'capture-page.test.js',
  'html-report.test.js',
];
const CONCURRENCY = 2;

const args = process.argv.slice(2);
const unit = args.includes('--unit');
const options = args.filter((a) => a.startsWith('-') && a !== '--unit');
const given = args.filter((a) => !a.startsWith('-'));

function nodeTest(files, env = process.env) {
  const run = spawnSync(process.execPath, ['--test', `--test-concurrency=${CONCURRENCY}`, ...options, ...files], {
    stdio: 'inherit',
    env,
  });
  return run.status ?? 1;
}

/** One file under node --test, its output kept until it ends. */
function runJob(job, env) {
  const reporter =
    process.stdout.isTTY && !options.some((o) => o.startsWith('--test-reporter')) ? ['--test-reporter=spec'] : [];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', ...reporter, ...options, job.file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, ...job.env },
    });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal, output: Buffer.concat(output).toString() }));
  });
}

/** Runs `jobs` CONCURRENCY at a time in their order, `env` added; prints each whole, then the totals; 0 when all passed. */
async function runQueue(jobs, env) {
  const started = Date.now();
  const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
  const failed = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const begun = Date.now();
      const { code, signal, output } = await runJob(job, env);
      const seconds = ((Date.now() - begun) / 1000).toFixed(1);
      process.stdout.write(`\n# ${job.label} (${seconds} s)\n${output}`);
      for (const [, name, count] of output.matchAll(/^(?:# |ℹ )(tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm))
        totals[name] += Number(count);
      if (code !== 0) failed.push(`${job.label}${signal ? ` (${signal})` : ''}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\n# all files: ${jobs.length} runs in ${seconds} s`);
  for (const [name, count] of Object.entries(totals)) console.log(`# ${name} ${count}`);
  for (const label of failed) console.log(`# FAILED ${label}`);
  return failed.length ? 1 : 0;
}

if (unit) {
  const files = readdirSync(DIR).filter((name) => name.endsWith('.unit.test.js'));
  options.push('--import=./scripts/no-child-processes.mjs');
  process.exitCode = nodeTest(given.length ? given : files.sort().map((name) => `${DIR}/${name}`));
} else if (given.length) {
  process.exitCode = nodeTest(given);
} else {
  const all = readdirSync(DIR).filter((name) => name.endsWith('.test.js'));
  const missing = [...ORACLE_TESTS, ...SLOW_FIRST].filter((name) => !all.includes(name));
  if (missing.length) throw new Error(`scripts/test.mjs: no ${missing.join(', ')} in ${DIR} (renamed?)`);
  const rest = all.filter((name) => !SLOW_FIRST.includes(name)).sort();
  const first = [...SLOW_FIRST, ...rest].map((name) => ({ file: `${DIR}/${name}`, label: name, env: {} }));
  const second = ORACLE_TESTS.map((name) => ({
    file: `${DIR}/${name}`,
    label: `${name}, the thread and parallel thresholds at 0`,
    env: THRESHOLDS_AT_ZERO,
  }));
  // The second runs last, when the first ones have built the inputs and DevTools' answers
  // they share (test/helpers.ts sharedInputs), the slowest first.
  const jobs = [...first, ...second];
  const shared = mkdtempSync(join(tmpdir(), 'leakscan-test-shared-'));
  try {
    process.exitCode = await runQueue(jobs, { LEAKSCAN_TEST_SHARED: shared });
  } finally {
    rmSync(shared, { recursive: true, force: true });
  }
}
