// Findings on real leaks: each pattern as a small program (on the npm library
// where the pattern lives in one) that writes a snapshot before and after its
// "requests", with a fixed twin that must give no finding. The first finding
// must be right on all five fields: pattern, what leaks, its holder as the
// user would type it, the place in their code, and a fix naming them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { diffSnapshots } from '../src/analysis/diff.js';
import { DEFAULT_LEAK_RULE } from '../src/analysis/leaks.js';
import { diffSeries } from '../src/analysis/series.js';
import { assertNoLeak, runScenarios } from '../src/index.js';
import { formatLocation } from '../src/report/format.js';
import type { DiffResult, Finding, ScenarioResult } from '../src/types.js';
import { fixture, root, tempDir } from './helpers.js';

/** Requests made between the snapshots. */
const REQUESTS = 120;

/**
 * Runs `body` (which defines `request(i)`, maybe async) as a CommonJS program:
 * a few warm-up requests, a snapshot, REQUESTS requests, a snapshot. Returns
 * the diff and the program's file (the user's code in the findings).
 */
async function diffOf(
  name: string,
  body: string,
  /** Files beside the program (a library in node_modules/), by path relative to its folder. */
  files: Record<string, string> = {},
): Promise<{ diff: DiffResult; file: string; source: string }> {
  const { diff, files: written, sources } = await diffOfAll([{ name, body, files }]);
  return { diff, file: written[0], source: sources[0] };
}

/**
 * diffOf for several programs at once: each body a module of its own in one
 * process, their requests made in turn (request i of each, then i + 1), so that
 * fixed twins that must all give no finding share one process and one diff.
 * Their files beside them share the folder (a library's path is the same for all).
 */
async function diffOfAll(
  programs: Array<{ name: string; body: string; files?: Record<string, string> }>,
): Promise<{ diff: DiffResult; files: string[]; sources: string[] }> {
  const dir = tempDir('leakscan-findings-');
  for (const [relative, text] of programs.flatMap((p) => Object.entries(p.files ?? {}))) {
    mkdirSync(dirname(join(dir, relative)), { recursive: true });
    writeFileSync(join(dir, relative), text);
  }
  const files = programs.map(({ name }) => join(dir, `${name}.js`));
  const header = `'use strict';
const v8 = require('v8');
const path = require('path');
`;
  // One program: the body and the driver in one file, the file the findings name. Several: a module each.
  const [only] = programs;
  const sources =
    programs.length === 1
      ? [`${header}${only.body}\n`]
      : programs.map(({ body }) => `${header}${body}\nmodule.exports = request;\n`);
  // One program calls its request(i) as before; several, each module's in turn.
  const call = (i: string): string =>
    programs.length === 1 ? `await request(${i})` : `for (const request of requests) await request(${i})`;
  const driver = `const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
(async () => {
  for (let i = 0; i < 5; i++) ${call('-1 - i')};
  await settle();
  global.gc();
  v8.writeHeapSnapshot(path.join(__dirname, 'before.heapsnapshot'));
  for (let i = 0; i < ${REQUESTS}; i++) ${call('i')};
  await settle();
  global.gc();
  v8.writeHeapSnapshot(path.join(__dirname, 'after.heapsnapshot'));
  process.exit(0);
})();
`;
  let file = files[0];
  if (programs.length === 1) {
    sources[0] += driver;
  } else {
    file = join(dir, 'main.js');
    const requires = files.map((f) => `require(${JSON.stringify(f)})`).join(', ');
    writeFileSync(file, `${header}const requests = [${requires}];\n${driver}`);
  }
  for (const [i, f] of files.entries()) writeFileSync(f, sources[i]);
  const name = programs.map((p) => p.name).join(', ');
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', file],
      { timeout: 120_000, env: { ...process.env, NODE_PATH: join(root, 'node_modules') } },
      (err, _stdout, stderr) => (err ? reject(new Error(`${name}: ${stderr || err.message}`)) : resolve()),
    );
  });
  const diff = await diffSnapshots(join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot'));
  return { diff, files, sources };
}

/** 1-based line of the first line of `source` containing `marker`. */
function lineOf(source: string, marker: string): number {
  const at = source.split('\n').findIndex((line) => line.includes(marker));
  assert.ok(at >= 0, `marker ${marker} in the fixture`);
  return at + 1;
}

function show(diff: DiffResult): string {
  return JSON.stringify(
    diff.findings.map((f) => ({ ...f, retainerPath: f.retainerPath.map((s) => `${s.edge?.name ?? ''} ${s.name}`) })),
    null,
    1,
  );
}

interface Case {
  name: string;
  leak: string;
  fixed: string;
  pattern: Finding['pattern'];
  leaked: string | RegExp;
  holder: string | RegExp;
  /**
   * The line of the site: the first line containing this marker. Without one, nothing of the user's is among
   * what leaks (runtime callbacks, a library's objects): the site, if any, is in the program.
   */
  siteMarker?: string;
  /** What the fix must name. */
  fix: RegExp[];
  /** What the summary must say (its first words name what leaks in the user's terms). */
  summary?: RegExp;
  /** Files beside the program: a library of the test's own in node_modules/. */
  files?: Record<string, string>;
  /** The only finding: the leak seen from no other holder. */
  only?: boolean;
}

