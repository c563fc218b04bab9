// --redact and --redact-names apply to every name of every report of a
// bundle the rule they apply to the snapshots: shape class names composed of
// short, quoted or escaped property names included. The test walks every
// string of report.json, and reads report.md and report.html.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { runCli, tempDir } from './helpers.js';

const dir = tempDir();
const SECRETS = ['p-48213', 'a"b\\c'];
const SHORT_NAMES = ['ssn', 'dob', 'hivPos'];

/** Every string in `value`, keys included. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  return out;
}

before(() => {
  const program = `
    const v8 = require('v8');
    globalThis.kept = [];
    v8.writeHeapSnapshot(${JSON.stringify(join(dir, 'before.heapsnapshot'))});
    for (let i = 0; i < 3000; i++)
      kept.push({ 'p-48213': 'v' + i, ssn: i, dob: i + 1, hivPos: i % 2 === 0, 'a"b\\\\c': i });
    v8.writeHeapSnapshot(${JSON.stringify(join(dir, 'after.heapsnapshot'))});`;
  execFileSync(process.execPath, ['-e', program]);
});

describe('redaction of the reports of a bundle', () => {
  for (const [flag, hidden] of [
    ['--redact', SECRETS],
    ['--redact-names', [...SECRETS, ...SHORT_NAMES]],
  ] as const) {
    test(`${flag}: no planted name survives in report.json, report.md or report.html`, async () => {
      const out = join(tempDir(), 'bundle');
      const r = await runCli([
        'bundle',
        join(dir, 'before.heapsnapshot'),
        join(dir, 'after.heapsnapshot'),
        '-o',
        out,
        flag,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as unknown;
      const all = strings(json);
      assert.ok(
        all.some((s) => /^\{.*<redacted .*\}$/.test(s)),
        `the shape class is in the report: ${all.filter((s) => s.startsWith('{')).slice(0, 5)}`,
      );
      for (const text of all) {
        for (const secret of hidden) {
          const found = SHORT_NAMES.includes(secret)
            ? new RegExp(`(^|[^\\w$])${secret}([^\\w$]|$)`).test(text)
            : text.includes(secret) || text.includes(JSON.stringify(secret).slice(1, -1));
          assert.ok(!found, `${JSON.stringify(secret)} survives in report.json: ${JSON.stringify(text)}`);
        }
      }
      for (const file of ['report.md', 'report.html']) {
        const text = readFileSync(join(out, file), 'utf8');
        for (const secret of ['p-48213', ...(flag === '--redact-names' ? ['hivPos'] : [])])
          assert.ok(!text.includes(secret), `${secret} survives in ${file}`);
      }
    });
  }
});
