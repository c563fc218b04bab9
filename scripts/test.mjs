// `npm test`: node --test on the compiled test files, dist/test/*.test.js, and
// nothing else there. Node 20's --test takes no glob pattern, and given the
// folder it would run the helpers (helpers.js, graph-builder.js, ...) as tests.
// Options are passed on, written --name=value (`npm test -- --test-name-pattern=diff`);
// files given replace the list (`npm test -- dist/test/leaks.test.js`).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const DIR = 'dist/test';

const args = process.argv.slice(2);
const options = args.filter((a) => a.startsWith('-'));
const given = args.filter((a) => !a.startsWith('-'));
const files = given.length
  ? given
  : readdirSync(DIR)
      .filter((name) => name.endsWith('.test.js'))
      .sort()
      .map((name) => `${DIR}/${name}`);

const run = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...options, ...files], { stdio: 'inherit' });
process.exitCode = run.status ?? 1;
