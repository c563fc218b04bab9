// The oracle: on real snapshots, written here by child Node processes, every
// node's immediate dominator and retained size equal those of Chrome
// DevTools' own heap engine (heap-snapshot-toolkit), which is what users
// compare our numbers with.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nodesUnlikeDevTools } from './devtools-oracle.js';
import { tempDir } from './helpers.js';

const dir = tempDir();

/** Runs `program` (written to a file with this extension) in a child Node; it gets the snapshot path as argv[2] and must write it. */
function snapshotOf(name: string, extension: 'cjs' | 'mjs', program: string): Promise<string> {
  const script = join(dir, `${name}.${extension}`);
  const file = join(dir, `${name}.heapsnapshot`);
  writeFileSync(script, program);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, file], { timeout: 120_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${name}: ${stderr || err.message}`));
      else resolve(file);
    });
  });
}

const SCENARIOS: Array<{ name: string; extension: 'cjs' | 'mjs'; program: string }> = [
  {
    name: 'http-server',
    extension: 'cjs',
    program: `
      const http = require('node:http');
      const v8 = require('node:v8');
      const sessions = new Map();
      const server = http.createServer((req, res) => {
        sessions.set(req.url, { url: req.url, at: Date.now(), body: 'x'.repeat(2000) });
        res.setHeader('content-type', 'text/plain');
        res.end('hello ' + req.url);
      });
      server.listen(0, '127.0.0.1', async () => {
        const { port } = server.address();
        const agent = new http.Agent({ keepAlive: true });
        for (let i = 0; i < 8; i++) {
          await new Promise((resolve, reject) => {
            http.get({ host: '127.0.0.1', port, path: '/r' + i, agent }, (res) => {
              res.resume();
              res.on('end', resolve);
            }).on('error', reject);
          });
        }
        v8.writeHeapSnapshot(process.argv[2]);
        agent.destroy();
        server.close();
      });`,
  },
  {
    name: 'linked-list',
    extension: 'mjs',
    program: `
      import { writeHeapSnapshot } from 'node:v8';
      let list = null;
      for (let i = 0; i < 50_000; i++) list = { next: list, value: i, label: 'link' + (i % 100) };
      export const head = list;
      writeHeapSnapshot(process.argv[2]);`,
  },
  {
    name: 'diamonds',
    extension: 'cjs',
    program: `
      const diamonds = [];
      for (let i = 0; i < 2000; i++) {
        const shared = { payload: new Array(64).fill(i) };
        const left = { side: 'left', shared };
        const right = { side: 'right', shared };
        diamonds.push({ top: { left, right } });
        // Every tenth join is also held from a second diamond.
        if (i % 10 === 9) diamonds[i - 1].extra = shared;
      }
      globalThis.diamonds = diamonds;
      require('node:v8').writeHeapSnapshot(process.argv[2]);`,
  },
  {
    name: 'closures',
    extension: 'cjs',
    program: `
      function make(i) {
        const big = new Array(500).fill(i);
        const text = 'context-' + i + '-'.repeat(300);
        const read = () => big.length;
        const show = () => text.length;
        return i % 2 ? [read, show] : [read];
      }
      const kept = [];
      for (let i = 0; i < 500; i++) kept.push(...make(i));
      module.exports = kept;
      globalThis.keep = kept;
      require('node:v8').writeHeapSnapshot(process.argv[2]);`,
  },
  {
    name: 'weak-holders',
    extension: 'cjs',
    program: `
      class Key { constructor(i) { this.i = i; } }
      class Value { constructor(i) { this.data = new Array(1000).fill(i); } }
      class Target { constructor() { this.data = new Array(2000).fill(7); } }
      const keys = [];
      const map = new WeakMap();
      for (let i = 0; i < 50; i++) { const key = new Key(i); keys.push(key); map.set(key, new Value(i)); }
      globalThis.keys = keys;
      globalThis.map = map;
      // Created in this job, so V8 still keeps the target for the job (its KeepDuringJob set).
      globalThis.refs = [new WeakRef(new Target()), new WeakRef({ note: 'otherwise unreferenced' })];
      globalThis.finals = new FinalizationRegistry(() => {});
      globalThis.finals.register(new Target(), 'held');
      require('node:v8').writeHeapSnapshot(process.argv[2]);`,
  },
];

describe('dominators and retained sizes equal DevTools on real snapshots', () => {
  for (const { name, extension, program } of SCENARIOS) {
    test(name, async () => {
      const file = await snapshotOf(name, extension, program);
      const { nodeCount, count, first } = await nodesUnlikeDevTools(file);
      assert.equal(count, 0, `${count} of ${nodeCount} nodes differ from DevTools:\n${first.join('\n')}`);
    });
  }
});
