// Retainer paths as text: Blink's C++ type names, hundreds of characters of
// template arguments, read as `Name<…>`; DOM elements and JavaScript names as
// the snapshot has them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingPath, formatPath, holderLine, shortNativeName } from '../src/report/path.js';
import type { HolderGroup, RetainerPath } from '../src/types.js';

const BACKING =
  'blink::HeapHashTableBacking<blink::HashTable<int, blink::KeyValuePair<int, cppgc::internal::BasicMember<blink::DOMTimer, cppgc::internal::StrongMemberTag>>, blink::HeapAllocator>>';

test('a long C++ template name keeps its type and drops its arguments', () => {
  assert.equal(shortNativeName(BACKING), 'blink::HeapHashTableBacking<…>');
  assert.equal(shortNativeName(`${BACKING} suffix`), 'blink::HeapHashTableBacking<…> suffix');
});

test('short names, DOM elements and unbalanced names are left alone', () => {
  assert.equal(shortNativeName('blink::Vector<int>'), 'blink::Vector<int>');
  const div = `Detached <div class="${'x'.repeat(80)}">`;
  assert.equal(shortNativeName(div), div);
  const open = `blink::Thing<${'a'.repeat(80)}`;
  assert.equal(shortNativeName(open), open);
});

test('in a path, only native steps are shortened', () => {
  const path: RetainerPath = [
    { nodeId: 1, name: 'Window / file://', type: 'native', edge: null },
    { nodeId: 2, name: BACKING, type: 'native', edge: { type: 'element', name: '1' } },
    { nodeId: 3, name: BACKING, type: 'object', edge: { type: 'property', name: 'odd' } },
  ];
  assert.equal(formatPath(path), `Window / file:// @1 → [1] blink::HeapHashTableBacking<…> @2 → .odd ${BACKING} @3`);
});

test("a group of objects under a dictionary's keys is inside the dictionary, not at the sample's key", () => {
  const path: RetainerPath = [
    { nodeId: 1, name: 'global', type: 'object', edge: null },
    { nodeId: 2, name: 'Object', type: 'object', edge: { type: 'property', name: 'parsedById' } },
    { nodeId: 3, name: 'ParsedRecord', type: 'object', edge: { type: 'property', name: 'rec-128' } },
  ];
  const group = (count: number): HolderGroup => ({
    count,
    retainedSize: 2048,
    heldBy: 'program',
    holder: { nodeId: 2, name: 'Object', type: 'object' },
    sampleNodeId: 3,
    retainerPath: path,
  });
  assert.equal(holderLine(group(400)), '400 in parsedById[…] (Object @2), 2.00 KB retained');
  assert.equal(holderLine(group(1)), '1 in parsedById["rec-128"] (Object @2), 2.00 KB retained');
});

test("a finding's path shows its holder and the user's objects, Chrome's listener table as one elided step", () => {
  const step = (nodeId: number, name: string, type: string, edge: string | null = null): RetainerPath[number] => ({
    nodeId,
    name,
    type,
    edge: edge === null ? null : { type: /^\d+$/.test(edge) ? 'element' : 'property', name: edge },
  });
  const retainerPath: RetainerPath = [
    step(1, '(GC roots)', 'synthetic'),
    step(2, 'Window / file://', 'object', '1'),
    step(3, 'HTMLDocument', 'native', 'document'),
    step(4, 'blink::EventTargetData', 'native', '59'),
    step(5, BACKING, 'native', '1'),
    step(6, 'blink::RegisteredEventListener', 'native', '3'),
    step(7, 'EventListener', 'native', '1'),
    step(8, 'V8EventListener', 'native', '1'),
    step(9, 'native_bind', 'closure', '1'),
    step(10, 'Prompt', 'object', 'bound_this'),
    step(11, 'Detached <div>', 'native', 'el'),
  ];
  const shown = findingPath({ retainerPath, holder: { name: 'document', nodeId: 3, location: null } });
  assert.deepEqual(
    shown.map((s) => s.name),
    [
      '(GC roots)',
      'Window / file://',
      'HTMLDocument',
      "… 5 of Chrome's own records …",
      'native_bind',
      'Prompt',
      'Detached <div>',
    ],
  );
  assert.equal(shown[3].type, 'elided');
  // One or two of Chrome's records between the user's objects stay as they are: they say which edge holds.
  const short = [...retainerPath.slice(0, 4), ...retainerPath.slice(8)];
  assert.deepEqual(
    findingPath({ retainerPath: short, holder: { name: 'document', nodeId: 3, location: null } }).map((s) => s.nodeId),
    [1, 2, 3, 4, 9, 10, 11],
  );
  // Longer than a report shows: the steps down to the holder, then the last ones, never the holder cut off.
  const long = [
    ...retainerPath.slice(0, 3),
    ...Array.from({ length: 12 }, (_, i) => step(20 + i, 'Node', 'object', 'next')),
  ];
  const cut = findingPath({ retainerPath: long, holder: { name: 'document', nodeId: 3, location: null } });
  assert.deepEqual(
    cut.map((s) => s.name),
    ['(GC roots)', 'Window / file://', 'HTMLDocument', '… 8 steps …', 'Node', 'Node', 'Node', 'Node'],
  );
});
