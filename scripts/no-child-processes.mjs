// Loaded by `npm run test:unit` (scripts/test.mjs --unit) into each test
// file's process: the unit tier runs in-process, so starting a child process
// there is an error that names the rule, not a slow test. Only in the test
// files' processes (NODE_TEST_CONTEXT), never in the runner that starts them.
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

if (process.env.NODE_TEST_CONTEXT) {
  for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
    childProcess[name] = () => {
      throw new Error(
        `child_process.${name} in a unit test: *.unit.test.ts files run in-process (move the test to a *.test.ts file)`,
      );
    };
  }
  syncBuiltinESMExports();
}
