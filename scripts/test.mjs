// `npm test`: node --test on the compiled test files, dist/test/*.test.js, and
// nothing else there. Node 20's --test takes no glob pattern, and given the
// folder it would run the helpers (helpers.js, graph-builder.js, ...) as tests.
// Then the oracle tests once more with the size thresholds at 0 (src/engine/
// tuning.ts), so the dominator thread and the parallel read are compared with
// DevTools too, not only the paths small snapshots take.
// Options are passed on, written --name=value (`npm test -- --test-name-pattern=diff`);
// files given replace the list and skip the second run (`npm test -- dist/test/leaks.test.js`).
// `--unit` (`npm run test:unit`): only the *.unit.test.js files, in-process
// tests with no child process and no browser; no-child-processes.mjs makes
// starting one an error there.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const DIR = 'dist/test';
const ORACLE_TESTS = [
  'devtools.test.js',
  'devtools-comparison.test.js',
  'browser.test.js',
  'page-dom.test.js',
  'engines.test.js',
];
const THRESHOLDS_AT_ZERO = { LEAKSCAN_THREAD_MIN_NODES: '0', LEAKSCAN_PARALLEL_MIN_BYTES: '0' };

const args = process.argv.slice(2);
const unit = args.includes('--unit');
const options = args.filter((a) => a.startsWith('-') && a !== '--unit');
const given = args.filter((a) => !a.startsWith('-'));

function nodeTest(files, env = process.env) {
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...options, ...files], {
    stdio: 'inherit',
    env,
  });
  return run.status ?? 1;
}

if (unit) {
  const files = readdirSync(DIR).filter((name) => name.endsWith('.unit.test.js'));
  options.push('--import=./scripts/no-child-processes.mjs');
  process.exitCode = nodeTest(given.length ? given : files.sort().map((name) => `${DIR}/${name}`));
} else if (given.length) {
  process.exitCode = nodeTest(given);
} else {
  const all = readdirSync(DIR).filter((name) => name.endsWith('.test.js'));
  const missing = ORACLE_TESTS.filter((name) => !all.includes(name));
  if (missing.length) throw new Error(`scripts/test.mjs: no ${missing.join(', ')} in ${DIR} (renamed?)`);
  const first = nodeTest(all.sort().map((name) => `${DIR}/${name}`));
  console.log('\n# the oracle tests again, the thread and parallel thresholds at 0');
  const second = nodeTest(
    ORACLE_TESTS.map((name) => `${DIR}/${name}`),
    { ...process.env, ...THRESHOLDS_AT_ZERO },
  );
  process.exitCode = first || second;
}
