// Whose code a place or class is (rules.ts), and the words of a finding (finding-text.ts), table-driven.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type FindingFacts, findingFix, findingHeadline, findingSummary } from '../src/analysis/finding-text.js';
import { grownInside, roleByName, tagAndClass } from '../src/analysis/findings.js';
import { isUserScript, Tier, tierOf } from '../src/analysis/ownership.js';
import type { Finding, RetainerPath } from '../src/types.js';

describe('isUserScript', () => {
  const cases: Array<[string, boolean]> = [
    ['/srv/app/src/upload.js', true],
    ['file:///srv/app/src/upload.js', true],
    ['https://example.com/static/js/main.4f3a.js', true],
    ['/srv/app/node_modules/express/lib/router/index.js', false],
    ['C:\\app\\node_modules\\ws\\lib\\websocket.js', false],
    ['node:internal/timers', false],
    ['node:events', false],
    ['https://example.com/static/js/vendors~main.chunk.js', false],
    ['https://example.com/assets/vendor.1a2b.js', false],
    ['chrome-extension://abc/content.js', false],
    ['', false],
  ];
  for (const [script, expected] of cases)
    test(`${script || '(empty)'} → ${expected}`, () => assert.equal(isUserScript(script), expected));
});

describe('tierOf: what the user recognises first', () => {
  const user = { script: '/srv/app/src/session.js', line: 3, column: 1 };
  const lib = { script: '/srv/app/node_modules/async/dist/async.js', line: 10, column: 1 };
  const node = { script: 'node:internal/timers', line: 170, column: 1 };
  const cases: Array<[string, string, typeof user | null, boolean, number]> = [
    ['Session', 'object', user, false, Tier.userClass],
    ['onTick', 'closure', user, false, Tier.userClosure],
    ['(anonymous)', 'closure', user, false, Tier.userClosure],
    // A suspended async function's frame, placed at the function: the user's function, not their class.
    ['Generator', 'object', user, false, Tier.userClosure],
    ['Generator', 'object', lib, false, Tier.library],
    ['{id, user}', 'object', null, true, Tier.shape],
    ['{id, user}', 'object', user, true, Tier.shape],
    // A record whose literal is a library's (react-dom's value tracker on each input): that library's.
    ['{getValue, setValue, stopTracking}', 'object', lib, true, Tier.library],
    ['DLL', 'object', lib, false, Tier.library],
    ['Timeout', 'object', node, false, Tier.library],
    ['Array', 'object', null, false, Tier.plain],
    ['(string)', 'string', null, false, Tier.plain],
    ['system / Context', 'object', null, false, Tier.runtime],
    ['Node / ContextifyScript', 'native', null, false, Tier.runtime],
    ['blink::RegisteredEventListener', 'native', null, false, Tier.runtime],
    ['(compiled code)', 'code', null, false, Tier.runtime],
  ];
  for (const [name, type, location, shaped, tier] of cases)
    test(`${name} (${type}) → ${tier}`, () => assert.equal(tierOf(name, type, location, shaped), tier));
});

describe('roleByName: what an array is for, when its name says', () => {
  const cases: Array<[string, 'queue' | 'history' | null]> = [
    ['retryQueue', 'queue'],
    ['uploader.failedRequests', 'queue'],
    ['state.pending', 'queue'],
    ['editor.undoStack', 'history'],
    ['edits.past', 'history'],
    ['this.history', 'history'],
    ['settings.listeners', null],
    ['bus.handlers["cart:changed"]', null],
    ['pastry', null],
    ['app.router.stack', null],
    ['uploader._events.failed', null],
    ['job[kEvents].get("retry")', null],
    ['cache', null],
  ];
  for (const [access, role] of cases) test(`${access} → ${role}`, () => assert.equal(roleByName(access), role));
});

describe('tagAndClass: a detached element by its tag and class, not its one-off attributes', () => {
  const cases: Array<[string, string | null]> = [
    ['<div class="tooltip">', '<div class="tooltip">'],
    ['<div class="dialog" aria-labelledby="title-0">', '<div class="dialog">'],
    ['<li id="row-17" class="row selected">', '<li class="row selected">'],
    ['<my-card data-class="x" class="card">', '<my-card class="card">'],
    ['<div id="app">', null],
    ['<div class="">', null],
    ['<div>', null],
    ['Detached <div>', null],
  ];
  for (const [name, expected] of cases) test(`${name} → ${expected}`, () => assert.equal(tagAndClass(name), expected));
});

