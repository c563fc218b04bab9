// Telling a process that exited from a dropped connection reads /proc/PID/stat:
// a zombie, or a process whose exit has begun (its sockets close then, before
// it is a zombie), is not running. Lines in the kernel's format (proc(5)).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { launcherOf } from '../src/capture/inspector.js';
import { runningByStat } from '../src/capture/proc.js';

/** A stat line with `state` and `flags`, the rest as a real process has them. */
const stat = (comm: string, state: string, flags: number): string =>
  `4242 (${comm}) ${state} 1 4242 4242 0 -1 ${flags} 120 0 0 0 5 2 0 0 20 0 7 0 3456 1000000 3000 18446744073709551615`;

test('a running or sleeping process is running', () => {
  assert.equal(runningByStat(stat('node', 'S', 0x400000)), true);
  assert.equal(runningByStat(stat('node', 'R', 0x400040)), true);
  if (process.platform === 'linux')
    assert.equal(runningByStat(readFileSync('/proc/self/stat', 'utf8')), true, 'this process');
});

test('a zombie, a dead task, or one whose exit has begun (PF_EXITING) is not', () => {
  assert.equal(runningByStat(stat('node', 'Z', 0x400000)), false);
  assert.equal(runningByStat(stat('node', 'X', 0x400000)), false);
  assert.equal(runningByStat(stat('node', 'R', 0x400004)), false);
  assert.equal(runningByStat(stat('node', 'D', 0x404044)), false);
});

test('a command name with spaces and parentheses does not shift the fields', () => {
  assert.equal(runningByStat(stat('a) Z 1 (b', 'S', 0x400000)), true);
  assert.equal(runningByStat(stat('x) S 1 2 3 4 5 0 (y', 'R', 0x400004)), false);
});

test('launchers: npm by its title, a launcher package by its script, node --watch; a program is none', () => {
  assert.equal(launcherOf(['npm start']), 'npm start');
  assert.equal(launcherOf(['npm run dev']), 'npm run dev');
  assert.equal(launcherOf(['node', '/usr/lib/node_modules/nodemon/bin/nodemon.js', 'server.js']), 'nodemon');
  assert.equal(launcherOf(['node', '/app/node_modules/tsx/dist/cli.mjs', 'watch', 'src/main.ts']), 'tsx');
  const real = (script: string): string =>
    script === '/usr/bin/yarn' ? '/usr/lib/node_modules/yarn/bin/yarn.js' : script;
  assert.equal(launcherOf(['/usr/bin/node', '/usr/bin/yarn', 'start'], real), 'yarn', 'by where the script really is');
  assert.equal(launcherOf(['node', '--watch', 'server.js']), 'node --watch');
  assert.equal(launcherOf(['node', 'server.js']), null);
  assert.equal(
    launcherOf(['node', '-r', 'dotenv/config', 'dist/main.js', '--watch']),
    null,
    "the program's own argument",
  );
  assert.equal(launcherOf(['node', '/app/node_modules/npm-run-all/bin/x.js']), null);
  assert.equal(launcherOf(['node', '/srv/app/npm.js']), null, 'a program of yours named like one');
});
