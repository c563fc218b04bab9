// Every reporter names a place in the code alike: the HTML report as the
// terminal (format.ts's formatLocation), relative to the working folder.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { formatAllocationStack, formatLocation } from '../src/report/format.js';
import { locationText, stackText } from '../src/report/html.js';

const here = (file: string): string => pathToFileURL(join(process.cwd(), file)).href;

test('the HTML report shows a script under the working folder relative to it, as the terminal does', () => {
  const location = { script: here('src/app.js'), line: 12, column: 3 };
  assert.equal(formatLocation(location), join('src', 'app.js:12'));
  assert.equal(locationText(location), formatLocation(location));
  assert.equal(locationText({ script: 'file:///elsewhere/app.js', line: 3, column: 1 }), '/elsewhere/app.js:3');
  assert.equal(locationText({ script: '', line: 0, column: 0 }), null);
  assert.equal(locationText(null), null);
});

test('the HTML report words an allocation stack as the terminal does, with more frames', () => {
  const frames = Array.from({ length: 10 }, (_, i) => ({
    functionName: `f${i}`,
    script: here(`src/f${i}.js`),
    line: i + 1,
    column: 1,
  }));
  const stack = { count: 300, size: 36_000, frames: frames.slice(0, 2) };
  assert.equal(stackText(stack), formatAllocationStack(stack, 8));
  assert.match(stackText(stack), /^300 allocated in f0 \(src.f0\.js:1\) ← f1 \(src.f1\.js:2\)$/);
  assert.match(stackText({ ...stack, frames }), / ← f7 \(src.f7\.js:8\) ← … 2 more$/);
  assert.match(stackText({ ...stack, frames: [] }), /allocated in \(unknown\)$/);
});
