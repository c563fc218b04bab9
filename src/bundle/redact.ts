// Replaces the text of snapshots (and of the reports made from them) so they
// can leave the machine. Every string of the string table goes, names
// included, except the names the analysis needs (README "What --redact
// keeps"). The snapshots of one bundle share one Redactor, so one string gets
// one replacement in every file: the redacted pair still diffs like the
// original (same ids, same string texts under the same id, one class per class).
import { createHmac, randomBytes } from 'node:crypto';
import { type HeapGraph, readSnapshot } from '../engine/index.js';
import { formatPropertyName } from '../engine/shapes.js';
import { writeSnapshot } from '../engine/writer.js';
import { scriptLabel } from '../text/places.js';

export interface RedactOptions {
  /** Also replace the kept names from source (properties, variables, functions, classes) by pseudonyms. */
  names?: boolean;
  onProgress?: (file: string, step: 'reading' | 'writing') => void;
}

export interface RedactStats {
  strings: number;
  redacted: number;
}

const IDENT = '#?[A-Za-z_$][\\w$]*';
/** A property or variable name, a class or function name as written in source (`#private` too); a dotted name as V8 infers one ("named.Klass"). */
const SOURCE_NAME = new RegExp(`^(?:${IDENT}(?:\\.${IDENT})*|\\d+)$`);
/** Accessor names V8 gives getters and setters, and symbol-keyed properties whose description is an identifier. */
const ACCESSOR = new RegExp(`^[gs]et (${IDENT})$`);
const SYMBOL_KEY = new RegExp(`^<symbol (${IDENT}(?:\\.${IDENT})*)>$`);
/** Well-known symbols as names: "[Symbol.match]", "get [Symbol.species]", "<symbol Symbol.toStringTag>". */
const WELL_KNOWN_SYMBOL = /^(?:(?:[gs]et )?\[Symbol\.\w+\]|<symbol Symbol\.\w+>)$/;
/** V8's and Node's names for their own objects: "system / Map (String)", "Node / std::basic_string", "(GC roots)", "12 / CallProxy". */
const RUNTIME_NAME =
  /^(?:system \/ [\w ()]*|Node \/ [\w:<>,. ]*|\([\w .,+-]*\)|\d+ \/ [\w ]+|C\+\+ [\w -]*roots|heap number|smi number|private symbol)$/;
/** The few such names V8 gives JS objects: scopes, and iterators ("Map Iterator", "Async-from-Sync Iterator"). */
const RUNTIME_OBJECT_NAME = /^(?:system \/ Context|[A-Z]\w*(?:-[A-Za-z]+)*(?: [A-Z]\w*)? Iterator)$/;
/**
 * An object Chrome names by its kind and its page's URL (`Window [JSGlobalObject] / https://…`, `HTMLDivElement
 * (prototype) / …`, `system / NativeContext / …`): the kind is what the analysis reads (snapshot-meta.ts, classes.ts).
 */
const NAMED_BY_URL =
  /^((?:system \/ )?[A-Za-z_$][\w$]*(?: \[JSGlobal(?:Object|Proxy)\]| \((?:prototype|internal cache)\))?) \/ (.+)$/s;
/** V8's closure scopes in a page (`system / Context / scope @457`). */
const SCOPE_NAME = /^system \/ Context \/ scope @\d+$/;
/** A DOM element as Blink names it, tag and attributes (`<div class="x">`): DevTools classes it by the tag. */
const DOM_ELEMENT = /^((?:Detached )?<[A-Za-z][\w:-]*)(\s.*)?>$/s;
/** A C++ type of the embedder (`blink::StyleRule`, `cppgc::internal::BasicMember<blink::Node>`): Blink's vocabulary. */
const CPP_TYPE = /^[A-Za-z_]\w*(?:::[A-Za-z_~]\w*)+(?:<[\w:<>, *&]*>)?(?:::\w+)*$/;
/** V8's name for the edges of a WeakMap entry; DevTools parses it (engine/algorithms.ts), so only the class names inside change. */
const EPHEMERON = /^(\d+ \/ part of key \()(.*?)( @\d+\) -> value \()(.*?)( @\d+\) pair in WeakMap \(table @\d+\))$/;

