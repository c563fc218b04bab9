// The pure parts of "where in my code", table-driven: DevTools' shape naming
// rules (engine/shapes.ts) and how a script name reads in text reports.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { inferShapeDefinitions, type ObjectSignatures, shapeMatcher } from '../src/engine/shapes.js';
import { formatAllocationStack, formatLocation, scriptLabel } from '../src/report/format.js';

const signatures = (shapes: Array<[string[], number]>, plainObjects?: number): ObjectSignatures => ({
  ofNode: new Int32Array(0),
  properties: shapes.map(([properties]) => properties),
  counts: shapes.map(([, count]) => count),
  firstOrdinals: shapes.map((_, i) => i),
  plainObjects: plainObjects ?? shapes.reduce((sum, [, count]) => sum + count, 0),
});

describe('object shapes as DevTools infers and applies them', () => {
  test('a shape is a class when at least 2 objects and 1 in 1,000 plain objects have it, most objects first', () => {
    const defs = inferShapeDefinitions(
      signatures([
        [['a', '__proto__'], 1],
        [['user', 'path', '__proto__'], 3],
        [['x', 'y'], 2],
        [['__proto__'], 50],
      ]),
    );
    assert.deepEqual(
      defs.map((d) => d.name),
      ['{user, path}', '{x, y}'],
    );
    assert.deepEqual(inferShapeDefinitions(signatures([[['x'], 2]], 3000)), [], '2 of 3,000 is below 1 in 1,000');
  });

  test('names with , " \' { } are quoted; a long name stops adding properties at 120 characters', () => {
    const [quoted] = inferShapeDefinitions(signatures([[['a,b', 'c'], 2]]));
    assert.equal(quoted.name, '{"a,b", c}');
    const long = Array.from({ length: 30 }, (_, i) => `property${i}`);
    const [cut] = inferShapeDefinitions(signatures([[long, 2]]));
    // As in DevTools, the check comes before the ", " and the closing brace: a few characters past 120.
    assert.ok(cut.properties.length < long.length && cut.name.length <= 123, cut.name);
    const next = long[cut.properties.length];
    assert.ok(cut.name.length - 1 + next.length > 120, 'the next property would pass 120');
    assert.deepEqual(cut.properties, long.slice(0, cut.properties.length));
  });

  test('an object falls in the definition with the most properties it has all of; ties go to the first', () => {
    const match = shapeMatcher([
      { name: '{a}', properties: ['a'] },
      { name: '{a, b}', properties: ['a', 'b'] },
      { name: '{b, a}', properties: ['b', 'a'] },
      { name: '{c}', properties: ['c'] },
    ]);
    const cases: Array<[string[], string]> = [
      [['a', 'b', 'z'], '{a, b}'],
      [['b', 'a'], '{a, b}'],
      [['a', '__proto__'], '{a}'],
      [['c', 'a'], '{a}'],
      [['z'], 'Object'],
      [[], 'Object'],
    ];
    for (const [properties, name] of cases) assert.equal(match(properties), name, properties.join(','));
  });
});

describe('script names in text reports', () => {
  const cwd = join('/', 'home', 'me', 'app');
  test('relative under the current folder, a file URL as its path, a page script as its URL path', () => {
    const cases: Array<[string, string]> = [
      [join(cwd, 'src', 'bus.js'), join('src', 'bus.js')],
      [pathToFileURL(join(cwd, 'src', 'bus.mjs')).href, join('src', 'bus.mjs')],
      [join('/', 'opt', 'lib.js'), join('/', 'opt', 'lib.js')],
      ['https://example.com/static/app.js?v=3', '/static/app.js'],
      ['node:internal/timers', 'node:internal/timers'],
      ['', ''],
    ];
    for (const [script, label] of cases) assert.equal(scriptLabel(script, cwd), label, script);
  });

  test('file:line, and frames innermost first with (anonymous) for unnamed functions', () => {
    assert.equal(formatLocation({ script: join(cwd, 'a.js'), line: 20, column: 3 }, cwd), 'a.js:20');
    assert.equal(formatLocation(null), '');
    const stack = {
      count: 412,
      size: 0,
      frames: [
        { functionName: 'subscribe', script: join(cwd, 'src', 'bus.js'), line: 18, column: 1 },
        { functionName: '', script: join(cwd, 'src', 'client.js'), line: 40, column: 5 },
        { functionName: 'main', script: '', line: 0, column: 0 },
        { functionName: 'start', script: '', line: 0, column: 0 },
      ],
    };
    assert.equal(
      formatAllocationStack(stack, 3, cwd),
      `412 allocated in subscribe (${join('src', 'bus.js')}:18) ← (anonymous) (${join('src', 'client.js')}:40) ← main ← …`,
    );
  });
});
