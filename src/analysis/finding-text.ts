// The words of a finding: its one-line summary and its fix, from the facts
// findings.ts read off the graph. The only place a finding's English is built;
// reporters print these strings and the facts beside them.
import { formatBytes, formatCount } from '../text/numbers.js';
import { formatLocation } from '../text/places.js';
import type { Finding, FindingPattern, SourceLocation } from '../types.js';

export interface FindingFacts {
  pattern: FindingPattern;
  /** The objects that accumulate directly (Node's Timeout, a library's list node, the user's class). */
  wrapper: { name: string; type: string; count: number };
  leaked: { name: string; type: string; count: number };
  retainedSize: number;
  /**
   * What the leaked objects retain themselves (the class row's Retained (new) for them) when it reads other than
   * retainedSize, which counts everything new under the holder (the callbacks around them, the holder's new storage).
   */
  leakedRetained?: number;
  holder: string;
  /** True when no object of the user's is on the way to the holder (Node's timer list, a runtime table). */
  holderIsRuntime: boolean;
  /** True when the holder names an object whose Blink listener table holds the objects (window, document). */
  eventTarget?: boolean;
  /**
   * Callbacks the page handed to the browser that hold the objects: requestAnimationFrame's (a timer finding),
   * or an observer's, by its kind (`MutationObserver`, a listener finding: it observes the holder).
   */
  browserCallbacks?: 'animation-frame' | `${string}Observer`;
  /** Listeners in the group when not the wrapper's count (the callbacks among many records they keep). */
  listeners?: number;
  /** True when the holder is a promise (work chained onto one that never settles). */
  holderIsPromise?: boolean;
  /** True when what leaks reads plainer than what accumulates (the user's class in a library's records): say it first. */
  leakedFirst?: boolean;
  /** True for a page's timers (Blink's DOMTimer on the path): held in the page's timer list, whatever object reached it. */
  pageTimers?: boolean;
  /** For listeners in an emitter's whole table (its `_events`): the events they are registered for. */
  events?: string[];
  /** True when what accumulates is Node's CommonJS modules (a file require()d per call): kept in require.cache. */
  modules?: boolean;
  /** True when what the summary names first is a generator object (V8 names it by its function): worker() generators. */
  generator?: boolean;
  /** For work waiting on a promise: the calls of an async function suspended at an await (its frames), by function. */
  awaiting?: { count: number; name: string; location: SourceLocation | null };
  /** For a queue whose entries are a linked list's links: the class each link holds (a pool's ResourceRequest). */
  item?: { name: string; count: number };
  /**
   * For strings: how many are slices of a larger new string (V8's sliced strings: a line cut from the chunk it was
   * read in), and those parents, which each slice keeps whole: their number and bytes.
   */
  slices?: { count: number; parents: number; parentBytes: number };
  /** For bytes: the strings a `+=` appended to the holder (the pieces below its string and the string on top). */
  appended?: number;
  /** The kind of Node's native handle (`TCPSocketWrap`) that keeps the objects: handles opened and never closed. */
  openHandle?: string;
  /** With openHandle: how many of Node's http.Agent are among them (a keep-alive Agent keeps its idle sockets open). */
  agents?: number;
  /** True when a FinalizationRegistry's held values keep the very objects registered with them (never collected). */
  heldByCell?: boolean;
  /** True for Node's timers that already ran or were cleared, kept in the user's collection (a collection). */
  spentTimers?: boolean;
  /** For a timer: the library's object it runs (rxjs's AsyncAction) when a library started it on the user's behalf. */
  timerStartedBy?: { name: string; location: SourceLocation };
  /** True when a timer keeps what leaks by itself, not through its callback (its AsyncLocalStorage store). */
  keptByTimer?: boolean;
  /**
   * How many of the holder's class there are when Chrome keeps each alive itself while it may fire events (a
   * BroadcastChannel, a WebSocket never closed): the holder names their class.
   */
  keptAlive?: number;
  /** True when the holder is a Map whose entries are keyed by the detached elements (a detached-dom finding). */
  keyedByDetached?: boolean;
  /**
   * For listeners that are themselves what leaks (the user's callback): the largest class of the user's or
   * a library's they keep (a socket.io Socket), said after them; for a listener or a collection, a vm context each.
   */
  kept?: { name: string; type: string; count: number };
  /** True when DOM nodes removed from the document are among what the callbacks keep (a listener finding). */
  keepsDetachedDom?: boolean;
  /** For detached DOM: the elements as Chrome names them (`<div class="tooltip">`), and how many have that name. */
  element?: { name: string; count: number };
  /** For a closure chain: it is held in an `on…` event handler property (each handler calls the one it replaced). */
  eventHandler?: boolean;
  /** For a listener: the subscriptions (rxjs Subscriber records) in an observable's list of observers. */
  subscriptions?: number;
  /**
   * What an array of callbacks or records is for, as its name says when the graph cannot: work to do again or
   * later (a queue finding: drain it), states to go back to (a collection: cap it).
   */
  role?: 'queue' | 'history';
  /** With a role: the class of most new entries of the array itself, and how many (a copy of the state per edit). */
  entries?: { name: string; type: string; count: number };
  /** The place of the suspended async function or generator one of whose locals is the holder (`a local variable of main()`). */
  frameLocal?: SourceLocation | null;
  site: SourceLocation | null;
  /** For byte growth: bytes per call (or per step between snapshots, see `per`). */
  bytesPerCall?: number;
  /** Bytes: how many objects grow side by side, one per key of the holder's collection (findings.ts byteGroups). */
  sideBySide?: number;
  /** What bytesPerCall is counted per: a call (run), or a step of a series of snapshots, whose calls no one counted. */
  per?: 'call' | 'step';
  /** True when the site is the holder's scope (its function or module), not where what leaks is defined. */
  siteIsHolders?: boolean;
  /** For a collection: the lists inside the holder the objects are spread over (a Map of arrays), by their class. */
  lists?: { count: number; name: string };
}