/** Use flags of a string, over every snapshot of the bundle. */
const enum Use {
  /** Name of a node V8 makes for itself (synthetic, hidden, array, number, object shape, native, code). */
  RuntimeNode = 1,
  /** Name of an object, closure, symbol or bigint: a constructor or function name. */
  SourceNode = 2,
  /** Property, context-variable, shortcut or weak edge name. */
  SourceEdge = 4,
  /** Internal edge name: V8's field names ("map", "context"), read by the trace. */
  InternalEdge = 8,
}

/** How runner.ts words a scenario's failure before the program's own message. */
const RUNNER_WORDS =
  /^(?:scenario [^:]*: )?(?:threw in \w+: |failed to load: |(?:an uncaught exception outside its calls \(a timer, an event handler\)|a promise rejection nobody handled) [\w ,-]*: )?/;

/** Report fields whose values are leakscan's vocabulary (node and edge types, statuses), not the snapshot's text. */
const OWN_WORDS = new Set(['type', 'runtime', 'engine', 'status', 'expect', 'heldBy']);
/** Report fields that are leakscan's sentences around a snapshot's names (a finding's, a verdict). */
const SENTENCES = new Set(['summary', 'fix', 'verdict']);
/** The class names leakscan gives what has none (classes.ts); Node's own text may hold them too. */
const OWN_NAMES = new Set(['(anonymous)', '(string)']);

const RUNTIME_NODE_TYPES = new Set(['synthetic', 'hidden', 'array', 'number', 'object shape', 'native', 'code']);
const SOURCE_NODE_TYPES = new Set(['object', 'closure', 'symbol', 'bigint']);

/** `<redacted ≤16 chars #12>`: the length only to within a bucket; the number keeps distinct strings distinct. */
const LENGTH_BUCKETS = [16, 64, 256, 1024];
function lengthBucket(length: number): string {
  let low = 0;
  for (const high of LENGTH_BUCKETS) {
    if (length <= high) return low === 0 ? `≤${high}` : `${low + 1}–${high}`;
    low = high;
  }
  return `>${low}`;
}

export class Redactor {
  readonly redactNames: boolean;
  private readonly uses = new Map<string, number>();
  private readonly decided = new Map<string, string>();
  private readonly pseudonyms = new Set<string>();
  private readonly elements = new Map<number, number>();
  private readonly key = randomBytes(32);
  private counter = 0;
  /** Redacted strings of 8+ characters by their first 8, to find them inside report text. */
  private byPrefix: Map<string, string[]> | null = null;
  /** The same for the strings used as names, the only snapshot text leakscan's sentences hold. */
  private namesByPrefix: Map<string, string[]> | null = null;
  /** Script labels as reports word places (`src/app.js`), longest first: a pattern for each and its replacement. */
  private places: [label: string, pattern: RegExp, replacement: string][] = [];
  /** Exact replacements for text the snapshots do not hold (the input paths). */
  private readonly aliases = new Map<string, string>();

  constructor(options: { names?: boolean } = {}) {
    this.redactNames = options.names ?? false;
  }

  /** Records how one snapshot uses its strings. Call for every snapshot before any output. */
  collect(graph: HeapGraph): void {
    const flags = new Uint8Array(graph.strings.length);
    const runtime = Uint8Array.from(graph.nodeTypeNames, (t) =>
      RUNTIME_NODE_TYPES.has(t) ? Use.RuntimeNode : SOURCE_NODE_TYPES.has(t) ? Use.SourceNode : 0,
    );
    for (let o = 0; o < graph.nodeCount; o++) flags[graph.nodeNameIndex(o)] |= runtime[graph.nodeTypeIndex(o)];
    const internal = graph.edgeTypeNames.indexOf('internal');
    for (let e = 0; e < graph.edgeCount; e++) {
      if (graph.isElementEdge(e)) continue;
      const type = graph.edgeTypeIndex(e);
      if (graph.edgeTypeName(e) === 'hidden') continue;
      flags[graph.edgeNameIndex(e)] |= type === internal ? Use.InternalEdge : Use.SourceEdge;
    }
    for (let i = 0; i < flags.length; i++) {
      if (flags[i] === 0) continue;
      const text = graph.strings.get(i);
      this.uses.set(text, (this.uses.get(text) ?? 0) | flags[i]);
    }
    this.byPrefix = this.namesByPrefix = null;
  }