const cases: Case[] = [
  {
    name: 'listener',
    leak: `const { EventEmitter } = require('events');
class MarketFeed extends EventEmitter {}
const marketFeed = new MarketFeed();
marketFeed.setMaxListeners(0);
class Subscription { constructor(id) { this.id = id; this.prices = new Array(20).fill(id); } }
function request(i) {
  const sub = new Subscription(i);
  const onTick = (price) => { sub.prices.push(price); }; // SITE
  marketFeed.on('tick', onTick);
  REMOVE
}`,
    fixed: "marketFeed.off('tick', onTick);",
    pattern: 'listener',
    leaked: 'Subscription',
    holder: 'marketFeed._events.tick',
    siteMarker: '// SITE',
    fix: [/'tick'/, /marketFeed/],
  },
  {
    name: 'event-target',
    leak: `const shutdown = new AbortController();
class Job { constructor(id) { this.id = id; this.rows = new Array(20).fill(id); } }
function request(i) {
  const job = new Job(i);
  const onAbort = () => { job.rows.length = 0; }; // SITE
  shutdown.signal.addEventListener('abort', onAbort);
  REMOVE
}`,
    fixed: "shutdown.signal.removeEventListener('abort', onAbort);",
    pattern: 'listener',
    leaked: 'Job',
    // V8 names the edge by AbortController's private field (#signal); the user types the getter's name.
    holder: /^shutdown\.signal\b/,
    siteMarker: '// SITE',
    fix: [/removeEventListener/, /shutdown\.signal\b/],
  },
  {
    name: 'timer',
    leak: `class UploadProgress { constructor(id) { this.id = id; this.chunks = new Array(10).fill(id); } }
function request(i) {
  const progress = new UploadProgress(i);
  const timer = setInterval(() => { progress.chunks.push(1); }, 3_600_000); // SITE
  REMOVE
}`,
    fixed: 'clearInterval(timer);',
    pattern: 'timer',
    leaked: 'UploadProgress',
    holder: /timer|_idleNext|_idlePrev/,
    siteMarker: '// SITE',
    fix: [/clearInterval/, /started at SITE/],
  },
  {
    // The timer keeps the request's AsyncLocalStorage store, not its callback: not "the callback keeps" it.
    name: 'timer-async-store',
    leak: `const { AsyncLocalStorage } = require('async_hooks');
const als = new AsyncLocalStorage();
class TraceContext { constructor(i) { this.traceId = 't' + i; this.spans = new Array(10).fill(i); } }
let ticks = 0;
function request(i) {
  als.run(new TraceContext(i), () => {
    const timer = setInterval(() => { ticks++; }, 3_600_000); // SITE
    REMOVE
  });
}`,
    fixed: 'clearInterval(timer);',
    pattern: 'timer',
    leaked: 'TraceContext',
    holder: /timer|_idleNext|_idlePrev/,
    siteMarker: '// SITE',
    fix: [/clearInterval/, /started at SITE/],
    summary: /^\d[\d,]* timers never cleared, each keeping a TraceContext \(started at /,
  },
  {
    // Generator objects are named by their function in the snapshot: "worker" alone reads as a class.
    name: 'generators',
    leak: `class Job { constructor(i) { this.id = i; this.payload = new Array(10).fill(i); } }
const active = [];
function* worker(job) { while (true) { const cmd = yield job.id; if (cmd === 'stop') return; } } // SITE
function request(i) {
  const g = worker(new Job(i));
  g.next();
  active.push(g);
  REMOVE
}`,
    fixed: 'if (active.length > 2) active.shift().return();',
    pattern: 'collection',
    leaked: 'worker',
    holder: 'active',
    siteMarker: '// SITE',
    fix: [/\bactive\b/],
    summary: /^\d[\d,]* worker\(\) generators \(\S+:\d+\) added to active and never removed \(/,
  },
  {
    // A FinalizationRegistry keeps its held values strongly: one that refers to its target keeps it for good.
    name: 'finalization-held-value',
    leak: `const registry = new FinalizationRegistry((held) => { if (typeof held === 'object') held.cleanup(); else live.delete(held); });
const live = new Set();
class Resource { constructor(i) { this.id = i; this.buf = new Array(10).fill(i); } } // SITE
function request(i) {
  const r = new Resource(i);
  registry.register(r, { resource: r, cleanup() { live.delete(this.resource.id); } }REMOVE);
}`,
    // The held value is the id alone (the record is made and dropped).
    fixed: ' && i',
    pattern: 'collection',
    leaked: 'Resource',
    holder: 'registry',
    siteMarker: '// SITE',
    fix: [/registry\.register\(\)/, /held value/],
    summary: /^\d[\d,]* Resource \(\S+:\d+\) registered in registry with a held value that keeps them: never collected/,
  },
  {
    // An async function that keeps what it reads in a local while it awaits the next: V8 keeps the local in the
    // suspended frame's registers (no name in the snapshot), reached through the promise it awaits. The user's
    // function, not V8's promise state, and not a variable of the promise's executor.
    name: 'async-function-local',
    leak: `class Row { constructor(i) { this.id = i; this.cells = new Array(10).fill(i); } } // SITE
let feed = () => {};
const nextRow = () => new Promise((resolve) => { feed = resolve; });
async function consumeRows() {
  const rows = [];
  for (;;) { const i = await nextRow(); rows.push(new Row(i)); REMOVE }
}
consumeRows();
async function request(i) { feed(i); await null; }`,
    fixed: 'if (rows.length > 3) rows.shift();',
    pattern: 'collection',
    leaked: 'Row',
    holder: /\bconsumeRows\(\)/,
    siteMarker: '// SITE',
    fix: [/consumeRows\(\)/],
    summary: /^\d[\d,]* Row \(\S+:\d+\) added to a local variable of consumeRows\(\) \(\S+:\d+\) and never removed/,
  },
  {
    // A scheduler keeps each job by name and in another module's list (node-schedule's scheduledJobs and
    // _invocations): the jobs' dominator is on no path to them. The holder is what the path reaches them from,
    // not the variable the user's callback captured.
    name: 'held-two-ways',
    files: {
      'node_modules/sched/index.js': `const { upcoming } = require('./upcoming');
const scheduledJobs = {};
let n = 0;
class Job {
  constructor(fn) { this.name = '<job ' + n++ + '>'; this.fn = fn; scheduledJobs[this.name] = this; upcoming.push({ job: this }); }
  cancel() { delete scheduledJobs[this.name]; upcoming.splice(upcoming.findIndex((u) => u.job === this), 1); }
}
module.exports = { Job, scheduledJobs, schedule: (fn) => new Job(fn) };
`,
      'node_modules/sched/upcoming.js': 'module.exports = { upcoming: [] };\n',
    },
    leak: `const sched = require('sched');
class Reminder { constructor(i) { this.user = 'u' + i; this.text = 'remember ' + i; } }
function request(i) {
  const reminder = new Reminder(i);
  const job = sched.schedule(() => reminder.text); // SITE
  REMOVE
}`,
    fixed: 'job.cancel();',
    pattern: 'listener',
    leaked: 'Reminder',
    holder: 'sched.scheduledJobs',
    siteMarker: '// SITE',
    fix: [/sched\.scheduledJobs/],
  },
  {
    // A cache of promises (DataLoader's, a memoised async loader): fulfilled long ago, each keeps its result. A
    // collection of results, not work waiting that never completes.
    name: 'settled-promise-cache',
    leak: `class Profile { constructor(i) { this.id = i; this.prefs = new Array(10).fill(i); } } // SITE
const loaded = new Map();
async function loadProfile(id) { return new Profile(id); }
async function request(i) {
  if (!loaded.has(i)) loaded.set(i, loadProfile(i));
  await loaded.get(i);
  REMOVE
}`,
    fixed: 'loaded.delete(i);',
    pattern: 'collection',
    leaked: 'Profile',
    holder: 'loaded',
    siteMarker: '// SITE',
    fix: [/\bloaded\b/],
  },
  {
    // A task queue as p-queue writes it: each task a closure of the library's whose scope keeps the resolving
    // functions of the promise add() returned. Work someone awaits, queued behind a task that never ends: not
    // callbacks registered.
    name: 'awaited-task-queue',
    files: {
      'node_modules/task-queue/index.js': `class TaskQueue {
  constructor(concurrency) { this.concurrency = concurrency; this.running = 0; this.pending = []; }
  add(fn) {
    return new Promise((resolve, reject) => {
      const run = async () => { this.running++; try { resolve(await fn()); } catch (e) { reject(e); } this.running--; this.next(); };
      this.pending.push(run);
      this.next();
    });
  }
  next() { if (this.running < this.concurrency && this.pending.length > 0) this.pending.shift()(); }
}
module.exports = { TaskQueue };
`,
    },
    leak: `const { TaskQueue } = require('task-queue');
const uploads = new TaskQueue(1);
class Upload { constructor(i) { this.id = i; this.chunks = new Array(10).fill(i); } }
function request(i) {
  const upload = new Upload(i);
  uploads.add(() => new Promise((resolve) => { upload.started = true; DONE })); // SITE
}`,
    fixed: 'setImmediate(resolve);',
    pattern: 'queue',
    leaked: 'Upload',
    holder: 'uploads.pending',
    siteMarker: '// SITE',
    fix: [/uploads\.pending/],
  },
  {
    // The user's listener is what leaks, keeping a library's connection (socket.io's Socket per client): the
    // summary says what each keeps, not that each keeps the callback itself.
    name: 'listener-keeps-library-object',
    files: {
      'node_modules/conn-lib/index.js': `class Connection {
  constructor(i) { this.id = i; this.buffers = new Array(20).fill(i); }
  send(data) { this.buffers[0] = data; }
}
module.exports = { Connection };
`,
    },
    leak: `const { EventEmitter } = require('events');
const { Connection } = require('conn-lib');
const feed = new EventEmitter();
feed.setMaxListeners(0);
function request(i) {
  const conn = new Connection(i);
  const onTick = (t) => conn.send(t); // SITE
  feed.on('tick', onTick);
  REMOVE
}`,
    fixed: "feed.off('tick', onTick);",
    pattern: 'listener',
    leaked: 'onTick',
    holder: 'feed._events.tick',
    siteMarker: '// SITE',
    fix: [/'tick'/, /\bfeed\b/],
    summary: /^\d[\d,]* 'tick' listeners added to feed and never removed, each keeping a Connection \(registered at /,
  },
  {
    // A keep-alive http.Agent made per call: each keeps its idle socket open, held by Node's native handle (no
    // object of the user's on the way). Open connections, not the runtime's own bookkeeping to leave out.
    name: 'open-sockets',
    leak: `const http = require('http');
const server = http.createServer((req, res) => res.end('ok'));
server.keepAliveTimeout = 600000;
const listening = new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
async function request(i) {
  await listening;
  const agent = new http.Agent({ keepAlive: true });
  await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.address().port, path: '/' + i, agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
  REMOVE
}`,
    fixed: 'agent.destroy(); await new Promise((resolve) => setTimeout(resolve, 1));',
    pattern: 'other',
    leaked: 'Socket',
    holder: /TCPSocketWrap/,
    fix: [/agent\.destroy\(\)/],
    summary: /^\d[\d,]* Socket open and never closed, each kept by its native handle \(TCPSocketWrap\)/,
  },
  {
    // A string grown with += per call: V8 keeps it as a tree of concatenations, one new string on top and every
    // piece below it. One string that grows, not "1 string" under --min-count.
    name: 'appended-string',
    leak: `let accessLog = '';
function request(i) {
  accessLog += 'GET /items/' + i + ' 200 ' + Date.now() + '\\n';
  REMOVE
}`,
    fixed: "if (accessLog.length > 200) accessLog = '';",
    pattern: 'bytes',
    leaked: '(string)',
    holder: 'accessLog',
    fix: [/\baccessLog\b/],
    summary: /^accessLog is a string built by appending \(\+=\): \d[\d,]* pieces, never reset \(/,
  },
  {
    // A vm context per call, kept with what it rendered: the bulk is each context's own global and builtins
    // (V8's NativeContext and everything under it), said as the vm context the user made.
    name: 'vm-contexts',
    leak: `const vm = require('vm');
const rendered = [];
function request(i) {
  const ctx = vm.createContext({ name: 'user' + i, out: '' });
  vm.runInContext('out = "<p>" + name + "</p>"', ctx);
  rendered.push({ html: ctx.out, ctx });
  REMOVE
}`,
    fixed: 'rendered.pop();',
    pattern: 'collection',
    // The sandbox (its shape: name, out and the symbols vm adds), or the record around it.
    leaked: /^\{(name, out|html, ctx)\b/,
    holder: 'rendered',
    fix: [/\brendered\b/],
    summary: /^\d[\d,]* \{.*\} added to rendered and never removed, each keeping a vm context \(/,
  },
  {
    // Work waiting in a pool whose workers never free up: deferred records {task, resolve, reject}, each with the
    // resolving functions of a promise the caller awaits. A queue, not callbacks registered.
    name: 'deferred-queue',
    leak: `class Task { constructor(i) { this.id = i; this.input = new Array(10).fill(i); } }
class WorkerPool {
  constructor() { this.queue = []; }
  submit(task) { return new Promise((resolve, reject) => { this.queue.push({ task, resolve, reject }); }); }
}
const pool = new WorkerPool();
function request(i) {
  pool.submit(new Task(i)).then(() => i); // SITE
  REMOVE
}`,
    fixed: 'pool.queue.shift().resolve();',
    pattern: 'queue',
    leaked: 'Task',
    holder: 'pool.queue',
    siteMarker: '// SITE',
    fix: [/pool\.queue/],
  },
  {
    name: 'queue',
    leak: `const async = require('async');
class MailJob { constructor(i) { this.to = 'user' + i + '@example.com'; this.body = 'hello '.repeat(20) + i; } } // SITE
const mailQueue = async.queue((job, done) => { DONE }, 1);
function request(i) {
  mailQueue.push(new MailJob(i));
}`,
    fixed: 'setImmediate(done);',
    pattern: 'queue',
    leaked: 'MailJob',
    holder: 'mailQueue._tasks',
    siteMarker: '// SITE',
    fix: [/mailQueue\._tasks/],
  },
  {
    name: 'pending-promise',
    leak: `class PendingQuery { constructor(i) { this.sql = 'select ' + i; this.rows = new Array(10).fill(i); } }
let connect;
const connection = new Promise((resolve) => { connect = resolve; });
function request(i) {
  const query = new PendingQuery(i);
  connection.then(() => query.rows.length); // SITE
  REMOVE
}`,
    fixed: 'if (i === 0) connect();',
    pattern: 'queue',
    leaked: 'PendingQuery',
    holder: 'connection',
    siteMarker: '// SITE',
    fix: [/connection/],
  },
  {
    // Each call suspended at `await gate`: V8 keeps its frame (a Generator, defined at the async function) and
    // two await callbacks on the promise. What leaks in the user's terms is their RequestContext, not the frame.
    name: 'awaited-promise',
    leak: `class RequestContext { constructor(i) { this.id = i; this.rows = new Array(10).fill(i); } }
let open;
const gate = new Promise((resolve) => { open = resolve; });
async function handle(i) { // SITE
  const ctx = new RequestContext(i);
  REMOVE
  await gate;
  return ctx.rows.length;
}
function request(i) { handle(i); }`,
    fixed: 'if (i === 0) open();',
    pattern: 'queue',
    leaked: 'RequestContext',
    holder: 'gate',
    siteMarker: '// SITE',
    fix: [/\bgate\b/],
    // Counted by the calls suspended (their frames), not by V8's two await callbacks each.
    summary:
      /^(\d[\d,]*) calls of handle\(\) \(\S+:\d+\) waiting at an await on gate, which never settles, each keeping a RequestContext \(/,
  },
  {
    name: 'closure-chain',
    leak: `let theThing = null;
function request(i) {
  let originalThing = theThing;
  const unused = function () { if (originalThing) return 'hi'; };
  theThing = {
    longStr: 'x'.repeat(1000) + i,
    someMethod: function () { return 1; }, // SITE
  };
  REMOVE
}`,
    fixed: 'originalThing = null;',
    pattern: 'closure-chain',
    leaked: /someMethod|longStr/,
    holder: 'theThing',
    siteMarker: '// SITE',
    fix: [/theThing/],
  },
  {
    name: 'interceptor',
    leak: `const axios = require('axios');
const billingApi = axios.create({ baseURL: 'http://127.0.0.1:9' });
class AuthContext { constructor(i) { this.token = 'token-' + i; this.user = { id: i, roles: ['a', 'b'] }; } }
function request(i) {
  const auth = new AuthContext(i);
  const id = billingApi.interceptors.request.use((config) => { config.headers.Authorization = auth.token; return config; }); // SITE
  REMOVE
}`,
    fixed: 'billingApi.interceptors.request.eject(id);',
    pattern: 'listener',
    leaked: 'AuthContext',
    holder: /^billingApi\.interceptors\.request(\.handlers)?$/,
    siteMarker: '// SITE',
    fix: [/billingApi\.interceptors\.request/],
  },
  {
    name: 'route',
    leak: `const express = require('express');
const app = express();
class RequestAudit { constructor(i) { this.id = i; this.entries = new Array(10).fill(i); } }
function request(i) {
  const audit = new RequestAudit(i);
  const perRequest = i >= 0REMOVE;
  if (perRequest || i === -1) app.use((req, res, next) => { audit.entries.push(req.url); next(); }); // SITE
}`,
    fixed: ' && false',
    pattern: 'listener',
    leaked: 'RequestAudit',
    holder: /^app\.(_router|router)\.stack$/,
    siteMarker: '// SITE',
    fix: [/app\.(_router|router)\.stack/],
  },
  {
    name: 'cache',
    leak: `class Profile { constructor(i) { this.id = i; this.name = 'user-' + i; this.tags = ['a', 'b']; } } // SITE
const cache = new Map();
function request(i) {
  const key = 'profile:' + i;
  cache.set(key, new Profile(i));
  REMOVE
}`,
    fixed: 'cache.delete(key);',
    pattern: 'collection',
    leaked: 'Profile',
    holder: 'cache',
    siteMarker: '// SITE',
    fix: [/\bcache\b/],
  },
  {
    // ws keeps each closed socket's cleared close timer (_closeTimer): a timer inside what leaks is no timer leak.
    name: 'connections',
    leak: `const { WebSocketServer, WebSocket } = require('ws');
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
const listening = new Promise((resolve) => wss.on('listening', resolve));
const clients = new Set();
class ClientState { constructor(ws) { this.ws = ws; this.rooms = ['lobby']; } } // SITE
let serverClosed = () => {};
wss.on('connection', (ws) => {
  const state = new ClientState(ws);
  clients.add(state);
  ws.on('close', () => { REMOVE serverClosed(); });
});
async function request(i) {
  await listening;
  const closed = new Promise((resolve) => { serverClosed = resolve; });
  const ws = new WebSocket('ws://127.0.0.1:' + wss.address().port);
  await new Promise((resolve) => ws.on('open', resolve));
  ws.close();
  await closed;
}`,
    fixed: 'clients.delete(state);',
    pattern: 'collection',
    leaked: 'ClientState',
    holder: 'clients',
    siteMarker: '// SITE',
    fix: [/\bclients\b/],
    summary: /^\d[\d,]* ClientState\b/,
  },
  {
    // node-cache wraps each value in its own record ({v}): the user's Session is what leaks, and is said first.
    name: 'library-cache',
    leak: `const NodeCache = require('node-cache');
const sessions = new NodeCache({ checkperiod: 0 });
class Session { constructor(i) { this.user = 'user' + i; this.cart = new Array(10).fill(i); } } // SITE
function request(i) {
  sessions.set('session:' + i, new Session(i));
  REMOVE
}`,
    fixed: "sessions.del('session:' + i);",
    pattern: 'collection',
    leaked: 'Session',
    holder: /^sessions(\.data)?$/,
    siteMarker: '// SITE',
    fix: [/\bsessions\b/],
    summary: /^\d[\d,]* Session\b/,
  },
  {
    // An rxjs subscription is a listener: the subscriber record reaches the user's callback a few steps down.
    name: 'subscription',
    leak: `const { Subject } = require('rxjs');
const priceUpdates = new Subject();
class Watchlist { constructor(i) { this.owner = i; this.symbols = new Array(10).fill('X' + i); } }
function request(i) {
  const list = new Watchlist(i);
  const sub = priceUpdates.subscribe((price) => { list.symbols.push(price); }); // SITE
  REMOVE
}`,
    fixed: 'sub.unsubscribe();',
    pattern: 'listener',
    leaked: 'Watchlist',
    holder: /^priceUpdates(\.observers|\.currentObservers)?$/,
    siteMarker: '// SITE',
    fix: [/\bpriceUpdates\b/, /unsubscribe/],
  },
  {
    // Racing each call against a promise that never settles: every race leaves its reactions on it (nodejs/node#17469).
    // What leaks is V8's reaction callbacks: no class or function of the user's, no site to name.
    name: 'race',
    leak: `const shutdown = new Promise((resolve) => process.once('SIGUSR2', resolve));
class Job { constructor(i) { this.id = i; this.rows = new Array(10).fill(i); } }
async function work(i) { const job = new Job(i); await null; return job.rows.length; }
function request(i) {
  const contenders = [shutdown, work(i)];
  REMOVE
  return Promise.race(contenders);
}`,
    fixed: 'contenders.shift();',
    pattern: 'queue',
    leaked: /anonymous/,
    holder: 'shutdown',
    fix: [/\bshutdown\b/, /Promise\.race/],
    summary: /waiting in shutdown that never run/,
  },
  {
    // Node's process is a global behind a getter: the holder is named process, not the root it was reached from.
    name: 'process-listener',
    leak: `class TempFile { constructor(i) { this.path = '/tmp/leakscan-' + i; this.fd = i; } remove() { return this.path; } }
process.setMaxListeners(0);
function request(i) {
  const file = new TempFile(i);
  const onExit = () => file.remove(); // SITE
  process.on('exit', onExit);
  REMOVE
}`,
    fixed: "process.off('exit', onExit);",
    pattern: 'listener',
    leaked: 'TempFile',
    holder: 'process._events.exit',
    siteMarker: '// SITE',
    fix: [/'exit'/, /\bprocess\b/],
    summary: /^\d[\d,]* 'exit' listeners added to process and never removed/,
  },
  {
    // A static field: the class is a function of the user's, and what hangs from it is typed Widget.all.
    name: 'static-field',
    leak: `class Widget {
  static all = new Set();
  constructor(i) { this.id = i; this.rows = new Array(10).fill(i); Widget.all.add(this); } // SITE
  destroy() { Widget.all.delete(this); }
}
function request(i) {
  const w = new Widget(i);
  REMOVE
}`,
    fixed: 'w.destroy();',
    pattern: 'collection',
    leaked: 'Widget',
    holder: 'Widget.all',
    siteMarker: '// SITE',
    fix: [/Widget\.all/],
  },
  {
    // A Map's value, reached by its key: rooms.get("lobby").members, not rooms.members.
    name: 'map-value',
    leak: `class Member { constructor(i) { this.name = 'm' + i; this.rows = new Array(10).fill(i); } } // SITE
const rooms = new Map([['lobby', { topic: 'hi', members: [] }]]);
function request(i) {
  const room = rooms.get('lobby');
  room.members.push(new Member(i));
  REMOVE
}`,
    fixed: 'room.members.length = 0;',
    pattern: 'collection',
    leaked: 'Member',
    holder: 'rooms.get("lobby").members',
    siteMarker: '// SITE',
    fix: [/rooms\.get\("lobby"\)\.members/],
  },
  {
    // A symbol-keyed field: V8 names the edge by the symbol's description ('items'); the user types the variable
    // holding the symbol (kItems).
    name: 'symbol-key',
    leak: `const kItems = Symbol('items');
class Item { constructor(i) { this.id = i; this.rows = new Array(10).fill(i); } } // SITE
class Store {
  constructor() { this[kItems] = new Map(); }
  add(x) { this[kItems].set(x.id, x); }
  remove(x) { this[kItems].delete(x.id); }
}
const store = new Store();
function request(i) {
  const item = new Item(i);
  store.add(item);
  REMOVE
}`,
    fixed: 'store.remove(item);',
    pattern: 'collection',
    leaked: 'Item',
    holder: 'store[kItems]',
    siteMarker: '// SITE',
    fix: [/store\[kItems\]/],
  },
  {
    // A WeakMap's value lives as long as its key: V8 keeps it by an internal edge from the key. The user types
    // the array they push to as visits.get(tenant), not as tenant (which holds nothing of the kind).
    name: 'weakmap-value',
    leak: `class Tenant { constructor(name) { this.name = name; } }
class Visit { constructor(i) { this.id = i; this.rows = new Array(10).fill(i); } } // SITE
const tenant = new Tenant('acme');
const visits = new WeakMap();
visits.set(tenant, []);
function request(i) {
  const list = visits.get(tenant);
  list.push(new Visit(i));
  REMOVE
}`,
    fixed: 'list.length = 0;',
    pattern: 'collection',
    leaked: 'Visit',
    holder: 'visits.get(tenant)',
    siteMarker: '// SITE',
    fix: [/visits\.get\(tenant\)/],
  },
  {
    // A library's emitter the user keeps in a variable, reached first through the server that serves it: the
    // holder is the user's variable (app), not the library's names on the way ([owner_symbol], a scope's this).
    name: 'library-emitter',
    leak: `const express = require('express');
const http = require('http');
const app = express();
app.setMaxListeners(0);
const server = http.createServer(app).listen(0, '127.0.0.1');
class AuditEntry { constructor(i) { this.id = i; this.rows = new Array(10).fill(i); } }
function request(i) {
  const entry = new AuditEntry(i);
  const onError = (err) => { entry.rows.push(err); }; // SITE
  app.on('error', onError);
  REMOVE
}`,
    fixed: "app.off('error', onError);",
    pattern: 'listener',
    leaked: 'AuditEntry',
    holder: 'app._events.error',
    siteMarker: '// SITE',
    fix: [/'error'/, /\bapp\b/],
    summary: /^\d[\d,]* 'error' listeners added to app and never removed/,
  },
  {
    // The requests themselves kept (express's req): a collection of IncomingMessage, not their header records,
    // and no listener for the req.next function express puts on each.
    name: 'stored-requests',
    leak: `const express = require('express');
const http = require('http');
const app = express();
const recentRequests = [];
app.get('/item/:id', (req, res) => { recentRequests.push(req); REMOVE res.json({ id: req.params.id }); });
let server;
const listening = new Promise((resolve) => { server = app.listen(0, '127.0.0.1', resolve); });
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
async function request(i) {
  await listening;
  await new Promise((resolve, reject) => {
    http.get({ port: server.address().port, path: '/item/' + i, agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
}`,
    // Bounded to the last two: a two-snapshot diff counts new objects, and ten kept requests' inner arrays would pass --min-count.
    fixed: 'if (recentRequests.length > 2) recentRequests.shift();',
    pattern: 'collection',
    leaked: 'IncomingMessage',
    holder: 'recentRequests',
    fix: [/\brecentRequests\b/],
    summary: /^\d[\d,]* IncomingMessage\b/,
  },
  {
    // Each entry's object has a promise of its own, pending and awaited by nobody: entries never deleted from a
    // Map, not work waiting in a queue (fastify's requests kept in a Map by an onRequest hook).
    name: 'entries-with-promises',
    leak: `class Upload { constructor(i) { this.id = i; this.parts = new Array(10).fill(i); this.finished = new Promise((resolve) => { this.finish = resolve; }); } } // SITE
const inflight = new Map();
function request(i) {
  inflight.set(i, { upload: new Upload(i), started: Date.now() });
  REMOVE
}`,
    fixed: 'inflight.delete(i);',
    pattern: 'collection',
    leaked: 'Upload',
    holder: 'inflight',
    siteMarker: '// SITE',
    fix: [/\binflight\b/],
  },
  {
    // events.once on an event that never comes again: a listener for it and one for 'error' per call, in two
    // arrays of the emitter's table. Named by the events, not as callbacks in db._events.
    name: 'once-never-emitted',
    leak: `const { EventEmitter, once } = require('events');
const db = new EventEmitter();
db.setMaxListeners(0);
class PendingQuery { constructor(i) { this.id = i; this.rows = new Array(10).fill(i); } }
function request(i) {
  const q = new PendingQuery(i);
  const ac = new AbortController();
  once(db, 'ready', { signal: ac.signal }).then(() => q.rows.length, () => 0); // SITE
  REMOVE
}`,
    fixed: 'ac.abort();',
    pattern: 'listener',
    leaked: 'PendingQuery',
    holder: /^db\._events\b/,
    siteMarker: '// SITE',
    fix: [/\bdb\b/, /'ready'/],
    summary:
      /^\d[\d,]* callbacks registered on db's ('ready' and 'error'|'error' and 'ready') events and never removed, each keeping a PendingQuery/,
    only: true,
  },
  {
    // A destination piped per call and never unpiped: held by the source's pipes and by the listeners pipe() adds
    // (their dominator is the source itself). Named by the collection that holds them all, not "held by source".
    name: 'piped',
    leak: `const { PassThrough, Writable } = require('stream');
const source = new PassThrough();
source.setMaxListeners(0);
class ClientSink extends Writable { constructor(i) { super(); this.id = i; this.received = new Array(10).fill(i); } _write(c, e, cb) { cb(); } } // SITE
function request(i) {
  const sink = new ClientSink(i);
  source.pipe(sink);
  REMOVE
}`,
    fixed: 'source.unpipe(sink);',
    pattern: 'collection',
    leaked: 'ClientSink',
    holder: 'source._readableState.pipes',
    siteMarker: '// SITE',
    fix: [/source\._readableState\.pipes/],
    only: true,
  },
  {
    // A Proxy's target, filled by its get trap: V8 names the proxy `system / JSProxy`, the user's object all the same.
    name: 'proxy-target',
    leak: `class Endpoint { constructor(name) { this.name = name; this.stats = new Array(10).fill(0); } } // SITE
const api = new Proxy({}, { get(target, key) { return target[key] ??= new Endpoint(String(key)); } });
function request(i) {
  api['user_' + i].stats[0]++;
  REMOVE
}`,
    fixed: "delete api['user_' + i];",
    pattern: 'collection',
    leaked: 'Endpoint',
    holder: 'api',
    siteMarker: '// SITE',
    fix: [/\bapi\b/],
  },
  {
    // A library's cache keeps its entries in private fields (lru-cache's #keyMap and #valList): no name the user
    // can type past their variable; and the key strings, in both fields, are the same leak, not a second one.
    name: 'library-private-fields',
    files: {
      'node_modules/ttl-store/index.js': `class TtlStore {
  #values = new Map();
  #order = [];
  set(key, value) { this.#values.set(key, { value, at: Date.now() }); this.#order.push(key); }
  delete(key) { this.#values.delete(key); this.#order.splice(this.#order.indexOf(key), 1); }
}
module.exports = { TtlStore };
`,
    },
    leak: `const { TtlStore } = require('ttl-store');
class Profile { constructor(i) { this.id = i; this.prefs = new Array(10).fill(i); } } // SITE
const profiles = new TtlStore();
function request(i) {
  profiles.set('user:' + i, new Profile(i));
  REMOVE
}`,
    fixed: "profiles.delete('user:' + i);",
    pattern: 'collection',
    leaked: 'Profile',
    holder: 'profiles',
    siteMarker: '// SITE',
    fix: [/\bprofiles\b/],
    only: true,
  },
  {
    // A chat's members in one Set per room, the rooms made by the warm-up requests (old: each Set a holder of its
    // own), each member the user's record around a library's connection with closures of its own, and the user's
    // listener on it: one finding, the record, in the rooms; not a count of every anonymous closure in them.
    name: 'members-in-rooms',
    files: {
      'node_modules/tiny-socket/index.js': `const { EventEmitter } = require('events');
class Connection extends EventEmitter {
  constructor(id) { super(); this.id = id; this._onData = () => this.emit('message', 'x'); this._onEnd = () => this.emit('close'); }
}
module.exports = { Connection };
`,
    },
    leak: `const { Connection } = require('tiny-socket');
const rooms = new Map();
function request(i) { // SITE: the function whose literal makes each member
  const room = 'room' + (Math.abs(i) % 3);
  if (!rooms.has(room)) rooms.set(room, new Set());
  const conn = new Connection(i);
  const member = { conn, history: [] };
  rooms.get(room).add(member);
  conn.on('message', (m) => { member.history.push(m); });
  conn.on('close', () => { DONE });
  conn.emit('close');
}`,
    fixed: 'rooms.get(room).delete(member);',
    pattern: 'collection',
    leaked: '{conn, history}',
    holder: 'rooms',
    siteMarker: '// SITE',
    fix: [/\brooms\b/],
    summary: /^120 \{conn, history\} \(\S+\) added to 3 Sets in rooms and never removed/,
    only: true,
  },
  {
    // A hand-written resource pool: acquire() queues the caller's callback while every resource is out, release()
    // serves the first waiter (waiting.shift()). Resources never released: waiters never served, a queue, not
    // callbacks registered for events.
    name: 'pool-waiters',
    leak: `class Pool {
  constructor(max) { this.max = max; this.inUse = 0; this.waiting = []; }
  acquire(cb) {
    if (this.inUse < this.max) { this.inUse++; cb(null, { id: this.inUse }); return; }
    this.waiting.push(cb);
  }
  release(conn) { const next = this.waiting.shift(); if (next) next(null, conn); else this.inUse--; }
}
const pool = new Pool(2);
class QueryContext { constructor(i) { this.sql = 'select ' + i; this.rows = new Array(10).fill(i); } }
function request(i) {
  const ctx = new QueryContext(i);
  pool.acquire((err, conn) => { ctx.rows.push(conn); REMOVE }); // SITE
}`,
    fixed: 'pool.release(conn);',
    pattern: 'queue',
    leaked: 'QueryContext',
    holder: 'pool.waiting',
    siteMarker: '// SITE',
    fix: [/pool\.waiting/, /release/, /timeout/],
    summary: /^\d[\d,]* callbacks waiting in pool\.waiting that never run, each keeping a QueryContext/,
  },
  {
    // generic-pool's shape: each acquire() a ResourceRequest (a deferred) in a linked list inside a priority queue
    // inside the pool. Named by the pool the user made and its queue, not the library's list node four levels down.
    name: 'library-pool-waiters',
    files: {
      'node_modules/res-pool/index.js': `class DoublyLinkedList {
  constructor() { this.head = null; this.tail = null; this.length = 0; }
  insertEnd(node) { if (this.tail === null) this.head = node; else { node.prev = this.tail; this.tail.next = node; } this.tail = node; this.length++; }
  removeHead() { const node = this.head; this.head = node.next; if (this.head === null) this.tail = null; else this.head.prev = null; this.length--; return node.data; }
}
class Queue {
  constructor() { this._list = new DoublyLinkedList(); }
  push(data) { this._list.insertEnd({ prev: null, next: null, data }); }
  shift() { return this._list.length === 0 ? undefined : this._list.removeHead(); }
}
class PriorityQueue {
  constructor(size) { this._slots = []; for (let i = 0; i < size; i++) this._slots.push(new Queue()); }
  enqueue(item, priority) { this._slots[priority].push(item); }
  dequeue() { for (const slot of this._slots) { const item = slot.shift(); if (item) return item; } return undefined; }
}
class ResourceRequest {
  constructor() { this._created = Date.now(); this._promise = new Promise((resolve, reject) => { this._resolve = resolve; this._reject = reject; }); }
  get promise() { return this._promise; }
}
class Pool {
  constructor(factory, max) { this._factory = factory; this._max = max; this._all = []; this._available = []; this._waitingClientsQueue = new PriorityQueue(1); }
  acquire() { const request = new ResourceRequest(); this._waitingClientsQueue.enqueue(request, 0); this._dispense(); return request.promise; }
  release(resource) { this._available.push(resource); this._dispense(); }
  _dispense() {
    if (this._available.length === 0 && this._all.length < this._max) { const r = this._factory.create(); this._all.push(r); this._available.push(r); }
    while (this._available.length > 0) { const request = this._waitingClientsQueue.dequeue(); if (!request) return; request._resolve(this._available.shift()); }
  }
}
module.exports = { createPool: (factory, opts) => new Pool(factory, opts.max) };
`,
    },
    leak: `const genericPool = require('res-pool');
let made = 0;
const pool = genericPool.createPool({ create: () => ({ connection: ++made }) }, { max: 2 });
class QueryContext { constructor(i) { this.sql = 'select ' + i; this.rows = new Array(10).fill(i); } }
function request(i) {
  const ctx = new QueryContext(i);
  pool.acquire().then((conn) => { ctx.rows.push(conn); REMOVE }); // SITE
}`,
    fixed: 'pool.release(conn);',
    pattern: 'queue',
    leaked: 'QueryContext',
    holder: 'pool._waitingClientsQueue',
    siteMarker: '// SITE',
    fix: [/pool\._waitingClientsQueue/, /release/, /timeout/],
    summary:
      /^\d[\d,]* pending ResourceRequest in pool\._waitingClientsQueue that never complete, each keeping a QueryContext/,
  },
  {
    // A Map keyed by the requests themselves (when each was seen): the IncomingMessage are what accumulates, in the
    // user's Map; not the route's params ({id}) or header records each request holds.
    name: 'requests-as-keys',
    leak: `const express = require('express');
const http = require('http');
const app = express();
const seen = new Map();
app.use((req, res, next) => { seen.set(req, Date.now()); res.on('finish', () => { REMOVE }); next(); });
app.get('/item/:id', (req, res) => res.json({ id: req.params.id }));
let server;
const listening = new Promise((resolve) => { server = app.listen(0, '127.0.0.1', resolve); });
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
async function request(i) {
  await listening;
  await new Promise((resolve, reject) => {
    http.get({ port: server.address().port, path: '/item/' + i, agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
}`,
    fixed: 'seen.delete(req);',
    pattern: 'collection',
    leaked: 'IncomingMessage',
    holder: 'seen',
    fix: [/\bseen\b/],
    summary: /^\d[\d,]* IncomingMessage\b.* added to seen and never removed/,
  },
  {
    // Lines read from a file in 64 KB chunks are slices of their chunk: V8 keeps the whole chunk for each slice
    // kept. The finding says so, and how to keep a copy instead (a slice of a slice is one more slice).
    name: 'sliced-lines',
    leak: `const fs = require('fs');
const readline = require('readline');
const logFile = path.join(__dirname, 'app.log');
fs.writeFileSync(logFile, Array.from({ length: 2000 }, (_, n) => \`2026-12-08T00:00:00Z \${n % 20 === 0 ? 'ERROR' : 'INFO '} request \${n} handled in \${n % 300} ms by worker \${n % 8}\`).join('\\n'));
const errors = [];
async function request(i) {
  if (i % 40 !== 0) return;
  const lines = readline.createInterface({ input: fs.createReadStream(logFile, { encoding: 'utf8' }) });
  for await (const line of lines) if (line.includes('ERROR')) { errors.push(line); REMOVE }
}`,
    fixed: 'errors.length = Math.min(errors.length, 10);',
    pattern: 'collection',
    leaked: '(string)',
    holder: 'errors',
    fix: [/\berrors\b/, /Buffer\.from/, /slice\(\)/],
    summary:
      /^\d[\d,]* strings added to errors and never removed, each a slice of a larger string that it keeps whole \(\d+ strings? of \S+ \S+ on average, the chunks/,
  },
  {
    // Each job's timer kept in a Map by id and never deleted once it fired: Node let go of the timers, the Map did
    // not. A collection of spent timers, not timers never cleared (clearTimeout would change nothing).
    name: 'fired-timers-kept',
    leak: `const timers = new Map();
class Job { constructor(i) { this.id = i; this.payload = new Array(10).fill(i); } }
async function request(i) {
  const job = new Job(i);
  await new Promise((resolve) => { timers.set(job.id, setTimeout(() => { REMOVE job.payload.length = 0; resolve(); }, 1)); }); // SITE
}`,
    fixed: 'timers.delete(job.id);',
    pattern: 'collection',
    leaked: 'Job',
    holder: 'timers',
    siteMarker: '// SITE',
    fix: [/\btimers\b/, /delete/],
    summary: /^\d[\d,]* timers that already ran or were cleared, kept in timers and never removed, each keeping a Job/,
  },
  {
    // rxjs's interval() starts the timer on the user's behalf: what they can stop is their subscription, not a
    // timer they never started (no clearInterval at their callback's place).
    name: 'library-timer',
    leak: `const { interval } = require('rxjs');
class Poller { constructor(i) { this.id = i; this.seen = new Array(10).fill(i); } }
function request(i) {
  const poller = new Poller(i);
  const sub = interval(3_600_000).subscribe((n) => { poller.seen.push(n); }); // SITE
  REMOVE
}`,
    fixed: 'sub.unsubscribe();',
    pattern: 'timer',
    leaked: 'Poller',
    holder: /timer|_idleNext|_idlePrev/,
    siteMarker: '// SITE',
    fix: [/unsubscribe\(\)/, /AsyncAction/],
    summary: /^\d[\d,]* timers never cleared, started by AsyncAction \(\S+\) — the callback at \S+ keeps a Poller each/,
  },
  {
    // async.memoize keeps each result in its memo object, as a new [err, value] array per key: the memo is the
    // collection, not the one key the path passed through.
    name: 'memoized',
    leak: `const async = require('async');
class Profile { constructor(id) { this.id = id; this.prefs = new Array(10).fill(id); } } // SITE
const getProfile = async.memoize((id, cb) => setImmediate(() => cb(null, new Profile(id))));
function request(i) {
  return new Promise((resolve) => getProfile('user-' + i, (err, p) => { REMOVE resolve(p); }));
}`,
    fixed: "delete getProfile.memo['user-' + i];",
    pattern: 'collection',
    leaked: 'Profile',
    holder: 'getProfile.memo',
    siteMarker: '// SITE',
    fix: [/getProfile\.memo\b/],
  },
];

describe('findings: the first one names the leak in the user terms', () => {
  for (const c of cases) {
    test(`${c.name}: pattern, leaked, holder, site and fix`, async () => {
      const leak = c.leak.replace('REMOVE', '').replace('DONE', '');
      const { diff, file, source } = await diffOf(`${c.name}-leak`, leak, c.files);
      const first = diff.findings[0];
      assert.ok(first, `a finding: ${diff.classes.filter((x) => x.suspect).map((x) => x.name)}`);
      const detail = show(diff);
      assert.equal(first.pattern, c.pattern, detail);
      if (typeof c.leaked === 'string') assert.equal(first.leaked.name, c.leaked, detail);
      else assert.match(first.leaked.name, c.leaked, detail);
      if (typeof c.holder === 'string') assert.equal(first.holder.name, c.holder, detail);
      else assert.match(first.holder.name, c.holder, detail);
      assert.ok(first.leaked.count >= REQUESTS, detail);
      if (c.siteMarker) assert.ok(first.site, detail);
      if (first.site) assert.equal(first.site.script.replace(/^file:\/\//, ''), file, detail);
      if (c.siteMarker) assert.equal(first.site?.line, lineOf(source, c.siteMarker), detail);
      for (const pattern of c.fix) assert.match(first.fix.replace(formatLocation(first.site), 'SITE'), pattern, detail);
      assert.ok(first.summary.length > 0 && !first.summary.includes('\n'), first.summary);
      if (c.summary) assert.match(first.summary, c.summary, detail);
      if (c.only) assert.equal(diff.findings.length, 1, detail);
    });
  }

  // Each twin a module of its own in one process: a finding names the twin's file and line.
  test('the fixed twins, all in one process: no finding', async () => {
    const twins = cases.map((c) => ({
      name: `${c.name}-fixed`,
      body: c.leak.replace('REMOVE', c.fixed).replace('DONE', c.fixed),
      files: c.files,
    }));
    const { diff } = await diffOfAll(twins);
    assert.deepEqual(diff.findings, [], show(diff));
  });
});

/** An ES module whose exported registry gains a Connection per request (fixed: removed again), and a program that snapshots around it. */
/**
 * The diff of an ES module `name.mjs` (which exports `request(i)`) around REQUESTS calls from another module;
 * `awaiting`: that module awaits after each call (top-level await, as a test file does), so it is still running.
 */
async function esmDiff(name: string, source: string, awaiting = false): Promise<DiffResult> {
  const turn = awaiting ? ' await new Promise((resolve) => setImmediate(resolve));' : '';
  const dir = tempDir('leakscan-findings-esm-');
  writeFileSync(join(dir, `${name}.mjs`), source);
  writeFileSync(
    join(dir, 'main.mjs'),
    `import v8 from 'node:v8';
import { request } from './${name}.mjs';
for (let i = 0; i < 5; i++) { request(-1 - i);${turn} }
global.gc();
v8.writeHeapSnapshot(new URL('./before.heapsnapshot', import.meta.url).pathname);
for (let i = 0; i < ${REQUESTS}; i++) { request(i);${turn} }
global.gc();
v8.writeHeapSnapshot(new URL('./after.heapsnapshot', import.meta.url).pathname);
`,
  );
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', join(dir, 'main.mjs')], { timeout: 120_000 }, (err, _o, stderr) =>
      err ? reject(new Error(`esm ${name}: ${stderr || err.message}`)) : resolve(),
    );
  });
  return diffSnapshots(join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot'));
}

function esmRegistryDiff(fixed: boolean): Promise<DiffResult> {
  return esmDiff(
    'registry',
    `export class Connection { constructor(i) { this.id = i; this.meta = { opened: i }; } }
export const registry = { live: new Set() };
export function request(i) {
  const c = new Connection(i);
  registry.live.add(c);
  ${fixed ? 'registry.live.delete(c);' : ''}
}
`,
  );
}

describe('findings: modules loaded per request', () => {
  /** A program that requires a generated view per request: a new file each time, or one file. */
  const views = (perRequest: boolean): string => `const fs = require('fs');
const dir = path.join(__dirname, 'views');
fs.mkdirSync(dir, { recursive: true });
function request(i) {
  const file = path.join(dir, 'view' + (${perRequest ? 'i + 10' : '0'}) + '.js');
  if (!fs.existsSync(file)) fs.writeFileSync(file, 'module.exports = (x) => "<p>" + x + "</p>" + ' + JSON.stringify('y'.repeat(200)) + ';');
  return require(file)(i);
}`;

  test("require()d files stay in require.cache: Node's modules named so, not callbacks registered in exports", async () => {
    const { diff } = await diffOf('views-leak', views(true));
    const first = diff.findings[0];
    const detail = show(diff);
    assert.ok(first, detail);
    assert.equal(first.pattern, 'collection', detail);
    assert.equal(first.holder.name, 'require.cache', detail);
    assert.equal(first.leaked.name, 'Module', detail);
    assert.ok(first.leaked.count >= REQUESTS, detail);
    assert.match(first.summary, /^\d[\d,]* modules loaded by require\(\) and kept in require\.cache\b/, detail);
    assert.match(first.fix, /require\.cache\[/, detail);
    assert.match(first.fix, /module\.children/, detail);
    const twin = await diffOf('views-fixed', views(false));
    assert.deepEqual(twin.diff.findings, [], show(twin.diff));
  });
});

describe('findings: a script still running its top level', () => {
  test("a listener on a module-level emitter is a listener, though only the running script's frame holds it", async () => {
    const dir = tempDir('leakscan-findings-toplevel-');
    const file = join(dir, 'feed.js');
    writeFileSync(
      file,
      `const v8 = require('v8');
const { EventEmitter } = require('events');
class CartSession { constructor(user) { this.user = user; this.items = new Array(25).fill(user); } }
const priceFeed = new EventEmitter();
priceFeed.setMaxListeners(0);
function handleRequest(user) {
  const session = new CartSession(user);
  priceFeed.on('update', (p) => { session.lastPrice = p; });
}
for (let i = 0; i < 5; i++) handleRequest('warm' + i);
global.gc();
v8.writeHeapSnapshot(__dirname + '/before.heapsnapshot');
for (let i = 0; i < ${REQUESTS}; i++) handleRequest('u' + i);
global.gc();
v8.writeHeapSnapshot(__dirname + '/after.heapsnapshot');
`,
    );
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, ['--expose-gc', file], { timeout: 120_000 }, (err, _o, stderr) =>
        err ? reject(new Error(`top level: ${stderr || err.message}`)) : resolve(),
      );
    });
    const diff = await diffSnapshots(join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot'));
    const first = diff.findings[0];
    const detail = show(diff);
    assert.ok(first, detail);
    assert.equal(first.pattern, 'listener', detail);
    assert.equal(first.leaked.name, 'CartSession', detail);
    assert.equal(first.leaked.count, REQUESTS, detail);
    assert.equal(first.holder.name, 'priceFeed._events.update', detail);
    assert.equal(first.site?.line, 8, detail);
    assert.match(first.fix, /'update' listener from priceFeed/);
  });

  /** A batch script that snapshots itself at its top level; its results gather in a module-level variable. */
  async function batchDiff(fixed: boolean): Promise<{ diff: DiffResult; file: string }> {
    const dir = tempDir('leakscan-findings-batch-');
    const file = join(dir, 'import-rows.js');
    writeFileSync(
      file,
      `const v8 = require('v8');
let results = [];
class ParsedRow { constructor(line) { const [id, n] = line.split(','); this.id = id; this.n = Number(n); } }
function importBatch(lines) {
  const rows = lines.map((line) => new ParsedRow(line));
  ${fixed ? 'return rows.length;' : 'results = results.concat(rows);'}
}
const batch = (k) => Array.from({ length: 10 }, (_, i) => 'row' + k + '-' + i + ',' + i);
for (let k = 0; k < 3; k++) importBatch(batch(k));
global.gc();
v8.writeHeapSnapshot(__dirname + '/before.heapsnapshot');
for (let k = 3; k < ${3 + REQUESTS / 10}; k++) importBatch(batch(k));
global.gc();
v8.writeHeapSnapshot(__dirname + '/after.heapsnapshot');
`,
    );
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, ['--expose-gc', file], { timeout: 120_000 }, (err, _o, stderr) =>
        err ? reject(new Error(`batch: ${stderr || err.message}`)) : resolve(),
      );
    });
    return { diff: await diffSnapshots(join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot')), file };
  }

  test('a module-level variable of a batch script gathering rows is a collection, named, not "a running function"', async () => {
    const { diff, file } = await batchDiff(false);
    const first = diff.findings[0];
    const detail = show(diff);
    assert.ok(first, detail);
    assert.equal(first.pattern, 'collection', detail);
    assert.equal(first.leaked.name, 'ParsedRow', detail);
    assert.equal(first.leaked.count, REQUESTS, detail);
    assert.equal(first.holder.name, 'results', detail);
    assert.equal(first.site?.script, file, detail);
    assert.match(first.summary, /^120 ParsedRow \(\S*import-rows\.js:3\) added to results and never removed/, detail);
    assert.match(first.fix, /results/);
    assert.deepEqual((await batchDiff(true)).diff.findings, []);
  });
});

describe('findings: an ES module', () => {
  test("a Set in an exported const: V8 keeps module bindings in a 'system / Cell', named by the export", async () => {
    const diff = await esmRegistryDiff(false);
    const first = diff.findings[0];
    const detail = show(diff);
    assert.ok(first, detail);
    assert.equal(first.pattern, 'collection', detail);
    assert.equal(first.leaked.name, 'Connection', detail);
    assert.equal(first.leaked.count, REQUESTS, detail);
    assert.equal(first.holder.name, 'registry.live', detail);
    assert.match(first.site?.script ?? '', /registry\.mjs$/, detail);
    assert.match(first.fix, /live/);
    assert.deepEqual((await esmRegistryDiff(true)).findings, []);
  });

  test("a library's objects kept in a module's array: no place of the module's is said as the class's", async () => {
    const diff = await esmDiff(
      'links',
      `const visited = [];
export function request(i) {
  visited.push(new URL('https://example.com/page/' + i + '?ref=feed'));
}
`,
    );
    const first = diff.findings[0];
    const detail = show(diff);
    assert.ok(first, detail);
    assert.equal(first.pattern, 'collection', detail);
    assert.equal(first.leaked.name, 'URL', detail);
    assert.equal(first.holder.name, 'visited', detail);
    // Node's URL is not defined in links.mjs: the summary never says "URL (links.mjs:1)".
    assert.match(first.summary, /^120 URL added to visited\b/, detail);
  });

  test('members added to Sets that held many already: the finding weighs the new ones, not the Sets whole', async () => {
    const diff = await esmDiff(
      'presence',
      `class Member { constructor(i) { this.id = i; this.seen = new Array(20).fill(i); } }
const rooms = new Map();
const join = (i) => {
  const room = 'room' + (Math.abs(i) % 3);
  if (!rooms.has(room)) rooms.set(room, new Set());
  rooms.get(room).add(new Member(i));
};
// Members of long before: their Sets' tables are made anew as the requests' members come.
for (let i = 0; i < 30; i++) join(-1000 - i);
export function request(i) { join(i); }
`,
    );
    const first = diff.findings[0];
    const detail = show(diff);
    assert.ok(first, detail);
    assert.equal(first.leaked.name, 'Member', detail);
    assert.equal(first.leaked.count, REQUESTS, detail);
    assert.equal(first.holder.name, 'rooms', detail);
    // Never more than all the new objects weigh together.
    assert.ok(
      first.leaked.retainedSize <= diff.totals.retainedSize,
      `${first.leaked.retainedSize} > ${diff.totals.retainedSize}: ${detail}`,
    );
  });

  const SETTINGS = `import { EventEmitter } from 'node:events';
export const config = new EventEmitter();
config.setMaxListeners(0);
class Session { constructor(i) { this.user = 'u' + i; this.prefs = { theme: 'dark' }; } }
export function request(i) {
  const session = new Session(i);
  config.on('change', (next) => { session.prefs.theme = next.theme; });
}
`;
  // Run twice: imported by a module that has finished, and by one still running its top-level awaits (a test
  // file calling assertNoLeak), whose frame reaches the export through V8's module records: still the user's.
  for (const awaiting of [false, true])
    test(`a listener on an exported emitter${awaiting ? ', its importer awaiting' : ''}: the holder is the export`, async () => {
      const diff = await esmDiff('settings', SETTINGS, awaiting);
      const first = diff.findings[0];
      const detail = show(diff);
      assert.ok(first, detail);
      assert.equal(first.pattern, 'listener', detail);
      assert.equal(first.leaked.name, 'Session', detail);
      assert.equal(first.holder.name, 'config._events.change', detail);
      assert.match(first.fix, /'change' listener from config\b/, detail);
    });
});

describe('findings: assertNoLeak', () => {
  test("stays quiet on fetch's bounded resource-timing buffer (Node's own, not the program's)", async () => {
    const server = createServer((_req, res) => res.end('ok'));
    // Never close an idle kept-alive socket: a snapshot blocks this process for seconds under
    // load, and fetch could send the next call on a socket the server closed meanwhile ("fetch failed").
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await assertNoLeak(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        await response.text();
      });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('names the first finding: what leaks, where it is held, and the fix', async () => {
    class LedgerEntry {
      constructor(readonly id: number) {}
    }
    const ledger = new Map<string, LedgerEntry>();
    await assert.rejects(
      assertNoLeak((i) => {
        ledger.set(`entry-${i}`, new LedgerEntry(i));
      }),
      (error: Error) => {
        assert.match(error.message, /^leak: \d+ LedgerEntry .*added to \S*ledger and never removed/);
        assert.match(error.message, /fix: Bound or evict the entries of \S*ledger/);
        return true;
      },
    );
  });
});

/** Orders kept per customer: a module-level Map of arrays, one array per customer, each gaining Orders on every call. */
const ORDERS = `export class Order { constructor(id, customer) { this.id = id; this.customer = customer; this.items = [{ sku: 'x', qty: 1 }]; } }
const pendingByCustomer = new Map();
export function placeOrder(i) {
  const customer = \`c\${i % 6}\`;
  let list = pendingByCustomer.get(customer);
  if (!list) pendingByCustomer.set(customer, list = []);
  list.push(new Order(i, customer));
}
`;

/** `leakscan run` on scenario files written from `programs` (name → source), one at a time. */
async function runPrograms(programs: Record<string, string>, batch = 100): Promise<Map<string, ScenarioResult>> {
  const dir = tempDir('leakscan-findings-run-');
  // ES modules find packages beside them, not on NODE_PATH: the scenarios import leakscan's own dependencies.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const files = Object.entries(programs).map(([name, source]) => {
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, source);
    return file;
  });
  const { result, failures } = await runScenarios(files, { iterations: 10, batch, outDir: join(dir, 'out') });
  assert.deepEqual(
    failures.map((f) => f.result.error),
    [],
  );
  return new Map(result.scenarios.map((s) => [s.name, s]));
}

describe('findings: a series of snapshots', () => {
  test('a string builder grows per step between snapshots, not per call: the diff never saw the calls', async () => {
    const dir = tempDir('leakscan-findings-series-');
    const file = join(dir, 'builder.js');
    writeFileSync(
      file,
      `'use strict';
const v8 = require('v8');
const path = require('path');
let log = '';
function request(i) { log += 'request ' + i + ' handled at ' + Date.now() + '\\n'; }
(async () => {
  for (let s = 1; s <= 3; s++) {
    for (let i = 0; i < ${REQUESTS}; i++) request(i);
    await new Promise((resolve) => setTimeout(resolve, 20));
    global.gc();
    v8.writeHeapSnapshot(path.join(__dirname, 's' + s + '.heapsnapshot'));
  }
})();
`,
    );
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, ['--expose-gc', file], { timeout: 120_000 }, (err, _o, stderr) =>
        err ? reject(new Error(`builder: ${stderr || err.message}`)) : resolve(),
      );
    });
    const diff = await diffSeries(
      [1, 2, 3].map((s) => join(dir, `s${s}.heapsnapshot`)),
      { rule: DEFAULT_LEAK_RULE },
    );
    const first = diff.findings[0];
    assert.ok(first, show(diff));
    assert.equal(first.pattern, 'bytes', show(diff));
    assert.equal(first.holder.name, 'log', show(diff));
    assert.match(first.summary, /^log grows \S+ \S+ per step /, first.summary);
  });
});

describe('findings: run, a counted leak and the collections it accumulates in', () => {
  let results: Map<string, ScenarioResult>;
  const scenario = (name: string): ScenarioResult & { diff: DiffResult } => {
    const s = results.get(name);
    assert.ok(s?.diff, `${name}: ${s?.verdict}`);
    return s as ScenarioResult & { diff: DiffResult };
  };
  const orders = (name: string, extra: { state: string; call: string }): string =>
    `${ORDERS}${extra.state}
export default {
  name: '${name}',
  description: 'orders kept per customer',
  expect: 'leak',
  run({ iteration, batch }) {
    for (let i = 0; i < batch; i++) placeOrder(iteration * batch + i);
    ${extra.call}
  },
};
`;

  test('three programs run', async () => {
    results = await runPrograms({
      orders: orders('orders', { state: '', call: '' }),
      // A lookup table the first call builds, once: made before the before snapshot, by the warm-up call.
      'orders-lazy-table': orders('orders-lazy-table', {
        state: "class Lookup { constructor(i) { this.code = 'c' + i; } }\nlet table = null;",
        call: "table ??= Array.from({ length: 2000 }, (_, i) => new Lookup(i)); console.log('pass ' + pass);",
      }).replace('run({ iteration, batch })', 'run({ iteration, batch, pass })'),
      // Two unrelated leaks beside the orders: an array of big strings and an array of Buffers, one each per call.
      'orders-and-more': orders('orders-and-more', {
        state: 'const journal = [];\nconst chunks = [];',
        call: "journal.push('x'.repeat(4096) + iteration); chunks.push(Buffer.alloc(4096, iteration));",
      }),
    });
  });

  test('orders in per-customer arrays of a Map: one finding, no byte growth of the arrays they accumulate in', () => {
    const s = scenario('orders');
    const detail = show(s.diff);
    assert.equal(s.diff.findings.length, 1, detail);
    const [first] = s.diff.findings;
    assert.equal(first.pattern, 'collection', detail);
    assert.equal(first.leaked.name, 'Order', detail);
    assert.equal(first.holder.name, 'pendingByCustomer', detail);
    // The warm-up call made the six customers' arrays: old, each one holds Orders, and they are one finding.
    assert.equal(first.leaked.count, 2000, detail);
    assert.match(
      first.summary,
      /^2,000 Order \(\S+:1\) added to 6 arrays in pendingByCustomer and never removed/,
      detail,
    );
    assert.deepEqual(
      (s.growth ?? []).map((g) => g.holder),
      [],
      'the arrays grow only by the Orders the finding counts',
    );
  });

  test('what the first call builds once is no new object: one warm-up call comes before the before snapshot', () => {
    const s = scenario('orders-lazy-table');
    const detail = show(s.diff);
    assert.equal(s.diff.classes.find((c) => c.name === 'Lookup')?.added ?? 0, 0, detail);
    assert.equal(s.diff.findings[0]?.leaked.name, 'Order', detail);
    assert.equal(s.diff.findings[0]?.holder.name, 'pendingByCustomer', detail);
    assert.ok(s.log, 'the scenario printed its passes');
    const passes = readFileSync(s.log, 'utf8').match(/^pass \S+$/gm) ?? [];
    assert.equal(passes[0], 'pass warm-up', passes.join(', '));
    assert.equal(passes.filter((p) => p === 'pass warm-up').length, 1, passes.join(', '));
  });

  test('an unrelated string array and Buffer array growing beside them are findings of their own', () => {
    const s = scenario('orders-and-more');
    const detail = show(s.diff);
    const holders = s.diff.findings.map((f) => f.holder.name);
    assert.equal(s.diff.findings[0].leaked.name, 'Order', detail);
    assert.equal(s.diff.findings[0].holder.name, 'pendingByCustomer', detail);
    assert.ok(
      holders.some((h) => /^journal\b/.test(h)),
      detail,
    );
    assert.ok(
      holders.some((h) => /^chunks\b/.test(h)),
      detail,
    );
    assert.equal(holders.filter((h) => h.startsWith('pendingByCustomer')).length, 1, detail);
  });
});

describe('findings: run, requests kept by a middleware', () => {
  test('an express app keeping each request in a Map: the requests counted in it, not its bytes', async () => {
    const results = await runPrograms(
      {
        'requests-seen': `import express from 'express';
import http from 'node:http';
const app = express();
const seen = new Map();
app.use((req, res, next) => { seen.set(req, Date.now()); next(); });
app.get('/item/:id', (req, res) => res.json({ id: req.params.id }));
let server;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (path) => new Promise((resolve, reject) => {
  http.get({ port: server.address().port, path, agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
});
export default {
  name: 'requests-seen',
  expect: 'leak',
  async setup() { await new Promise((resolve) => { server = app.listen(0, '127.0.0.1', resolve); }); },
  async run({ iteration, batch }) { for (let i = 0; i < batch; i++) await get('/item/' + iteration + '-' + i); },
  async teardown() { agent.destroy(); server.close(); },
};
`,
      },
      10,
    );
    const s = results.get('requests-seen');
    assert.ok(s?.diff, s?.verdict);
    const detail = show(s.diff);
    const [first] = s.diff.findings;
    assert.ok(first, detail);
    assert.equal(first.pattern, 'collection', detail);
    assert.equal(first.leaked.name, 'IncomingMessage', detail);
    assert.equal(first.holder.name, 'seen', detail);
    assert.equal(s.diff.findings.filter((f) => f.holder.name === 'seen').length, 1, detail);
    // Node's class, held in a module-level Map: no place of the user's to name (not the module's first line).
    assert.equal(first.site, null, detail);
    assert.match(first.summary, /^\d[\d,]* IncomingMessage added to seen\b/, detail);
  });
});

/** Chromium: $CHROME_PATH, else Debian's; the test is skipped without one (outside CI). */
const chromium = process.env.CHROME_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null);