/** "6 arrays in orders", "3 Sets in subscribers": where a collection finding's objects sit, else its holder. */
function holderWithLists(facts: FindingFacts): string {
  if (!facts.lists || facts.lists.count < 2) return facts.holder;
  const kind = facts.lists.name === 'Array' ? 'arrays' : `${facts.lists.name}s`;
  return `${formatCount(facts.lists.count)} ${kind} in ${facts.holder}`;
}

/** "an UploadProgress", "a UserProfile", "a Unit": a U followed by one consonant and a vowel sounds "you". */
const an = (name: string): string =>
  /^[aeioAEIO]|^[uU](?![b-df-hj-np-tv-z][aeiou])/.test(name) ? `an ${name}` : `a ${name}`;

/** How a leaked object reads in a sentence: a class by name, a callback by name and place. */
function thing(leaked: { name: string; type: string }): string {
  if (leaked.type === 'closure')
    return leaked.name === '(anonymous)' || leaked.name === '' ? 'a callback' : `the callback ${leaked.name}`;
  if (leaked.type === 'string') return 'a string';
  return an(leaked.name);
}

function plural(count: number, one: string, many: string): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** "marketFeed._events.tick" → the emitter and the event; null for any other holder. */
function eventOf(holder: string): { emitter: string; event: string } | null {
  const match = /^(.*?)\.?_events(?:\.([^.[\]]+)|\["([^"]+)"\])$/.exec(holder);
  if (!match) return null;
  return { emitter: match[1] || 'the emitter', event: match[2] ?? match[3] };
}