  /**
   * Text that stays, in the snapshots and the reports: names the bundle shows anyway (a
   * scenario's name is in its snapshots' file names). Call before any output.
   */
  keep(text: string): void {
    this.decided.set(text, text);
    this.byPrefix = this.namesByPrefix = null;
  }

  /** Exact text of the reports to replace, such as the local path of an input snapshot. */
  alias(text: string, replacement: string): void {
    this.aliases.set(text, replacement);
  }

  /** The one replacement of a snapshot string, the same in every file of the bundle. */
  replace(text: string): string {
    let out = this.decided.get(text);
    if (out === undefined) {
      out = this.decide(text, this.uses.get(text) ?? 0);
      this.decided.set(text, out);
    }
    return out;
  }

  private decide(text: string, uses: number): string {
    if (uses === 0) return this.redacted(text);
    // A string the runtime names its own objects or fields with is vocabulary, whatever else uses it.
    if (
      (uses & (Use.RuntimeNode | Use.InternalEdge)) !== 0 &&
      (RUNTIME_NAME.test(text) || (SOURCE_NAME.test(text) && (uses & Use.InternalEdge) !== 0))
    )
      return text;
    if ((uses & Use.SourceNode) !== 0 && RUNTIME_OBJECT_NAME.test(text)) return text;
    if ((uses & Use.RuntimeNode) !== 0 && CPP_TYPE.test(text)) return text;
    // A page's names keep what the analysis reads in them; the URL and the attributes are redacted as strings.
    if ((uses & (Use.RuntimeNode | Use.SourceNode)) !== 0) {
      if (SCOPE_NAME.test(text)) return text;
      const named = NAMED_BY_URL.exec(text);
      if (named) return `${named[1]} / ${this.replace(named[2])}`;
      const element = DOM_ELEMENT.exec(text);
      if (element) return element[2] === undefined ? text : `${element[1]} ${this.replace(element[2].trim())}>`;
    }
    if (WELL_KNOWN_SYMBOL.test(text)) return text;
    const ephemeron = EPHEMERON.exec(text);
    if (ephemeron && (uses & Use.InternalEdge) !== 0) {
      const [, a, key, b, value, c] = ephemeron;
      return a + this.nameInside(key) + b + this.nameInside(value) + c;
    }
    if (SOURCE_NAME.test(text)) return this.redactNames ? this.pseudonym(text) : text;
    const accessor = ACCESSOR.exec(text) ?? SYMBOL_KEY.exec(text);
    if (accessor && (uses & Use.SourceEdge) !== 0) {
      return this.redactNames ? text.replace(accessor[1], this.pseudonym(accessor[1])) : text;
    }
    return this.redacted(text);
  }

  /** A class name inside a WeakMap edge name: redacted as that class's node name is. */
  private nameInside(name: string): string {
    if (RUNTIME_NAME.test(name) || RUNTIME_OBJECT_NAME.test(name)) return name;
    if (SOURCE_NAME.test(name)) return this.redactNames ? this.pseudonym(name) : name;
    return this.replace(name);
  }

  private redacted(text: string): string {
    if (text === '') return text;
    return `<redacted ${lengthBucket(text.length)} chars #${++this.counter}>`;
  }

  /**
   * With names: an element's index (`[123456704]`, an object keyed by account numbers) as a keyed
   * hash below 2^31, the same in every file of the bundle; the order of an array's elements goes too.
   */
  elementIndex(index: number): number {
    if (!this.redactNames) return index;
    let out = this.elements.get(index);
    if (out === undefined) {
      out = createHmac('sha256', this.key).update(`[${index}]`).digest().readUInt32BE(0) >>> 1;
      this.elements.set(index, out);
    }
    return out;
  }

  /** `name_1a2b`: a keyed hash (random key per bundle, so names cannot be guessed back), longer on a collision. */
  private pseudonym(name: string): string {
    const memo = this.decided.get(`\u0000${name}`);
    if (memo !== undefined) return memo;
    const hex = createHmac('sha256', this.key).update(name).digest('hex');
    let length = 4;
    while (this.pseudonyms.has(`name_${hex.slice(0, length)}`)) length++;
    const out = `name_${hex.slice(0, length)}`;
    this.pseudonyms.add(out);
    this.decided.set(`\u0000${name}`, out);
    return out;
  }

