// Crafted snapshot files: memory is spent on what the file holds, never on
// what its header claims, and a table too big to load ends in one exit-2 line
// naming the section (not V8's "invalid size error" crash).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { plannedHeapMb } from '../src/commands/heap-limit.js';
import { readRawSnapshot } from '../src/engine/reader.js';
import { runCli, tempDir } from './helpers.js';

const dir = tempDir();
const META = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
  node_types: [['hidden', 'array', 'string', 'object'], 'string', 'number', 'number', 'number', 'number', 'number'],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [['context', 'element', 'property', 'internal'], 'string_or_number', 'node'],
};

function header(nodeCount: number, edgeCount: number): string {
  return `{"snapshot":{"meta":${JSON.stringify(META)},"node_count":${nodeCount},"edge_count":${edgeCount}},`;
}

/** A gzip file of several members (valid gzip: each member is inflated in turn), `body` repeated `times`. */
function gzipMembers(file: string, head: string, body: string, times: number, tail: string): void {
  const member = gzipSync(Buffer.from(body), { level: 9 });
  writeFileSync(file, Buffer.concat([gzipSync(head), ...Array.from({ length: times }, () => member), gzipSync(tail)]));
}

describe('crafted snapshot files', () => {
  test('a small .gz whose "strings" holds 140 M empty strings: one exit-2 line naming the section', async () => {
    const file = join(dir, 'strings-bomb.heapsnapshot.gz');
    // 1 node, 0 edges; then 140 × 1 M empty strings (420 MB inflated, a few hundred KB on disk).
    const million = '"",'.repeat(1_000_000);
    gzipMembers(file, `${header(1, 0)}"nodes":[3,0,1,0,0,0,0],"edges":[],"strings":[`, million, 140, '""]}');
    const r = await runCli(['inspect', file], { timeoutMs: 100_000 });
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^leakscan: .*strings-bomb\.heapsnapshot\.gz: "strings" holds more than \d+ strings/);
  });

  test('a header claiming 100 M nodes over a file of one: the content decides, no memory for the claim', async () => {
    const file = join(dir, 'claim.heapsnapshot.gz');
    // 100 M nodes × 7 fields would be 2.8 GB of numbers: the reader must not reserve it on the header's word.
    writeFileSync(file, gzipSync(`${header(100_000_000, 0)}"nodes":[3,0,1,0,0,0,0],"edges":[],"strings":["a"]}`));
    const before = process.memoryUsage().arrayBuffers;
    await assert.rejects(readRawSnapshot(file), /node count does not match: "nodes" has 7 numbers/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 2 ** 20, 'no large array allocated');
  });

  test('junk after the closing brace is refused', async () => {
    const file = join(dir, 'junk.heapsnapshot');
    writeFileSync(file, `${header(1, 0)}"nodes":[3,0,1,0,0,0,0],"edges":[],"strings":["a"]} \n{"more":1}`);
    const r = await runCli(['inspect', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^leakscan: .*junk\.heapsnapshot: not a heap snapshot \(more data after the closing "}"\)$/m,
    );
    // Whitespace after it is fine.
    writeFileSync(file, `${header(1, 0)}"nodes":[3,0,1,0,0,0,0],"edges":[],"strings":["a"]}\n\n`);
    await readRawSnapshot(file);
  });

  test('the larger-heap rerun leaves room for the typed arrays outside the V8 heap', () => {
    const GB = 2 ** 30;
    // memlab on a 500 MB snapshot wants ~7 GB of heap; on an 8 GB machine the typed arrays need ~1 GB too.
    for (const [bytes, engine, total] of [
      [500 * 2 ** 20, 'memlab', 8 * GB],
      [2 * GB, 'leakscan', 8 * GB],
      [1 * GB, 'memlab', 16 * GB],
    ] as const) {
      const heapBytes = plannedHeapMb(bytes, engine, total) * 2 ** 20;
      assert.ok(heapBytes + 2 * bytes <= 0.8 * total, `${engine} ${bytes}: heap ${heapBytes} + typed arrays fit`);
      assert.ok(heapBytes >= 256 * 2 ** 20);
    }
  });
});