/** "'ready' and 'error'", "'data', 'end' and 3 more": an emitter's events, quoted. */
function eventList(events: string[]): string {
  const SHOWN = 3;
  const quoted = events.slice(0, events.length > SHOWN + 1 ? SHOWN : events.length).map((e) => `'${e}'`);
  if (events.length > quoted.length) return `${quoted.join(', ')} and ${events.length - quoted.length} more`;
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/** The emitter and its events when the holder is an emitter's whole table (`input._events`), else null. */
function tableOf(facts: FindingFacts): { emitter: string; events: string[] } | null {
  const match = /^(.*?)\.?_events$/.exec(facts.holder);
  if (!match || !facts.events || facts.events.length === 0) return null;
  return { emitter: match[1] || 'the emitter', events: facts.events };
}

/** "Session (src/session.js:3)": a class or callback with the place in the user's code. */
const named = (name: string, site: SourceLocation | null): string => {
  const where = formatLocation(site);
  return where ? `${name} (${where})` : name;
};

const at = (site: SourceLocation | null): string => {
  const where = formatLocation(site);
  return where ? ` at ${where}` : '';
};

/**
 * "each keeping a Session" when the leaked thing is not what the summary named first (`named`, the wrapper by
 * default) and there are as many; "keeping 2,000 {x, y}" when there are more or fewer of them than of what was
 * named (an await leaves two callbacks for one call's objects).
 */
function keeping(
  facts: FindingFacts,
  named: { name: string; type: string; count: number } = facts.wrapper,
  count = named.count,
): string {
  if (facts.leaked.name === named.name && facts.leaked.type === named.type) return '';
  if (facts.leaked.count !== count) return `, keeping ${formatCount(facts.leaked.count)} ${facts.leaked.name}`;
  return `, each keeping ${thing(facts.leaked)}`;
}

/** What a summary counts and names first: the wrapper, or what leaks when that reads plainer (leakedFirst). */
const lead = (facts: FindingFacts): { name: string; type: string; count: number } =>
  facts.leakedFirst ? facts.leaked : facts.wrapper;

/** The lead's name as the summary says it: a generator object by its function, "worker() generators". */
const leadName = (facts: FindingFacts): string =>
  facts.generator ? `${lead(facts).name}() generators` : lead(facts).name;

/**
 * The EventTarget whose listeners hold the objects: Node's `x[kEvents]` (a Map by event type:
 * `x[kEvents].get("abort")`), or a page's object over Blink's table.
 */
function eventTargetOf(facts: FindingFacts): string | null {
  if (facts.eventTarget) return facts.holder;
  return /^(.+)\[kEvents\](\.get\([^)]*\))?$/.exec(facts.holder)?.[1] ?? null;
}

/** "prices$" for a Subject's `prices$.observers`; "the observable of X" for another holder. */
const observableOf = (holder: string): string => /^(.+)\.observers$/.exec(holder)?.[1] ?? `the observable of ${holder}`;

/**
 * The start of a named queue's or history's summary: "8 callbacks queued in retryQueue", "4 SaveRequest
 * (app.js:10) queued in failedRequests", "80 Array pushed onto edits.past".
 */
function roleEntries(facts: FindingFacts, verb: string): string {
  const first = roleLead(facts);
  if (first.type === 'closure') return `${plural(first.count, 'callback', 'callbacks')} ${verb} ${facts.holder}`;
  const container = CONTAINERS[first.name];
  if (container) return `${plural(first.count, container[0], container[1])} ${verb} ${facts.holder}`;
  return `${formatCount(first.count)} ${named(leadName(facts), facts.site)} ${verb} ${facts.holder}`;
}

/** Plain containers as a queue's or history's entries: a copy of the state per edit, as an array or an object. */
const CONTAINERS: Record<string, [string, string] | undefined> = {
  Array: ['array', 'arrays'],
  Object: ['object', 'objects'],
};

/**
 * What a queue or history counts: what is in it when that is callbacks or plain containers (then what they
 * keep), else the lead.
 */
const roleLead = (facts: FindingFacts): { name: string; type: string; count: number } =>
  facts.wrapper.type === 'closure'
    ? facts.wrapper
    : facts.entries && CONTAINERS[facts.entries.name]
      ? facts.entries
      : lead(facts);

/** The rest: what each keeps, the DOM they keep, where a callback was made, the bytes. */
function roleTail(facts: FindingFacts, bytes: string): string {
  const first = roleLead(facts);
  const kept = keeping(facts, first) || (facts.kept ? keeping({ ...facts, leaked: facts.kept }, first) : '');
  const dom = facts.keepsDetachedDom ? `${kept ? ' and' : ', keeping'} DOM nodes removed from the document` : '';
  const where = first.type === 'closure' && facts.site ? ` (made${at(facts.site)})` : '';
  return `${kept}${dom}${where} (${bytes}).`;
}