  /**
   * Text of a report: a snapshot string becomes its replacement; other text
   * (paths, messages) loses every redacted snapshot string it contains.
   */
  text(value: string, sentence = false): string {
    if (OWN_NAMES.has(value)) return value;
    const alias = this.aliases.get(value);
    if (alias !== undefined) return alias;
    if (this.uses.has(value) || this.decided.has(value)) return this.replace(value);
    // A name leakscan composed from snapshot strings (an object shape, "{ssn, dob, p-48213}"): each
    // part gets the snapshot's own replacement, however short, quoted or escaped it is.
    const shape = shapeProperties(value);
    if (shape) return this.shapeName(shape);
    // The same names inside leakscan's sentences (a finding's summary and fix, a verdict): each shape, part by part.
    let out = value.replace(/\{[^{}]*\}/g, (braced) => {
      const parts = shapeProperties(braced);
      return parts ? this.shapeName(parts) : braced;
    });
    for (const [from, to] of this.aliases) if (from !== '' && out.includes(from)) out = out.split(from).join(to);
    for (const [from, pattern, to] of this.places) if (out.includes(from)) out = out.replace(pattern, () => to);
    // leakscan's sentences are its words around names: Node's own strings (" added to ") are words there.
    const index = sentence ? this.namesIndex() : this.prefixIndex();
    let result = '';
    for (let i = 0; i < out.length; ) {
      const candidates = index.get(out.slice(i, i + 8));
      const hit = candidates?.find((s) => out.startsWith(s, i));
      if (hit) {
        result += this.replace(hit);
        i += hit.length;
      } else {
        result += out[i++];
      }
    }
    return result;
  }

  private shapeName(properties: string[]): string {
    return `{${properties.map((p) => formatPropertyName(this.replace(p))).join(', ')}}`;
  }

  /** Every string of a report's data through text(); keys, and fields that hold leakscan's own words, stay. */
  data<T>(value: T): T {
    this.collectPlaces(value);
    return this.redactData(value);
  }

