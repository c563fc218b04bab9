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
  return nodeType === 'native' && nodeName.startsWith('Node / ');
}

/** Class name for a node: the constructor name for objects, '(string)' for every string. */
export function classNameOf(nodeType: string, nodeName: string): string {
  if (STRING_TYPES.has(nodeType)) return '(string)';
  if (NAMED_TYPES.has(nodeType)) return nodeName === '' ? '(anonymous)' : nodeName;
  return nodeName;
}

/** Per node type index of a snapshot (its meta's node types): 1 for the string representations. */
export function stringTypeFlags(nodeTypeNames: readonly string[]): Uint8Array {
  return Uint8Array.from(nodeTypeNames, (name) => (STRING_TYPES.has(name) ? 1 : 0));
}

/** Class type for a node: its V8 type, with the three string representations folded into 'string'. */
export function classTypeOf(nodeType: string): string {
  return STRING_TYPES.has(nodeType) ? 'string' : nodeType;
}

/** A class of V8's or Node's bookkeeping (INTERNAL_TYPES, isRuntimeBookkeeping): left out of diffs unless asked. */
export function isInternalClass(classType: string, name: string): boolean {
  return INTERNAL_TYPES.has(classType) || isRuntimeBookkeeping(classType, name);
}
