// Retainer paths as text: Blink's C++ type names, hundreds of characters of
// template arguments, read as `Name<…>`; DOM elements and JavaScript names as
// the snapshot has them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPath, holderLine, shortNativeName } from '../src/report/path.js';
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