export function findingSummary(facts: FindingFacts): string {
  const bytes =
    facts.leakedRetained === undefined || facts.pattern === 'bytes'
      ? formatBytes(facts.retainedSize)
      : `${formatBytes(facts.retainedSize)} in all, ${formatBytes(facts.leakedRetained)} of it retained by the ${facts.leaked.type === 'closure' ? 'callbacks' : facts.leaked.type === 'string' ? 'strings' : facts.leaked.name}`;
  const held = facts.holderIsRuntime ? '' : `; held in ${facts.holder}`;
  switch (facts.pattern) {
    case 'timer': {
      if (facts.browserCallbacks === 'animation-frame') {
        const what = facts.leaked.type === 'closure' ? '' : ` keeps ${thing(facts.leaked)} each`;
        return `${plural(facts.wrapper.count, 'requestAnimationFrame callback', 'requestAnimationFrame callbacks')} never cancelled — the callback${at(facts.site)}${what} and requests the next frame (${bytes}).`;
      }
      const where = facts.pageTimers
        ? "the page's timer list"
        : facts.holderIsRuntime
          ? "Node's timer list"
          : facts.holder;
      if (facts.keptByTimer && facts.leaked.type !== 'closure')
        return `${plural(facts.wrapper.count, 'timer', 'timers')} never cleared, each keeping ${thing(facts.leaked)}${facts.site ? ` (started${at(facts.site)})` : ''} (${bytes}); held in ${where}.`;
      const what = facts.leaked.type === 'closure' ? '' : ` keeps ${thing(facts.leaked)} each`;
      const by = facts.timerStartedBy
        ? `, started by ${named(facts.timerStartedBy.name, facts.timerStartedBy.location)}`
        : '';
      return `${plural(facts.wrapper.count, 'timer', 'timers')} never cleared${by} — the callback${at(facts.site)}${what} (${bytes}); held in ${where}.`;
    }
    case 'listener': {
      const event = eventOf(facts.holder);
      const target = eventTargetOf(facts);
      const count = facts.listeners ?? facts.wrapper.count;
      const observer = facts.browserCallbacks !== 'animation-frame' ? facts.browserCallbacks : undefined;
      const table = tableOf(facts);
      if (facts.subscriptions) {
        const n = facts.subscriptions;
        const kept = keeping(facts, { name: '', type: 'closure', count: n }, n);
        const dom = facts.keepsDetachedDom ? `${kept ? ' and' : ', keeping'} DOM nodes removed from the document` : '';
        return `${plural(n, 'subscription', 'subscriptions')} to ${observableOf(facts.holder)} never unsubscribed${kept}${dom}${facts.site ? ` (subscribed${at(facts.site)})` : ''} (${bytes}).`;
      }
      const what = facts.keptAlive
        ? `${plural(facts.keptAlive, `${facts.holder} object`, `${facts.holder} objects`)} never closed, kept alive by their event listeners`
        : observer
          ? `${plural(count, observer, `${observer}s`)} observing ${facts.holder} and never disconnected`
          : event
            ? `${plural(count, `'${event.event}' listener`, `'${event.event}' listeners`)} added to ${event.emitter} and never removed`
            : table
              ? `${plural(count, 'callback', 'callbacks')} registered on ${table.emitter}'s ${eventList(table.events)} ${table.events.length === 1 ? 'event' : 'events'} and never removed`
              : target
                ? `${plural(count, 'event listener', 'event listeners')} added to ${target} and never removed`
                : `${plural(count, 'callback', 'callbacks')} registered in ${facts.holder} and never removed`;
      // Counted by their callbacks, the listeners keep even the wrapper's objects.
      // The callbacks are what leaks: what they keep, if anything was told, not the callbacks themselves.
      const self =
        facts.wrapper.type === 'closure' &&
        facts.leaked.name === facts.wrapper.name &&
        facts.leaked.type === facts.wrapper.type;
      let kept = self
        ? facts.kept
          ? keeping({ ...facts, leaked: facts.kept }, { name: '', type: 'closure', count }, count)
          : ''
        : facts.listeners === undefined
          ? keeping(facts)
          : keeping(facts, { name: '', type: 'closure', count }, count);
      if (facts.keepsDetachedDom)
        kept += kept ? ' and DOM nodes removed from the document' : ', keeping DOM nodes removed from the document';
      return `${what}${kept}${facts.site ? ` (registered${at(facts.site)})` : ''} (${bytes}).`;
    }
    case 'collection':
      if (facts.spentTimers)
        return `${plural(facts.wrapper.count, 'timer that already ran or was cleared', 'timers that already ran or were cleared')}, kept in ${facts.holder} and never removed${keeping(facts)}${facts.site ? ` (callback${at(facts.site)})` : ''} (${bytes}).`;
      if (facts.role === 'history')
        return `${roleEntries(facts, 'pushed onto')} and never dropped: a history with no limit${roleTail(facts, bytes)}`;
      if (facts.heldByCell)
        return `${formatCount(facts.leaked.count)} ${named(facts.leaked.name, facts.site)} registered in ${facts.holder} with a held value that keeps them: never collected (${bytes}).`;
      if (facts.slices) {
        const { count, parents, parentBytes } = facts.slices;
        return `${plural(count, 'string', 'strings')} added to ${facts.holder} and never removed, each a slice of a larger string that it keeps whole (${plural(parents, 'string', 'strings')} of ${formatBytes(parentBytes / parents)} on average, the chunks they were cut from) (${bytes}).`;
      }
      if (facts.modules)
        return `${plural(facts.wrapper.count, 'module', 'modules')} loaded by require() and kept in ${facts.holder}${facts.site ? `, such as ${formatLocation(facts.site)}` : ''} (${bytes}).`;
      return `${formatCount(lead(facts).count)} ${named(leadName(facts), facts.siteIsHolders ? null : facts.site)} added to ${'frameLocal' in facts ? named(facts.holder, facts.frameLocal ?? null) : facts.siteIsHolders ? named(holderWithLists(facts), facts.site) : holderWithLists(facts)} and never removed${keeping(facts, lead(facts)) || (facts.kept ? keeping({ ...facts, leaked: facts.kept }, lead(facts)) : '')} (${bytes}).`;
    case 'queue':
      if (facts.role === 'queue')
        return `${roleEntries(facts, 'queued in')} and never removed${roleTail(facts, bytes)}`;
      // An await leaves two callbacks (fulfilled, rejected) per call: the calls are what the user counts.
      if (facts.awaiting) {
        const { count, name, location } = facts.awaiting;
        const on = facts.holderIsPromise ? `on ${facts.holder}, which never settles` : `in ${facts.holder}`;
        return `${plural(count, `call of ${named(`${name}()`, location)}`, `calls of ${named(`${name}()`, location)}`)} waiting at an await ${on}${keeping(facts, { name, type: 'closure', count }, count)} (${bytes}).`;
      }
      if (facts.wrapper.type === 'closure')
        return `${plural(facts.wrapper.count, 'callback', 'callbacks')} waiting in ${facts.holder} that never run${keeping(facts)}${facts.site ? `, from ${formatLocation(facts.site)}` : ''} (${bytes}).`;
      if (facts.item)
        return `${formatCount(facts.item.count)} pending ${facts.item.name} in ${facts.holder} that never complete${keeping(facts, { ...facts.item, type: 'object' })}${facts.site ? `, from ${formatLocation(facts.site)}` : ''} (${bytes}).`;
      return `${plural(facts.wrapper.count, 'pending item', 'pending items')} (${facts.wrapper.name}) in ${facts.holder} that never complete${keeping(facts)}${facts.site ? `, from ${formatLocation(facts.site)}` : ''} (${bytes}).`;
    case 'closure-chain':
      return `${plural(facts.leaked.count, facts.leaked.name, facts.leaked.name)} chained through closures: each keeps the previous one through a closure's scope${at(facts.site)} (${bytes})${facts.eventHandler ? `; held in an on… event handler property of ${facts.holder}` : held}.`;
    case 'detached-dom':
      if (facts.element)
        return `${formatCount(facts.element.count)} ${facts.element.name} ${facts.element.count === 1 ? 'node' : 'nodes'} removed from the document and still referenced from ${facts.holder} (${facts.element.count < facts.wrapper.count ? `${formatCount(facts.wrapper.count)} ${facts.wrapper.name} in all, ` : ''}${bytes}).`;
      if (facts.wrapper.name.startsWith('Detached '))
        return `${formatCount(facts.wrapper.count)} ${facts.wrapper.name} nodes removed from the document and still referenced from ${facts.holder} (${bytes}).`;
      return `${formatCount(facts.wrapper.count)} ${named(facts.wrapper.name, facts.site)} in ${facts.holder} keep DOM nodes removed from the document (${bytes}).`;
    case 'bytes':
      if (facts.appended !== undefined)
        return `${facts.holder} is a string built by appending (+=): ${formatCount(facts.appended)} pieces, never reset (${bytes}).`;
      // Several side by side (one per key of a collection): their growth together.
      if ((facts.sideBySide ?? 1) > 1)
        return `${formatCount(facts.sideBySide ?? 1)} ${facts.wrapper.name} objects in ${facts.holder} grow ${formatBytes(facts.bytesPerCall ?? 0)} per ${facts.per ?? 'call'} together (${bytes} now).`;
      return `${facts.holder} grows ${formatBytes(facts.bytesPerCall ?? 0)} per ${facts.per ?? 'call'} (${bytes} now).`;
    case 'stack':
      return `${formatCount(lead(facts).count)} ${named(leadName(facts), facts.site)} held only by a running function${keeping(facts, lead(facts))} (${bytes}).`;
    default:
      if (facts.openHandle) {
        const agents = facts.agents ? `, with ${plural(facts.agents, 'http.Agent', 'http.Agent')}` : '';
        return `${formatCount(facts.leaked.count)} ${named(facts.leaked.name, facts.site)} open and never closed, each kept by its native handle (${facts.openHandle})${agents} (${bytes}).`;
      }
      return `${formatCount(lead(facts).count)} ${named(leadName(facts), facts.site)} held by ${facts.holder}${keeping(facts, lead(facts))} (${bytes}).`;
  }
}

