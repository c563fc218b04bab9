// Whose a heap node is: the user's code, a library's, or the runtime's (V8,
// Node, Blink). The findings (findings.ts) name the user's things first and
// never blame the runtime for its own bookkeeping.
import type { SourceLocation } from '../types.js';

/** How plainly a class names the user's code; lower reads better. */
export const Tier = {
  /** An instance of a class defined in the user's code. */
  userClass: 0,
  /** A function (closure) defined in the user's code. */
  userClosure: 1,
  /** A plain object with a shape (`{id, user}`): most often the user's record. */
  shape: 2,
  /** A class or function of a library (node_modules, a vendor chunk) or of Node's own JavaScript (node:…); a page's elements. */
  library: 3,
  /** Arrays, plain Objects, strings, Maps, numbers: the containers, not the contents. */
  plain: 4,
  /** V8's, Node's or Blink's own types (system / …, (…), Node / …, blink::…, native). */
  runtime: 5,
} as const;
export type TierValue = (typeof Tier)[keyof typeof Tier];

/** Scripts that are not the user's own code: dependencies, Node's built-ins, bundles' vendor chunks, extensions. */
const NOT_USER_SCRIPT =
  /(^|[\\/])node_modules[\\/]|^node:|^internal[\\/]|^(chrome|moz)-extension:|^v8\/|^extensions::|(^|[\\/._-])(vendors?|chunk-vendors|framework|polyfills?)([\\/._~-]|$)/;

/** leakscan's own scenario runner: its frames sit below a scenario's (trace.ts RUNNER_SCRIPT). */
const RUNNER_SCRIPT = /[\\/]dist[\\/]src[\\/]runner[\\/]child\.js$/;

/** True when the script is the user's own code (not a dependency, not the runtime's). */
export function isUserScript(script: string): boolean {
  if (script === '' || NOT_USER_SCRIPT.test(script) || RUNNER_SCRIPT.test(script)) return false;
  return true;
}

export const isUserLocation = (location: SourceLocation | null | undefined): boolean =>
  location != null && isUserScript(location.script);

/** Node's and V8's own JavaScript (node:internal/timers, internal/…): the runtime, not a library. */
export const isRuntimeScript = (script: string): boolean => /^node:|^internal[\\/]|^v8\/|^extensions::/.test(script);

/** Class names of V8's, Node's and Blink's own objects, whatever their node type. */
const RUNTIME_NAME = /^(system \/ |\((?!anonymous\))|Node \/ |blink::|v8::|cppgc::|InternalNode$|V8|Detached <)/;

/** Plain containers and values: what a leak is stored in, or is made of, rather than what it is. */
const PLAIN_NAMES = new Set([
  'Array',
  'Object',
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'Promise',
  'Number',
  'String',
  'Boolean',
  'Symbol',
  'BigInt',
  'Error',
  'ArrayBuffer',
  'Uint8Array',
  'Buffer',
  'FastBuffer',
  'Date',
  'RegExp',
  'Function',
  '(anonymous)',
]);

/** V8's frame objects of suspended async functions and generators. */
const FRAME_NAMES = new Set(['Generator', 'AsyncGenerator']);

/** Node types that are V8's own (see classes.ts INTERNAL_TYPES), besides native. */
const RUNTIME_TYPES = new Set(['hidden', 'code', 'synthetic', 'object shape', 'array', 'number', 'native']);

/**
 * How plainly the class of a node names the user's code (Tier). `location` is
 * where the class or function is defined; `shaped` is true for a plain object
 * with a shape name (`{a, b}`).
 */
export function tierOf(name: string, type: string, location: SourceLocation | null, shaped: boolean): TierValue {
  if (type === 'string' || type === 'regexp' || type === 'bigint' || type === 'symbol') return Tier.plain;
  // A page's elements (`<div>`, `Detached <li>`) are its content, in the terms its author wrote them: above the
  // containers and strings that hold them, below the author's own classes and callbacks.
  if (type === 'native' && isElementName(name)) return Tier.library;
  if (RUNTIME_TYPES.has(type) || RUNTIME_NAME.test(name)) return Tier.runtime;
  // A record whose literal is in a library's code (React's `{getValue, setValue, stopTracking}` on an input) is
  // that library's; one whose literal is nowhere known is most often the user's.
  if (shaped) return location && !isUserScript(location.script) ? Tier.library : Tier.shape;
  if (location && isUserScript(location.script)) {
    // A suspended async function's or generator's frame (V8's Generator, placed at the function): the user's
    // function, not a class of theirs; what its locals keep reads better.
    if (type === 'closure' || (type === 'object' && FRAME_NAMES.has(name))) return Tier.userClosure;
    return PLAIN_NAMES.has(name) ? Tier.plain : Tier.userClass;
  }
  if (PLAIN_NAMES.has(name)) return Tier.plain;
  return Tier.library;
}

/** A DOM node removed from its document (the `Detached ` class prefix DevTools and the chrome reader use). */
export const isDetachedName = (name: string): boolean => name.startsWith('Detached ');

/** A DOM element's class as Chrome names it: `<div>`, `Detached <li>`. */
const isElementName = (name: string): boolean => /^(Detached )?<[a-zA-Z]/.test(name);

/** A property name JavaScript allows after a dot. */
export const isJsIdentifier = (name: string): boolean => /^#?[A-Za-z_$][\w$]*$/.test(name);

/** A property key as JavaScript reads it after an object: `.name`, `[3]`, `["odd name"]`. */
export const propertyAccess = (name: string): string =>
  /^\d+$/.test(name) ? `[${name}]` : isJsIdentifier(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
