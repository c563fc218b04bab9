// Scenarios that fail in the ways real code does: each gets its own clear
// line naming what happened and when, and the others still run.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { RunResult } from '../src/types.js';
import { fixture, runCli, tempDir } from './helpers.js';

const FILES = ['exits', 'timer-throws', 'throws-object', 'rejects', 'throws-escapes'].map((name) =>
  fixture(`failures/${name}.mjs`),
);
let code: number;
let stderr: string;
let result: RunResult;

before(async () => {
  const r = await runCli(
    ['run', '--json', '-n', '3', '--batch', '1', '--interval', '10', '--out', tempDir(), ...FILES],
    { env: { CI: 'true' } },
  );
  code = r.code;
  stderr = r.stderr;
  result = JSON.parse(r.stdout) as RunResult;
});

const failureLine = (name: string): string => {
  const lines = stderr.split('\n').filter((line) => line.startsWith(`leakscan: ${name}: failed — `));
  assert.equal(lines.length, 1, stderr);
  return lines[0];
};

describe('scenarios that fail', () => {
  test('all five are reported as failed, exit 2', () => {
    assert.equal(code, 2, stderr);
    assert.deepEqual(
      result.scenarios.map((s) => [s.name, s.status]),
      [
        ['exits', 'failed'],
        ['timer-throws', 'failed'],
        ['throws-object', 'failed'],
        ['rejects', 'failed'],
        ['throws-escapes', 'failed'],
      ],
    );
  });

  test('process.exit() in a call', () => {
    assert.match(
      failureLine('exits'),
      /its process exited \(code 0\) in without-gc pass, iteration 3 of 3: did the scenario call process\.exit\(\)\?/,
    );
  });

  test('an exception thrown by a timer, outside any call', () => {
    assert.match(
      failureLine('timer-throws'),
      /an uncaught exception outside its calls \(a timer, an event handler\) in without-gc pass, iteration [23] of 3: Error: boom in a timer$/,
    );
  });

  test("an error message's control characters are shown escaped, never sent to the terminal", () => {
    assert.match(failureLine('throws-escapes'), /bad \\x1b\]0;pwned\\x07input \\x1b\[31mred\\x1b\[0m$/);
    assert.doesNotMatch(stderr, /\u001b/);
  });

  test('a thrown value that is not an Error', () => {
    assert.match(
      failureLine('throws-object'),
      /threw in run: a non-Error value: \{ code: 42, reason: 'a plain object' \}$/,
    );
  });

  test('a promise rejection nobody handles', () => {
    assert.match(
      failureLine('rejects'),
      /a promise rejection nobody handled in without-gc pass, iteration [23] of 3: Error: nobody handles this$/,
    );
  });
});
