// The report filter of --redact on data no snapshot holds: a failed
// scenario's error message and warnings, the local paths of the snapshots.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redactor } from '../src/bundle/redact.js';

test('messages and paths of a run report are redacted, leakscan words stay', () => {
  const redactor = new Redactor();
  redactor.alias('/home/me/sk_live_x/a.before.heapsnapshot', 'snapshots/a.before.heapsnapshot.gz');
  const report = redactor.data({
    scenarios: [
      {
        name: 'login',
        status: 'failed',
        type: 'object',
        verdict: 'login: failed — TypeError: bad token sk_live_x',
        error: 'TypeError: bad token sk_live_x',
        warnings: ['MaxListenersExceededWarning: sk_live_x'],
        snapshots: { before: '/home/me/sk_live_x/a.before.heapsnapshot' },
      },
    ],
  });
  const text = JSON.stringify(report);
  assert.ok(!text.includes('sk_live_x'), text);
  const [s] = report.scenarios;
  assert.match(s.error, /^TypeError: <redacted 17–64 chars #\d+>$/);
  assert.match(s.verdict, /^login: failed — TypeError: <redacted/);
  assert.equal(s.status, 'failed');
  assert.equal(s.snapshots.before, 'snapshots/a.before.heapsnapshot.gz');
});