export function findingFix(facts: FindingFacts): string {
  const holder = facts.holder;
  switch (facts.pattern) {
    case 'timer':
      if (facts.browserCallbacks === 'animation-frame')
        return `cancelAnimationFrame the frame requested${at(facts.site)} when what it draws goes away (keep the id requestAnimationFrame returns), or stop requesting the next one from the callback.`;
      if (facts.timerStartedBy)
        return `The timer belongs to ${named(facts.timerStartedBy.name, facts.timerStartedBy.location)}, which started it on your behalf: unsubscribe() (or stop, close) what you started through it${at(facts.site)} when it is no longer needed; clearInterval is not yours to call.`;
      return `clearInterval (or clearTimeout) the timer started${at(facts.site)} when it is no longer needed, e.g. when the request or object it serves ends.`;
    case 'listener': {
      if (facts.subscriptions)
        return `Unsubscribe from ${observableOf(holder)} when what subscribed goes away (a component's unmount, an effect's cleanup): keep the Subscription subscribe() returns and call its unsubscribe(), or end the stream there with takeUntil(destroy$).`;
      if (facts.browserCallbacks !== undefined && facts.browserCallbacks !== 'animation-frame')
        return `Call disconnect() on the ${facts.browserCallbacks} observing ${holder} when what created it goes away (a component's unmount, an effect's cleanup).`;
      if (facts.keptAlive)
        return `Close each ${holder} (close(); terminate() for a Worker, abort() for a request) or remove its event listeners when what opened it goes away (a component's unmount, an effect's cleanup): Chrome keeps it alive while it can still fire events.`;
      const event = eventOf(holder);
      const target = eventTargetOf(facts);
      if (target && facts.eventTarget)
        return `Remove the listener from ${target} with removeEventListener when what added it goes away (a component's unmount, an effect's cleanup), or add it with { once: true } or an AbortSignal.`;
      if (target)
        return `Remove the listener from ${target} with removeEventListener when it is no longer needed, or add it with { once: true } or a signal that ends with the request.`;
      const table = tableOf(facts);
      if (table)
        return `Remove the ${eventList(table.events)} listeners from ${table.emitter} when they are no longer needed (off/removeListener, or close what added them), or register them once at start-up instead of per call.`;
      if (event)
        return `Remove the '${event.event}' listener from ${event.emitter} when it is no longer needed (off/removeListener), or register it once (once, or at start-up instead of per call).`;
      return `Unregister the callback from ${holder} when it is no longer needed (its remove/eject/unsubscribe function), or register it once at start-up instead of per call.`;
    }
    case 'collection':
      if (facts.spentTimers)
        return `Remove each timer from ${holder} once it has run or been cleared (delete it in its callback, and beside clearTimeout): Node lets go of a timer when it has run, ${holder} keeps it and all its callback keeps.`;
      if (facts.role === 'history')
        return `Cap ${holder}: drop its oldest entry once it holds more than a set number (shift() past the limit), and empty it when what it undoes is closed.`;
      if (facts.heldByCell)
        return `Give ${holder}.register() a held value that does not reference the object registered (its id, or a record without it): a registry keeps its held values strongly, so the object is never collected and its cleanup never runs.`;
      if (facts.slices)
        return `Keep a copy of each string in ${holder}, not a slice: V8 keeps the whole string a slice was cut from (the chunk a line was read in), and slice(), substring() or trim() of a slice are slices too. Buffer.from(s).toString() makes a flat copy; or keep only what you parse out of it, or read in smaller chunks (highWaterMark); and bound ${holder} if it keeps growing.`;
      if (facts.modules)
        return `Node never unloads a module: require a fixed set of files, not a new one per call (run generated code with vm or new Function instead); delete require.cache[file] alone leaves the module in its parent's module.children.`;
      if ('frameLocal' in facts)
        return `${named(holder.replace(/^a local variable of /, ''), facts.frameLocal ?? null)} keeps them in a local variable for as long as it runs (suspended at an await or a yield): handle each entry and let it go (stream it out, keep a count or a bounded window), or return sooner.`;
      return `Bound or evict the entries of ${holder} (an LRU cache with a max size, or delete each entry when it is done).`;
    case 'queue':
      if (facts.role === 'queue')
        return `Drain ${holder}: take each entry out once it has run, succeeded or been given up on (after a few attempts), cap its length, and remove what was queued for a view or request that went away.`;
      if (facts.holderIsPromise)
        return `Settle (or reject) ${holder} when its work ends, or stop chaining per-call work onto it: every then, await or Promise.race on a promise that never settles keeps its callbacks.`;
      return `Serve or time out what waits in ${holder}: release or complete what it waits for (a resource acquired and never released, best in a finally; a stuck worker; a lost connection; a promise never settled), give each waiter a timeout that rejects it, or bound the queue and reject new work when it is full.`;
    case 'closure-chain':
      if (facts.eventHandler)
        return `Break the chain: the handler set${at(facts.site)} calls the ${holder}.on… handler it replaced; add each with ${holder}.addEventListener and remove it with removeEventListener when what added it goes away.`;
      return `Break the chain: do not let the closure created${at(facts.site)} capture the previous value of ${holder} (clear the variable, or move it out of the scope the closures share).`;
    case 'detached-dom':
      if (facts.keyedByDetached)
        return `Delete each entry of ${holder} when its element is removed from the document, or make ${holder} a WeakMap: keyed by the element, its entry goes with it.`;
      return `Drop the references in ${holder} to DOM nodes once they are removed from the document.`;
    case 'bytes':
      return `Bound ${holder}: cap or trim what it keeps, or release it when done.`;
    case 'stack':
      return 'Let the running function finish or release these objects inside it (locals of a long loop, an async function that never resumes).';
    default:
      if (facts.agents)
        return `Share one http.Agent instead of making one per call: a keep-alive Agent keeps its idle sockets open until agent.destroy() (or pass no agent, or call agent.destroy() when done).`;
      if (facts.openHandle)
        return `Close each ${facts.leaked.name} when its work is done (end(), destroy() or close()), or reuse one instead of opening one per call.`;
      return `Release the ${facts.leaked.name} objects from ${holder} when they are no longer needed.`;
  }
}