  /**
   * The scripts of the data's places, as a sentence words them (a finding's "Session (src/app.js:11)"):
   * each gets the script's replacement, so the summary names the file no more than the site does.
   */
  private collectPlaces(value: unknown): void {
    if (Array.isArray(value)) for (const v of value) this.collectPlaces(v);
    else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.script === 'string' && typeof record.line === 'number' && record.script !== '') {
        const label = scriptLabel(record.script);
        const replacement = this.replace(record.script);
        // A place as formatLocation words it: the label alone or before ":line", never inside a longer name
        // (a page's inline script is its URL's path, "/": not the "/" of "system / Context").
        if (
          replacement !== record.script &&
          /[\p{L}\p{N}]/u.test(label) &&
          !this.places.some(([from]) => from === label)
        ) {
          const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          this.places.push([label, new RegExp(`(?<![\\w./-])${escaped}(?=:\\d|[\\s),;]|$)`, 'gu'), replacement]);
          this.places.sort((a, b) => b[0].length - a[0].length);
        }
      }
      for (const v of Object.values(record)) this.collectPlaces(v);
    }
  }

  private redactData<T>(value: T, key = ''): T {
    if (typeof value === 'string') return this.text(value, SENTENCES.has(key)) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => this.redactData(v)) as T;
    if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      const out = Object.fromEntries(
        Object.entries(record).map(([k, v]) => [k, OWN_WORDS.has(k) ? v : this.redactData(v, k)]),
      );
      // A path step's edge into an element: its index as in the redacted snapshots.
      if (record.type === 'element' && typeof record.name === 'string' && /^\d+$/.test(record.name))
        out.name = String(this.elementIndex(Number(record.name)));
      // Messages (a scenario's error, a process warning) are the program's text, and need not be in any snapshot.
      if (typeof record.error === 'string') out.error = this.message(record.error);
      if (record.status === 'failed' && typeof record.verdict === 'string') {
        // As run.ts words it: the name once, not again as "scenario NAME: ".
        const problem = this.message(String(record.error ?? record.verdict));
        const again = `scenario ${String(out.name)}: `;
        out.verdict = `${String(out.name)}: failed — ${problem.startsWith(again) ? problem.slice(again.length) : problem}`;
      }
      if (Array.isArray(record.warnings)) out.warnings = record.warnings.map((w) => this.message(String(w)));
      return out as T;
    }
    return value;
  }

  /**
   * A message: leakscan's own words before the program's ("scenario x: threw in run: ") and
   * the error's class name ("TypeError: ") stay, the rest goes.
   */
  private message(text: string): string {
    const own = RUNNER_WORDS.exec(text)?.[0] ?? '';
    const rest = text.slice(own.length);
    const head = /^((?:[A-Z]\w*)?(?:Error|Warning|Exception)): /.exec(rest);
    const kept = own.replace(/^scenario (.*?): /, (_, name: string) => `scenario ${this.text(name)}: `);
    return head ? `${kept}${head[1]}: ${this.redacted(rest.slice(head[0].length))}` : `${kept}${this.redacted(rest)}`;
  }

  private namesIndex(): Map<string, string[]> {
    this.namesByPrefix ??= this.indexOf(this.uses.keys());
    return this.namesByPrefix;
  }

  private prefixIndex(): Map<string, string[]> {
    this.byPrefix ??= this.indexOf(
      this.uses.keys(),
      [...this.decided.keys()].filter((text) => !text.startsWith('\u0000')),
    );
    return this.byPrefix;
  }

  private indexOf(...texts: Iterable<string>[]): Map<string, string[]> {
    const index = new Map<string, string[]>();
    const add = (text: string): void => {
      if (text.length < 8 || OWN_NAMES.has(text) || this.replace(text) === text) return;
      const prefix = text.slice(0, 8);
      const list = index.get(prefix);
      if (list) list.push(text);
      else index.set(prefix, [text]);
    };
    for (const list of texts) for (const text of list) add(text);
    for (const list of index.values()) list.sort((a, b) => b.length - a.length); // longest match first
    return index;
  }

  /** Writes `graph` with every string replaced. */
  async write(graph: HeapGraph, output: string): Promise<RedactStats> {
    let redacted = 0;
    const strings = graph.strings.toArray().map((value) => {
      const out = this.replace(value);
      if (out !== value) redacted++;
      return out;
    });
    this.byPrefix = this.namesByPrefix = null;
    const elementIndex = this.redactNames ? (index: number) => this.elementIndex(index) : undefined;
    await writeSnapshot(graph, output, strings, undefined, elementIndex);
    return { strings: strings.length, redacted };
  }
}

/**
 * Redacts snapshots that go together (a before/after pair, or several pairs):
 * reads each once to learn how its strings are used, then again to write it,
 * so only one graph is in memory at a time.
 */
export async function redactSnapshots(
  files: { input: string; output: string }[],
  redactor: Redactor,
  options: RedactOptions = {},
): Promise<RedactStats[]> {
  for (const { input } of files) {
    options.onProgress?.(input, 'reading');
    redactor.collect(await readSnapshot(input));
  }
  const stats: RedactStats[] = [];
  for (const { input, output } of files) {
    options.onProgress?.(input, 'writing');
    stats.push(await redactor.write(await readSnapshot(input), output));
  }
  return stats;
}

/**
 * The property names of a shape class name as shapes.ts writes it (`{a, b}`,
 * names with `,'"{}` as JSON strings), or null for other text.
 */
export function shapeProperties(text: string): string[] | null {
  if (!text.startsWith('{') || !text.endsWith('}') || text.length < 3) return null;
  const names: string[] = [];
  let i = 1;
  for (;;) {
    let name: string;
    if (text[i] === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      try {
        name = JSON.parse(text.slice(i, end + 1)) as string;
      } catch {
        return null;
      }
      i = end + 1;
    } else {
      const end = text.slice(i).search(/, |}$/);
      if (end < 0) return null;
      name = text.slice(i, i + end);
      if (/[,'"{}]/.test(name)) return null;
      i += end;
    }
    names.push(name);
    if (i === text.length - 1 && text[i] === '}') return names;
    if (!text.startsWith(', ', i)) return null;
    i += 2;
  }
}
