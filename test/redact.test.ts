// The report filter of --redact on data no snapshot holds (a failed scenario's
// error message and warnings, the local paths of the snapshots), and on the
// sentences leakscan words from a snapshot's names and places.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { test } from 'node:test';
import { runtimeOfNames } from '../src/analysis/snapshot-meta.js';
import { Redactor } from '../src/bundle/redact.js';
import { classNameOf } from '../src/classes.js';
import { readSnapshot } from '../src/engine/index.js';
import { buildGraph, type EdgeSpec, node } from './graph-builder.js';

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

test("a finding's sentence keeps leakscan's words and loses the file it names", () => {
  // The snapshot holds Node's own " added to " and "(anonymous)" as string values, and the
  // script of the user's class, whose path the summary shows relative to the working folder.
  const script = join(process.cwd(), 'acme-bank-export', 'app.mjs');
  const graph = buildGraph({
    nodes: [
      node('', 0, 'synthetic'),
      node('Session'),
      node(' added to ', 0, 'string'),
      node('(anonymous)', 0, 'string'),
      node(script, 0, 'string'),
    ],
    edges: [
      [0, 'Session', 'property', 'byToken'],
      ['Session', ' added to ', 'property', 'words'],
      ['Session', '(anonymous)', 'property', 'name'],
      ['Session', script, 'property', 'script'],
    ],
  });
  const redactor = new Redactor();
  redactor.collect(graph);
  for (const text of graph.strings.toArray()) redactor.replace(text); // as writing the snapshots does
  const site = { script, line: 11, column: 3 };
  const label = `acme-bank-export${sep}app.mjs:11`;
  const finding = redactor.data({
    pattern: 'collection',
    leaked: { name: 'Session', type: 'object', count: 200, retainedSize: 60800, location: site },
    holder: { name: 'byToken', nodeId: 5 },
    site,
    summary: `200 Session (${label}) added to byToken and never removed (59.4 KB).`,
    fix: 'Bound or evict the entries of byToken (an LRU cache with a max size, or delete each entry when it is done).',
  });
  const closures = redactor.data({ name: '(anonymous)', type: 'closure', added: 200 });
  // A page's inline script is named by its URL, whose path "/" is no place to replace in other names.
  const page = redactor.data({
    location: { script: 'https://example.com/', line: 3, column: 1 },
    summary: '20 Dialog held by system / Context (2.00 KB).',
  });
  assert.equal(page.summary, '20 Dialog held by system / Context (2.00 KB).');
  assert.ok(!JSON.stringify(finding).includes('acme-bank-export'), JSON.stringify(finding));
  assert.match(finding.summary, /^200 Session \(<redacted 17–64 chars #\d+>:11\) added to byToken and never removed/);
  assert.equal(finding.summary.replace(/^.*?:11\)/, ''), ' added to byToken and never removed (59.4 KB).');
  assert.equal(finding.site.script, finding.leaked.location.script);
  assert.ok(finding.summary.includes(`(${finding.site.script}:11)`), 'the same replacement as the site');
  assert.equal(
    finding.fix,
    'Bound or evict the entries of byToken (an LRU cache with a max size, or delete each entry when it is done).',
  );
  assert.equal(closures.name, '(anonymous)');
});

test('--redact-names: element indexes (an object keyed by account numbers) become pseudonymous numbers, alike in every file', async () => {
  const spec = {
    nodes: [node('', 0, 'synthetic'), node('Object'), node('Account')],
    edges: [
      [0, 'Object', 'property', 'bySsn'],
      ['Object', 'Account', 'element', 123456704],
    ] as EdgeSpec[],
  };
  const dir = mkdtempSync(join(tmpdir(), 'leakscan-redact-'));
  try {
    const written = async (redactor: Redactor, name: string): Promise<string[]> => {
      redactor.collect(buildGraph(spec));
      await redactor.write(buildGraph(spec), join(dir, name));
      const graph = await readSnapshot(join(dir, name));
      return Array.from({ length: graph.edgeCount }, (_, e) => graph.edgeName(e));
    };
    const names = new Redactor({ names: true });
    const before = await written(names, 'before.heapsnapshot');
    const after = await written(names, 'after.heapsnapshot');
    assert.ok(!before.includes('123456704'), before.join());
    assert.deepEqual(after, before, 'the same replacement in both snapshots');
    const step = names.data({
      nodeId: 5,
      name: 'Account',
      type: 'object',
      edge: { type: 'element', name: '123456704' },
    });
    assert.equal(step.edge.name, before[1]);
    // --redact alone keeps numbers used as names, as documented.
    assert.ok((await written(new Redactor(), 'plain.heapsnapshot')).includes('123456704'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a page's structured names keep their structure: the Window's kind, an element's tag", () => {
  const url = 'https://app.example/account?session=Zq9vX2mL7pQ4';
  const graph = buildGraph({
    nodes: [
      node('', 0, 'synthetic'),
      node(`Window [JSGlobalObject] / ${url}`, 0, 'object'),
      node(`Window / ${url}`, 0, 'native'),
      node('<div class="customer-acme-bank" data-ssn="123-45-6789">', 0, 'native'),
      node('Detached <li data-token="eyJhbGciOi">', 0, 'native'),
      node('<br>', 0, 'native'),
      node(`HTMLDivElement (prototype) / ${url}`, 0, 'object'),
      node('system / Context / scope @457', 0, 'object'),
      node('blink::HeapVectorBacking<cppgc::internal::BasicMember<blink::Node>>', 0, 'native'),
    ],
    edges: [
      [0, 1, 'element', 1],
      [0, 2, 'element', 2],
      [1, 3, 'property', 'a'],
      [1, 4, 'property', 'b'],
      [1, 5, 'property', 'c'],
    ],
  });
  const redactor = new Redactor();
  redactor.collect(graph);
  const names = graph.strings.toArray().map((text) => redactor.replace(text));
  const text = names.join('\n');
  for (const secret of ['Zq9vX2mL', 'customer-acme', '123-45', 'eyJhbGci', 'app.example'])
    assert.ok(!text.includes(secret), text);
  assert.match(redactor.replace(`Window [JSGlobalObject] / ${url}`), /^Window \[JSGlobalObject\] \/ <redacted [^>]*>$/);
  assert.equal(redactor.replace(`Window / ${url}`).replace(/^Window \/ /, ''), redactor.replace(url));
  assert.equal(
    runtimeOfNames([], () => names),
    'browser',
  );
  assert.equal(
    classNameOf('native', redactor.replace('<div class="customer-acme-bank" data-ssn="123-45-6789">')),
    '<div>',
  );
  assert.equal(classNameOf('native', redactor.replace('Detached <li data-token="eyJhbGciOi">')), 'Detached <li>');
  assert.equal(redactor.replace('<br>'), '<br>');
  assert.match(redactor.replace(`HTMLDivElement (prototype) / ${url}`), /^HTMLDivElement \(prototype\) \/ <redacted/);
  assert.equal(redactor.replace('system / Context / scope @457'), 'system / Context / scope @457');
  // Blink's C++ types are the browser's vocabulary (classes.ts isBrowserInternal reads them).
  const cpp = 'blink::HeapVectorBacking<cppgc::internal::BasicMember<blink::Node>>';
  assert.equal(redactor.replace(cpp), cpp);
});