describe('findings: a Chromium page', {
  skip: chromium === null && process.env.CI !== 'true' ? 'no chromium' : false,
}, () => {
  async function pagePair(widgets: number): Promise<DiffResult> {
    const dir = tempDir('leakscan-findings-page-');
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--experimental-websocket',
          '--no-warnings',
          fixture('page-pair.mjs'),
          chromium ?? 'chromium',
          dir,
          String(widgets),
        ],
        { timeout: 120_000 },
        (err, _stdout, stderr) => (err ? reject(new Error(`page-pair.mjs: ${stderr || err.message}`)) : resolve()),
      );
    });
    return diffSnapshots(join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot'));
  }

  test('widgets kept in a global array: the class, window.kept, a collection; none when none are kept', async () => {
    const diff = await pagePair(300);
    const first = diff.findings[0];
    const detail = show(diff);
    assert.ok(first, detail);
    // Each Widget keeps a <div> never put in the document: a collection, or detached DOM once the reader marks them.
    assert.match(first.pattern, /^(collection|detached-dom)$/, detail);
    assert.equal(first.leaked.name, 'Widget', detail);
    assert.equal(first.leaked.count, 300, detail);
    assert.equal(first.holder.name, 'window.kept', detail);
    // The page's script is resolved from its id to its URL: the Widget class is on its line 2.
    assert.match(first.site?.script ?? '', /^data:text\/html,/, detail);
    assert.equal(first.site?.line, 2, detail);
    assert.match(first.fix, /window\.kept/);
    const none = await pagePair(0);
    assert.deepEqual(none.findings, [], show(none));
  });
});