describe('finding text', () => {
  const site = { script: `${process.cwd()}/src/upload.js`, line: 32, column: 5 };
  const facts = (extra: Partial<FindingFacts>): FindingFacts => ({
    pattern: 'other',
    wrapper: { name: 'Timeout', type: 'object', count: 400 },
    leaked: { name: 'UploadProgress', type: 'object', count: 400 },
    retainedSize: 6554,
    holder: 'timerListMap[60000]',
    holderIsRuntime: true,
    site,
    ...extra,
  });
  test('timer: both counts, the callback place and the kept object; clearInterval at that place', () => {
    const f = facts({ pattern: 'timer' });
    assert.equal(
      findingSummary(f),
      "400 timers never cleared — the callback at src/upload.js:32 keeps an UploadProgress each (6.40 KB); held in Node's timer list.",
    );
    assert.match(findingFix(f), /^clearInterval \(or clearTimeout\) the timer started at src\/upload\.js:32 /);
  });
  test("a page's timers: held in the page's timer list, not in the object the path reached it from", () => {
    const f = facts({ pattern: 'timer', holder: 'window', holderIsRuntime: false, pageTimers: true });
    assert.match(findingSummary(f), /; held in the page's timer list\.$/);
  });
  test('a requestAnimationFrame loop: frame callbacks never cancelled; cancelAnimationFrame at the callback', () => {
    const f = facts({
      pattern: 'timer',
      browserCallbacks: 'animation-frame',
      holder: 'document',
      holderIsRuntime: false,
    });
    assert.match(
      findingSummary(f),
      /^400 requestAnimationFrame callbacks never cancelled — the callback at src\/upload\.js:32 keeps an UploadProgress each/,
    );
    assert.match(findingFix(f), /^cancelAnimationFrame the frame requested at src\/upload\.js:32 /);
  });
  test('an observer never disconnected: what it observes, and disconnect() in the fix', () => {
    const f = facts({
      pattern: 'listener',
      browserCallbacks: 'MutationObserver',
      wrapper: { name: 'Widget', type: 'object', count: 4 },
      leaked: { name: 'Widget', type: 'object', count: 4 },
      listeners: 4,
      holder: 'document.body',
      holderIsRuntime: false,
    });
    assert.match(
      findingSummary(f),
      /^4 MutationObservers observing document\.body and never disconnected, each keeping a Widget/,
    );
    assert.match(findingFix(f), /^Call disconnect\(\) on the MutationObserver observing document\.body /);
  });
  test('objects Chrome keeps alive for their listeners: never closed, and how each kind is closed', () => {
    const f = facts({
      pattern: 'listener',
      keptAlive: 4,
      wrapper: { name: 'Preview', type: 'object', count: 4 },
      leaked: { name: 'Preview', type: 'object', count: 4 },
      holder: 'Worker',
      holderIsRuntime: false,
      eventTarget: true,
    });
    assert.match(findingSummary(f), /^4 Worker objects never closed, kept alive by their event listeners\b/);
    assert.match(
      findingFix(f),
      /^Close each Worker \(close\(\); terminate\(\) for a Worker, abort\(\) for a request\)/,
    );
  });
  test('callbacks in a list that keep nothing named: no count of their own class as what they keep', () => {
    // 8 closures in the list, 12 of their class in the group (4 more are handlers inside the DOM they keep).
    const f = facts({
      pattern: 'listener',
      wrapper: { name: '(anonymous)', type: 'closure', count: 12 },
      leaked: { name: '(anonymous)', type: 'closure', count: 12 },
      listeners: 8,
      keepsDetachedDom: true,
      holder: 'retryQueue',
      holderIsRuntime: false,
    });
    assert.match(
      findingSummary(f),
      /^8 callbacks registered in retryQueue and never removed, keeping DOM nodes removed from the document \(/,
    );
  });
  test("an observable's subscriptions: what each keeps, and unsubscribe or takeUntil in the fix", () => {
    const f = facts({
      pattern: 'listener',
      wrapper: { name: 'b', type: 'object', count: 8 },
      leaked: { name: 'PriceWidget', type: 'object', count: 4 },
      subscriptions: 4,
      keepsDetachedDom: true,
      holder: 'prices$.observers',
      holderIsRuntime: false,
    });
    assert.match(
      findingSummary(f),
      /^4 subscriptions to prices\$ never unsubscribed, each keeping a PriceWidget and DOM nodes removed from the document \(subscribed at src\/upload\.js:32\)/,
    );
    assert.match(findingFix(f), /^Unsubscribe from prices\$ when .*unsubscribe\(\).*takeUntil\(destroy\$\)/);
  });
  test('a queue by its name: queued and never removed, what they keep; drain and cap it', () => {
    const f = facts({
      pattern: 'queue',
      role: 'queue',
      wrapper: { name: 'retry', type: 'closure', count: 8 },
      leaked: { name: 'Uploader', type: 'object', count: 4 },
      keepsDetachedDom: true,
      holder: 'retryQueue',
      holderIsRuntime: false,
      leakedFirst: true,
    });
    assert.match(
      findingSummary(f),
      /^8 callbacks queued in retryQueue and never removed, keeping 4 Uploader and DOM nodes removed from the document \(made at src\/upload\.js:32\)/,
    );
    assert.match(findingFix(f), /^Drain retryQueue: take each entry out once it has run.*cap its length/);
    const records = facts({
      pattern: 'queue',
      role: 'queue',
      wrapper: { name: 'SaveRequest', type: 'object', count: 4 },
      leaked: { name: 'SaveRequest', type: 'object', count: 4 },
      holder: 'failedRequests',
      holderIsRuntime: false,
    });
    assert.match(
      findingSummary(records),
      /^4 SaveRequest \(src\/upload\.js:32\) queued in failedRequests and never removed \(/,
    );
  });
  test('an undo history by its name: pushed and never dropped; cap it', () => {
    const f = facts({
      pattern: 'collection',
      role: 'history',
      wrapper: { name: '(anonymous)', type: 'closure', count: 80 },
      leaked: { name: '(anonymous)', type: 'closure', count: 80 },
      holder: 'undoStack',
      holderIsRuntime: false,
    });
    assert.match(
      findingSummary(f),
      /^80 callbacks pushed onto undoStack and never dropped: a history with no limit \(made at src\/upload\.js:32\)/,
    );
    assert.match(findingFix(f), /^Cap undoStack: drop its oldest entry/);
    // Copies of the state pushed per edit: the arrays pushed, then what they keep.
    const copies = facts({
      pattern: 'collection',
      role: 'history',
      wrapper: { name: 'Shape', type: 'object', count: 69 },
      leaked: { name: 'Shape', type: 'object', count: 69 },
      entries: { name: 'Array', type: 'object', count: 80 },
      holder: 'edits.past',
      holderIsRuntime: false,
    });
    assert.match(
      findingSummary(copies),
      /^80 arrays pushed onto edits\.past and never dropped: a history with no limit, keeping 69 Shape \(/,
    );
  });
  test('detached elements named as Chrome names them, with their class, and how many in all', () => {
    const f = facts({
      pattern: 'detached-dom',
      wrapper: { name: 'Detached <div>', type: 'native', count: 8 },
      leaked: { name: 'Detached <div>', type: 'native', count: 8 },
      element: { name: '<div class="tooltip">', count: 4 },
      holder: 'tooltipCache',
      holderIsRuntime: false,
    });
    assert.match(
      findingSummary(f),
      /^4 <div class="tooltip"> nodes removed from the document and still referenced from tooltipCache \(8 Detached <div> in all, /,
    );
    const all = { ...f, wrapper: { ...f.wrapper, count: 4 }, leaked: { ...f.leaked, count: 4 } };
    assert.match(findingSummary(all), /still referenced from tooltipCache \(6\.40 KB\)\.$/);
  });
  test('closures chained through an on… event handler: addEventListener in the fix, not "the previous value of window"', () => {
    const f = facts({
      pattern: 'closure-chain',
      wrapper: { name: '(anonymous)', type: 'closure', count: 4 },
      leaked: { name: 'Sidebar', type: 'object', count: 4 },
      eventHandler: true,
      holder: 'window',
      holderIsRuntime: false,
    });
    assert.match(findingSummary(f), /; held in an on… event handler property of window\.$/);
    assert.match(
      findingFix(f),
      /^Break the chain: the handler set at src\/upload\.js:32 calls the window\.on… handler it replaced; add each with window\.addEventListener/,
    );
  });
  test('listener on an EventEmitter: the event and the emitter, in the summary and the fix', () => {
    const f = facts({
      pattern: 'listener',
      wrapper: { name: 'onTick', type: 'closure', count: 300 },
      leaked: { name: 'Subscription', type: 'object', count: 300 },
      holder: 'marketFeed._events.tick',
      holderIsRuntime: false,
    });
    assert.match(
      findingSummary(f),
      /^300 'tick' listeners added to marketFeed and never removed, each keeping a Subscription/,
    );
    assert.match(findingFix(f), /Remove the 'tick' listener from marketFeed/);
  });
  test('listeners that are what leaks: not "keeping" themselves; what they keep, when told', () => {
    const f = facts({
      pattern: 'listener',
      wrapper: { name: 'onPrice', type: 'closure', count: 200 },
      leaked: { name: 'onPrice', type: 'closure', count: 200 },
      listeners: 200,
      holder: 'prices._events.price',
      holderIsRuntime: false,
    });
    assert.match(findingSummary(f), /^200 'price' listeners added to prices and never removed \(registered at /);
    assert.match(
      findingSummary({ ...f, kept: { name: 'Socket', type: 'object', count: 200 } }),
      /^200 'price' listeners added to prices and never removed, each keeping a Socket \(registered at /,
    );
  });
  test('a string appended to: its pieces, and a headline without a rate', () => {
    const f = facts({
      pattern: 'bytes',
      wrapper: { name: '(string)', type: 'string', count: 1 },
      leaked: { name: '(string)', type: 'string', count: 1 },
      holder: 'accessLog',
      holderIsRuntime: false,
      appended: 1200,
    });
    const summary = findingSummary(f);
    assert.match(summary, /^accessLog is a string built by appending \(\+=\): 1,200 pieces, never reset \(/);
    const finding = {
      pattern: 'bytes' as const,
      leaked: { name: '(string)', type: 'string', count: 1200, retainedSize: 6554, location: null },
      holder: { name: 'accessLog', nodeId: 1, location: null },
      site: null,
      retainerPath: [],
      summary,
      fix: findingFix(f),
    };
    assert.equal(findingHeadline(finding), 'accessLog grows by appending (6.40 KB) (bytes)');
  });
  test('queue: fewer kept objects than callbacks are counted, not "each"', () => {
    // An await leaves two callbacks on the promise for one suspended call and its one RequestContext.
    const f = facts({
      pattern: 'queue',
      wrapper: { name: '(anonymous)', type: 'closure', count: 600 },
      leaked: { name: 'RequestContext', type: 'object', count: 300 },
      holder: 'gate',
      holderIsRuntime: false,
      holderIsPromise: true,
    });
    assert.match(findingSummary(f), /^600 callbacks waiting in gate that never run, keeping 300 RequestContext, from /);
  });
  test("listener on Node's EventTarget: its listener Map's entry names the target", () => {
    const f = facts({
      pattern: 'listener',
      wrapper: { name: 'onAbort', type: 'closure', count: 120 },
      leaked: { name: 'Job', type: 'object', count: 120 },
      holder: 'shutdown.signal[kEvents].get("abort")',
      holderIsRuntime: false,
    });
    assert.match(findingSummary(f), /^120 event listeners added to shutdown\.signal and never removed/);
    assert.match(findingFix(f), /^Remove the listener from shutdown\.signal with removeEventListener/);
  });
  test('bytes: per call in a run, per step between the snapshots of a series', () => {
    const f = facts({ pattern: 'bytes', holder: 'log', holderIsRuntime: false, bytesPerCall: 19_251 });
    assert.match(findingSummary(f), /^log grows 18\.8 KB per call \(/);
    assert.match(findingSummary({ ...f, per: 'step' }), /^log grows 18\.8 KB per step \(/);
  });
  test('collection: what is added, where; bound or evict that holder', () => {
    const f = facts({
      pattern: 'collection',
      wrapper: { name: 'Profile', type: 'object', count: 120 },
      leaked: { name: 'Profile', type: 'object', count: 120 },
      holder: 'cache',
      holderIsRuntime: false,
    });
    assert.equal(findingSummary(f), '120 Profile (src/upload.js:32) added to cache and never removed (6.40 KB).');
    assert.match(findingFix(f), /^Bound or evict the entries of cache /);
  });
  test("a finding's size beside what the leaked objects retain, when the two differ (the class row's number)", () => {
    const f = facts({
      pattern: 'collection',
      wrapper: { name: 'IncomingMessage', type: 'object', count: 120 },
      leaked: { name: 'IncomingMessage', type: 'object', count: 120 },
      retainedSize: 783_565,
      leakedRetained: 748_236,
      holder: 'seen',
      holderIsRuntime: false,
      site: null,
    });
    assert.equal(
      findingSummary(f),
      '120 IncomingMessage added to seen and never removed (765.2 KB in all, 730.7 KB of it retained by the IncomingMessage).',
    );
  });
  test('the verdict headline: count, name, holder, pattern', () => {
    const finding = {
      pattern: 'collection' as const,
      leaked: { name: 'B', type: 'object', count: 1000, retainedSize: 1, location: null },
      holder: { name: 'cache', nodeId: 1, location: null },
      site: null,
      retainerPath: [],
      summary: '',
      fix: '',
    };
    assert.equal(findingHeadline(finding), '1,000 B objects in cache (collection)');
    // A timer's holder is Node's timer list, never the user's name: the headline says what keeps them.
    const timer = {
      ...finding,
      pattern: 'timer' as const,
      holder: { name: '_onTimeout[…]', nodeId: 2, location: null },
    };
    assert.equal(findingHeadline(timer), '1,000 B objects kept by timers never cleared (timer)');
    const frames = {
      ...timer,
      summary: '4 requestAnimationFrame callbacks never cancelled — the callback at a.js:3 keeps a B each',
    };
    assert.equal(
      findingHeadline(frames),
      '1,000 B objects kept by requestAnimationFrame callbacks never cancelled (timer)',
    );
  });
});

describe('grownInside: byte growth within what a counted finding already reports', () => {
  const script = 'file:///srv/app/chart.js';
  const finding = (site: number, pattern: Finding['pattern'] = 'timer'): Finding => ({
    pattern,
    leaked: {
      name: 'Sparkline',
      type: 'object',
      count: 4,
      retainedSize: 2000,
      location: { script, line: 3, column: 1 },
    },
    holder: { name: 'document', nodeId: 7, location: null },
    site: { script, line: site, column: 5 },
    retainerPath: [],
    summary: '',
    fix: '',
  });
  const step = (name: string, type: string, line?: number): RetainerPath[number] => ({
    nodeId: 1,
    name,
    type,
    edge: { type: 'property', name: 'x' },
    ...(line === undefined ? {} : { location: { script, line, column: 5 } }),
  });
  const at = (s: RetainerPath[number], nodeId: number): RetainerPath[number] => ({ ...s, nodeId });
  /** The finding's own path: … → Window @5 → its holder @7 → a list @20 → the leaked objects @30. */
  const onPath = (f: Finding): Finding => ({
    ...f,
    retainerPath: [
      at(step('Window', 'native'), 5),
      at(step('Object', 'object'), 7),
      at(step('TimersList', 'object'), 20),
      at(step('Sparkline', 'object', 3), 30),
    ],
  });
  // A frame callback's scope holds the samples array that grows: the callbacks the finding counts keep it.
  const viaCallback = [step('Window', 'native'), step('tick', 'closure', 11), step('Array', 'object')];
  const viaModule = [step('Window', 'native'), step('system / Context', 'object'), step('Array', 'object')];
  const cases: Array<[string, RetainerPath, Finding, boolean]> = [
    ["through the finding's callback", viaCallback, finding(11), true],
    [
      'through an object of the leaked class',
      [step('Sparkline', 'object', 3), step('Array', 'object')],
      finding(20),
      true,
    ],
    ['through neither', viaModule, finding(11), false],
    ['through another callback of the same script', viaCallback, finding(12), false],
    ['a byte finding explains nothing', viaCallback, finding(11, 'bytes'), false],
    [
      'the list the counted objects accumulate in, below the finding’s holder (a timer list)',
      [at(step('global', 'object'), 3), at(step('Object', 'object'), 7), at(step('TimersList', 'object'), 20)],
      onPath(finding(40)),
      true,
    ],
    [
      'an object above the finding’s holder on its path',
      [at(step('global', 'object'), 3), at(step('Window', 'native'), 5)],
      onPath(finding(40)),
      false,
    ],
  ];
  for (const [name, path, f, expected] of cases) test(name, () => assert.equal(grownInside(path, f), expected));
});
