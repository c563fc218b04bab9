// How heap nodes are grouped into classes, shared by both engines so their
// results can be compared class by class.

const NAMED_TYPES = new Set(['object', 'native', 'closure', 'regexp', 'symbol', 'bigint']);
const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

/**
 * Node types that are V8's own bookkeeping (hidden classes, code, backing
 * stores, boxed numbers). Their growth follows the user's objects (an Array's
 * elements are retained by the Array) or the JIT, so a diff leaves them out
 * unless asked: they would only repeat, or add noise to, the real classes.
 */
export const INTERNAL_TYPES: ReadonlySet<string> = new Set([
  'hidden',
  'code',
  'synthetic',
  'object shape',
  'array',
  'number',
]);

/**
 * Node's C++ embedder objects ("Node / BindingData", "Node / std::basic_string"):
 * Node creates them afresh, with new ids, for every snapshot, so by id they
 * would always look new. They are Node's bookkeeping, not the program's.
 */
export function isRuntimeBookkeeping(nodeType: string, nodeName: string): boolean {
  // Node's snapshots carry Blink's `detachedness` field too: DevTools names some of them `Detached Node / …`.
  return nodeType === 'native' && (nodeName.startsWith('Node / ') || nodeName.startsWith('Detached Node / '));
}

/** Class name for a node: the constructor name for objects, '(string)' for every string, the tag for a DOM element. */
export function classNameOf(nodeType: string, nodeName: string): string {
  if (STRING_TYPES.has(nodeType)) return '(string)';
  if (nodeType === 'object' || nodeType === 'native') return domClassName(nodeName);
  if (NAMED_TYPES.has(nodeType)) return nodeName === '' ? '(anonymous)' : nodeName;
  return nodeName;
}

const DETACHED = 'Detached ';

/**
 * A DOM element's class is its tag: Blink names an element `<li data-value="a">`
 * and DevTools classes it `<li>` (`Detached <li>` out of the document), as
 * HeapSnapshot.ts calculateObjectNames does; the attributes are the instance's.
 */
export function domClassName(nodeName: string): string {
  if (nodeName === '') return '(anonymous)';
  const start = nodeName.startsWith('<') ? 0 : nodeName.startsWith(`${DETACHED}<`) ? DETACHED.length : -1;
  if (start < 0) return nodeName;
  const space = nodeName.indexOf(' ', start);
  return space < 0 ? nodeName : `${nodeName.slice(0, space)}>`;
}

/** The name DevTools shows for a native node out of the document (propagateDOMState): `Detached ` before Blink's. */
export function detachedName(nodeName: string): string {
  return DETACHED + nodeName;
}

/** Blink's bookkeeping behind timers and listeners that carries no namespace in its name. */
const BLINK_BOOKKEEPING = new Set(['DOMTimer', 'ScheduledAction', 'EventListener', 'InternalNode', 'internal']);

/** The only node types isBrowserInternal can say yes to (browser.ts skips every other node). */
export const BROWSER_INTERNAL_TYPES: ReadonlySet<string> = new Set(['native', 'object']);

/**
 * Chrome's own objects in a page's heap: Blink's C++ (`blink::…`, `cppgc::…`,
 * any namespaced name, DOMTimer, the bindings' `V8EventListener` and other
 * `V8…` callback holders), V8's typed native (`system / WeakArrayList`) and
 * the per-scope closure contexts Chrome names `system / Context / scope @…`.
 * Never suspects or holders unless asked (--internal): the leak is the user's
 * object they lead to. DOM nodes (`<div>`, `Text`, `Detached <li>`) are not internal.
 */
export function isBrowserInternal(name: string, type: string): boolean {
  if (!BROWSER_INTERNAL_TYPES.has(type)) return false;
  const bare = name.startsWith(DETACHED) ? name.slice(DETACHED.length) : name;
  if (type === 'native') {
    if (bare.startsWith('<')) return false;
    return bare.startsWith('system / ') || bare.includes('::') || BLINK_BOOKKEEPING.has(bare) || /^V8[A-Z]/.test(bare);
  }
  return type === 'object' && bare.startsWith('system / Context / ');
}

/** Per node type index of a snapshot (its meta's node types): 1 for the string representations. */
export function stringTypeFlags(nodeTypeNames: readonly string[]): Uint8Array {
  return Uint8Array.from(nodeTypeNames, (name) => (STRING_TYPES.has(name) ? 1 : 0));
}

/** Class type for a node: its V8 type, with the three string representations folded into 'string'. */
export function classTypeOf(nodeType: string): string {
  return STRING_TYPES.has(nodeType) ? 'string' : nodeType;
}

/** A class of V8's, Node's or Chrome's bookkeeping (INTERNAL_TYPES, isRuntimeBookkeeping, isBrowserInternal): left out of diffs unless asked. */
export function isInternalClass(classType: string, name: string): boolean {
  return INTERNAL_TYPES.has(classType) || isRuntimeBookkeeping(classType, name) || isBrowserInternal(name, classType);
}