const KINDS: Record<string, string> = { closure: 'closures', string: 'strings', native: 'native objects' };

/** A finding in a few words, for one-line verdicts: "1000 B objects in cache (collection)", "samples grows 80 B per call (bytes)". */
export function findingHeadline(finding: Finding): string {
  if (finding.pattern === 'bytes') {
    const match = / grows? (\S+ \S+ per (call|step))/.exec(finding.summary);
    if (!match && / built by appending /.test(finding.summary))
      return `${finding.holder.name} grows by appending (${formatBytes(finding.leaked.retainedSize)}) (bytes)`;
    return `${finding.holder.name} grows ${match ? match[1] : `${formatBytes(finding.leaked.retainedSize)} per call`} (bytes)`;
  }
  const kind = KINDS[finding.leaked.type] ?? 'objects';
  // A timer's holder is the runtime's list (Node's timerListMap, a page's DOMTimer): no name of the user's.
  const where =
    finding.pattern !== 'timer'
      ? `in ${finding.holder.name}`
      : /^\S+ requestAnimationFrame callbacks? never cancelled/.test(finding.summary)
        ? 'kept by requestAnimationFrame callbacks never cancelled'
        : 'kept by timers never cleared';
  return `${formatCount(finding.leaked.count)} ${finding.leaked.name} ${kind} ${where} (${finding.pattern})`;
}
