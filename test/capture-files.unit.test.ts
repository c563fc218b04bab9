// capture refuses names it cannot write before it opens anything: a file that
// exists (leakscan never replaces a snapshot) or a path it cannot create, with
// the same one line files.ts gives every other output. No process is touched:
// pid 999999 would fail with "no process" if the names were not checked first.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { captureSnapshots } from '../src/capture/capture.js';
import { ExitCode, LeakscanError } from '../src/errors.js';
import { tempDir } from './helpers.js';

const NO_SUCH_PID = 999999;

test('capture: a snapshot name that exists is refused before the process is looked at', async () => {
  const dir = tempDir();
  const taken = join(dir, 'load.2.heapsnapshot');
  writeFileSync(taken, 'mine');
  const files = [join(dir, 'load.1.heapsnapshot'), taken];
  await assert.rejects(captureSnapshots({ pid: NO_SUCH_PID, files }), (err: unknown) => {
    assert.ok(err instanceof LeakscanError);
    assert.equal(err.message, `${taken}: exists; choose another name (leakscan never replaces a file)`);
    assert.equal(err.exitCode, ExitCode.BadInput);
    return true;
  });
});

test('capture: a snapshot name under a file is refused before the process is looked at', async () => {
  const dir = tempDir();
  const notAFolder = join(dir, 'plain');
  writeFileSync(notAFolder, 'mine');
  const file = join(notAFolder, 'x.heapsnapshot');
  await assert.rejects(captureSnapshots({ pid: NO_SUCH_PID, files: [file] }), (err: unknown) => {
    assert.ok(err instanceof LeakscanError);
    assert.equal(err.message, `${file}: a parent of this path is not a directory`);
    assert.equal(err.exitCode, ExitCode.BadInput);
    return true;
  });
});

test('capture: a snapshot name in a folder that does not exist is refused before the process is looked at', async () => {
  const dir = tempDir();
  const missing = join(dir, 'no-such-folder');
  const files = [join(missing, 'load.1.heapsnapshot'), join(missing, 'load.2.heapsnapshot')];
  await assert.rejects(captureSnapshots({ pid: NO_SUCH_PID, files }), (err: unknown) => {
    assert.ok(err instanceof LeakscanError);
    assert.equal(err.message, `${missing}: no such file or directory`);
    assert.equal(err.exitCode, ExitCode.BadInput);
    return true;
  });
});
