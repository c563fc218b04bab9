// The argument rules of the commands (commands/checks.ts): pure functions, the messages the user reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCount, checkPositive } from '../src/commands/checks.js';

test('whole numbers: the message names the option and what was given', () => {
  assert.equal(checkCount({ top: 0 }, ['top']), true);
  assert.equal(checkPositive({ jobs: 2, top: undefined }, ['jobs', 'top']), true);
  assert.throws(() => checkPositive({ jobs: 0 }, ['jobs']), { message: '--jobs must be a whole number ≥ 1, got 0' });
  assert.throws(() => checkCount({ top: 1.5 }, ['top']), { message: '--top must be a whole number ≥ 0, got 1.5' });
  // yargs reads `--top many` as NaN: the user typed no "NaN".
  assert.throws(() => checkCount({ top: Number.NaN }, ['top']), {
    message: '--top must be a whole number ≥ 0, got something that is not a number',
  });
});
