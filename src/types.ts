// Plain data that leaves the core. Reporters turn these into text; the JSON
// reporter prints them unchanged, so field names here are a public contract.

/** One step of a retainer path, from a GC root (first) to the object (last). */
export interface RetainerStep {
  /** V8 node id: look the object up in DevTools with `@<nodeId>`. */
  nodeId: number;
  /** Class (constructor) name, or the node's name for internal nodes. */
  name: string;
  /** V8 node type: object, closure, array, string, synthetic, hidden, ... */
  type: string;
  /** The edge from the previous step into this one; null on the first step. */
  edge: { type: string; name: string } | null;
  /** For a DOM element whose class is its tag: its full name with attributes (`<li data-value="a">`). */
  detail?: string;
  /** For a closure: where its function is defined; for a `system / Context`: where the function whose
   *  scope it is was defined; for an object: its constructor's definition. Absent when the snapshot
   *  does not say. */
  location?: SourceLocation | null;
}
export type RetainerPath = RetainerStep[];

/** A place in a script, as editors count: line and column are 1-based. */
export interface SourceLocation {
  /** The script's name as V8 recorded it: a file path or a URL (reporters shorten it for display). */
  script: string;
  line: number;
  column: number;
  /** When a source map on this machine mapped the place: where it is in the JavaScript V8 ran. */
  generated?: { script: string; line: number; column: number };
}

/** One frame of an allocation stack, innermost (the allocating function) first in `frames`. */
export interface AllocationFrame {
  /** As V8 recorded it: empty for an anonymous function (reporters show "(anonymous)"). */
  functionName: string;
  /** Empty when V8 did not know the script; line and column are then 0. */
  script: string;
  line: number;
  column: number;
  /** When a source map on this machine mapped the frame: where it is in the JavaScript V8 ran. */
  generated?: { script: string; line: number; column: number };
}

/** Objects of one class allocated by one stack (snapshots taken with allocation tracking on). */
export interface AllocationStack {
  count: number;
  /** Shallow size of those objects, bytes. */
  size: number;
  frames: AllocationFrame[];
}

/** What one snapshot file is. */
export interface SnapshotMeta {
  path: string;
  /** File size on disk in bytes (compressed size for .gz). */
  fileBytes: number;
  nodeCount: number;
  edgeCount: number;
  /** Sum of self sizes of all nodes, bytes. */
  totalSize: number;
  /** Sum of self sizes of nodes reachable from the GC roots (weak edges skipped), bytes. */
  reachableSize: number;
  /** 'node' when the heap has Node.js internals, 'browser' for Chrome/Electron renderer heaps. */
  runtime: 'node' | 'browser' | 'unknown';
}

/** One class in a diff: objects matched by node id between two snapshots. */
export interface ClassDiff {
  name: string;
  type: string;
  /** The constructor's name when `name` is an object shape DevTools shows (`{user, path, ts}`). */
  constructorName?: string;
  /** Where the class (its constructor) or the closure's function is defined; absent when unknown. */
  location?: SourceLocation | null;
  /** Top allocation sites of the added objects, most first; absent when the snapshot has no traces. */
  allocationStacks?: AllocationStack[] | null;
  /** Objects in after whose id is not in before (DevTools' "# New": objects of size 0, whose size
   *  DevTools counts in their owner, are left out; see heldWeakly and heldByStack). */
  added: number;
  /** Objects in before whose id is not in after (DevTools' "# Deleted"). */
  removed: number;
  /** Shallow sizes of the added objects as DevTools shows them, bytes ("Alloc. size"). */
  addedSize: number;
  /** Shallow sizes of the removed objects, bytes ("Freed size"). */
  removedSize: number;
  /** Retained size of the added objects, each byte counted once, bytes. */
  retainedSize: number;
  /** Added objects held only through other added objects or through compiled code (dominated by
   *  one): a class all of whose new objects are held this way is part of another leak, not its cause. */
  heldByNew: number;
  /** Added objects that only a running function's stack (or a C++ handle scope) holds: a batch job's
   *  locals, a CommonJS module's top-level consts while it still runs. Counted in `added`. */
  heldByStack: number;
  /** Added objects no strong path reaches (a WeakRef's target, a string only V8's tables keep) that
   *  the GC has not collected yet. Counted in `added`, as DevTools does; never part of a leak. */
  heldWeakly: number;
  /** New objects that stay reachable in numbers and bytes above the thresholds (see README, "Leak rule"). */
  suspect: boolean;
  /** This row counts the class's new objects an ignore rule took (--ignore, docs/config.md): expected
   *  growth, never a suspect. The class's other objects, if any, are in a row without it. */
  ignored?: boolean;
  /** With ignored: the rule, as written. */
  ignoreRule?: string;
  /** Node id of the sample instance whose path is shown (the first holder's); null when none was traced. */
  sampleNodeId: number | null;
  /** Shortest path from a GC root to the sample, weak edges excluded; null when not traced. */
  retainerPath: RetainerPath | null;
  /** For traced classes: the added objects grouped by holder, most objects first; null when not traced. */
  holders: HolderGroup[] | null;
  /**
   * Diffs decided by a trend (`run`, `diff S1 … SN`, `capture --count N`, `test-server`): this
   * class's new objects (id not in the first snapshot) that stay reachable at each snapshot, the
   * first one's 0 included. Absent in a plain diff.
   */
  series?: number[];
  /** With `series`, for a class that grew at every step by the trend rule: its mean rise per step between snapshots after the first. */
  growthPerStep?: number;
}

/** How an object is held: by the program, only through Node's C++ objects, only through
 *  leakscan's runner, or only by a running function's stack. */
export type HeldBy = 'program' | 'runtime' | 'runner' | 'stack';

/**
 * New objects of one class that hang from one holder: the nearest object above them in the
 * dominator tree that is not itself new (the array, Map, list head or closure context a leak
 * accumulates in; `(Stack roots)` for a running function's locals).
 */
export interface HolderGroup {
  /** Added objects of the class with this holder. */
  count: number;
  /** Their retained size, each byte counted once, bytes. */
  retainedSize: number;
  heldBy: HeldBy;
  holder: { nodeId: number; name: string; type: string };
  /** The group's object nearest the roots, whose path is shown. */
  sampleNodeId: number;
  /** From a GC root through the holder to the sample. */
  retainerPath: RetainerPath | null;
}

/**
 * Detached DOM elements (out of the document, still reachable) kept alive by
 * one kind of JavaScript object: DevTools' "Detached elements" panel, one row
 * per keeper (keepers of one class, edge and definition site together).
 */
export interface DetachedDomGroup {
  /**
   * The first object on the retainer path above the detached trees that is
   * neither detached DOM nor Chrome's or V8's own (an array, a closure, a
   * listener function, an attached element); null when only Chrome's own
   * objects hold them.
   */
  keeper: {
    nodeId: number;
    name: string;
    type: string;
    /** The edge the keeper itself is held by (`kept` for `window.kept`); null under a GC root. */
    edge: { type: string; name: string } | null;
    /** A closure's definition, an object's constructor's; absent when the snapshot does not say. */
    location?: SourceLocation;
  } | null;
  /** Keepers of this kind (same class, held by the same edge name, defined at the same place): `keeper` is the first. */
  keepers: number;
  /** Detached elements they keep. */
  elements: number;
  /** Diff only: of them, elements new since the before snapshot. */
  added?: number;
  /** Detached trees (their root elements) it keeps. */
  trees: number;
  /** Retained size of those trees, bytes. */
  retainedSize: number;
  /** The tree root nearest the GC roots, with its attributes (`Detached <div class="dialog">`). */
  sample: { nodeId: number; name: string };
  /** From a GC root through the keeper to the sample. */
  retainerPath: RetainerPath | null;
}

/** The shape a leak has in the graph (docs/findings.md): how it accumulates, which says how to fix it. */
export type FindingPattern =
  | 'listener'
  | 'timer'
  | 'collection'
  | 'queue'
  | 'closure-chain'
  | 'detached-dom'
  | 'bytes'
  | 'stack'
  | 'other';

/**
 * One leak, in the user's terms: what accumulates (looking through the
 * runtime's and libraries' wrappers), where it is held (as an access path the
 * user would type), where in their code it comes from, and how to fix it.
 */
export interface Finding {
  pattern: FindingPattern;
  /** What leaks, as the user names it: their class or callback, an object shape, else the plainest class. */
  leaked: { name: string; type: string; count: number; retainedSize: number; location: SourceLocation | null };
  /** The collection it accumulates in, e.g. "marketFeed._events.tick", "cache", "app._router.stack". */
  holder: { name: string; nodeId: number; location: SourceLocation | null };
  /** The place in the user's own code: an allocation frame, the leaked class or callback, or the holder's scope. */
  site: SourceLocation | null;
  /** From a GC root through the holder to one leaked object. */
  retainerPath: RetainerPath;
  /** One line, as printed. */
  summary: string;
  /** One sentence. */
  fix: string;
}

export interface DiffTotals {
  added: number;
  removed: number;
  addedSize: number;
  removedSize: number;
  retainedSize: number;
}

export interface DiffResult {
  before: SnapshotMeta;
  /** Three-snapshot diff only: the middle snapshot; new objects are those allocated between before and middle. */
  middle?: SnapshotMeta;
  after: SnapshotMeta;
  /** Reachable node ids present in both snapshots. */
  sharedIds: number;
  /** Sorted by retainedSize, then added, largest first. */
  classes: ClassDiff[];
  /** Over all classes (internal types only with includeInternal), before --top/--class/--min-count. */
  totals: DiffTotals;
  /** Thresholds a class had to pass to be a suspect. */
  thresholds: { minCount: number; minBytes: number };
  /** A page's snapshots: the after snapshot's detached DOM, by keeper, most elements first; absent for other heaps. */
  detachedDom?: DetachedDomGroup[];
  /** With ignore rules: per rule, what it took out of the leak rule (absent without rules). */
  ignored?: IgnoredObjects[];
  /** The leaks, in the user's terms, most retained bytes first; empty when no class is a suspect. */
  findings: Finding[];
  engine: 'leakscan' | 'memlab';
  /** A diff of a series S1 … SN decided by trend: what the classes' `series` count. Absent in a plain diff. */
  trend?: DiffTrend;
}

/** The series a trend diff read, and what it found growing in bytes. */
export interface DiffTrend {
  /** Every snapshot, S1 first, in the order taken. `before` is the first, `after` the last. */
  snapshots: SnapshotMeta[];
  /** Objects that kept their id and grew in retained size at every step (bytesPerCall: per step). */
  growth: ByteGrowth[];
}

/** What one ignore rule marked: new objects it names and the new objects they alone retain. */
export interface IgnoredObjects {
  rule: string;
  /** New reachable objects marked (rows with ignored: true), all classes together. */
  count: number;
  /** Their retained size, each byte counted once, bytes. */
  retainedSize: number;
  /** `run` and assertNoLeak: objects growing in bytes the rule names (not reported as growth). */
  growing?: number;
}

/** Per-class aggregate of one snapshot (reachable nodes only). */
export interface ClassSummary {
  name: string;
  type: string;
  constructorName?: string;
  location?: SourceLocation | null;
  count: number;
  selfSize: number;
  /** Retained size of the class's instances, each byte counted once. */
  retainedSize: number;
}

export interface ObjectSummary {
  nodeId: number;
  name: string;
  type: string;
  location?: SourceLocation | null;
  /** The stack that allocated the object, innermost frame first; absent when the snapshot has no traces. */
  allocationStack?: AllocationFrame[] | null;
  selfSize: number;
  retainedSize: number;
  retainerPath: RetainerPath | null;
  /** With --class: what holds the instance, as a user names it ("sessions[…]", "server._events"); null when nothing is named. */
  holder?: string | null;
  /** With --id: what the object retains (its children in the dominator tree), largest first, to --depth levels. */
  retains?: RetainedObject[];
  /** Children of the dominator tree left out of `retains` by --top. */
  retainsOmitted?: OmittedChildren;
}

/** Dominated children left out of a drill-down list: how many, and their retained sizes summed. */
export interface OmittedChildren {
  count: number;
  retainedSize: number;
}

/**
 * An object that the object above it retains: its child in the dominator tree
 * (every path from the GC roots to it passes through that object, so freeing
 * that object frees it and its retained size).
 */
export interface RetainedObject {
  nodeId: number;
  name: string;
  type: string;
  selfSize: number;
  retainedSize: number;
  /**
   * The edge that reaches it. From the object above when that one references it
   * directly (`direct: true`, as DevTools' Summary view names it on expansion);
   * otherwise the last edge on its shortest retainer path, which passes through
   * the object above.
   */
  edge: { type: string; name: string } | null;
  direct: boolean;
  /** When not direct: the edges of the shortest path from the object above down to this one, last is `edge`. */
  via?: Array<{ type: string; name: string }>;
  retains?: RetainedObject[];
  retainsOmitted?: OmittedChildren;
}

export interface DuplicatedString {
  /** The string, cut to 100 characters. */
  value: string;
  /** Full length of the string, in characters. */
  length: number;
  count: number;
  /** Self sizes of all copies, bytes. */
  totalSize: number;
  /** Bytes saved if only one copy were kept. */
  wastedSize: number;
}

export interface InspectResult {
  snapshot: SnapshotMeta;
  byRetainedSize: ClassSummary[];
  byCount: ClassSummary[];
  /** The objects with the largest retained sizes that no other listed object dominates. */
  largestObjects: ObjectSummary[];
  duplicatedStrings: DuplicatedString[];
  /** With --id: that object. */
  object: ObjectSummary | null;
  /** With --class: that class's largest instances. */
  classInstances: ObjectSummary[] | null;
  /** A page's snapshot: its detached DOM, by keeper, most elements first; absent for other heaps. */
  detachedDom?: DetachedDomGroup[];
  /** The classes defined in the user's code with the largest retained sizes, each with where most of them are held. */
  yours?: YourClass[];
  engine: 'leakscan' | 'memlab';
}

/** A class of the user's in one snapshot (inspect): how much it keeps, and the holder of most of its objects. */
export interface YourClass {
  name: string;
  type: string;
  count: number;
  /** The class's retained size, as DevTools' Summary view computes it. */
  retainedSize: number;
  location: SourceLocation;
  /** Of `count`, the objects `holder` dominates: the nearest of their dominators to hold at least half. */
  held: number;
  /** The holder as the user would type it ("parsedById", "cache"); null when none holds half of them or nothing names it. */
  holder: string | null;
  holderNodeId: number | null;
  /** The path to the one of them nearest the roots. */
  retainerPath: RetainerPath | null;
}

export type LeakExpectation = 'leak' | 'no-leak';

/** One value per call of each pass, in bytes, sampled before the call. */
export interface PassSeries {
  /** The pass without forced GC. */
  withoutGc: number[];
  /** The pass with gc() after each call. */
  withGc: number[];
}

/**
 * A page scenario's measurements (runner/page.ts): the page's numbers from
 * DevTools' Performance.getMetrics after each action/back round and a GC.
 * Node's process numbers (rss, heapUsed, external) are empty for a page.
 */
export interface PageMetrics {
  /** The URL opened. */
  url: string;
  /** The browser's product and version, e.g. "Chrome/131.0.6778.85". */
  browser: string;
  /** Per round: the page's V8 heap in use (JSHeapUsedSize), bytes. */
  jsHeapUsed: number[];
  /** Per round: the V8 heap the page's renderer holds (JSHeapTotalSize), bytes. */
  jsHeapTotal: number[];
  /** Per round: DOM nodes alive in the page, attached or not (Nodes). */
  domNodes: number[];
  /** Per round: event listeners registered (JSEventListeners). */
  eventListeners: number[];
  /** Per round: documents alive (Documents): frames, and documents kept after they closed. */
  documents: number[];
  /** Per round: resident memory of all the browser's processes, bytes (shared pages counted in each);
   *  empty where the system does not say (only Linux does). */
  browserRss: number[];
}

/** Raw measurements of one scenario, as the child process reports them. */
export interface ScenarioRun {
  name: string;
  description: string;
  /** Path of the scenario module that ran. */
  file: string;
  expect: LeakExpectation;
  /** Class whose objects each call allocates, used in the verdict (e.g. "B"); null if not declared. */
  trackClass: string | null;
  iterations: number;
  batch: number;
  intervalMs: number;
  /** Resident set size of the whole process (process.memoryUsage().rss). */
  rss: PassSeries;
  /** V8 heap in use (process.memoryUsage().heapUsed). */
  heapUsed: PassSeries;
  /** Memory of C++ objects bound to JS objects, ArrayBuffer and Buffer contents included
   *  (process.memoryUsage().external): a Buffer leak shows here, not in heapUsed. */
  external: PassSeries;
  /** File with what the scenario printed on stdout and stderr, control sequences removed;
   *  null when it printed nothing. */
  log: string | null;
  /** Process warnings the scenario's process emitted, as "Name: message" (e.g. MaxListenersExceededWarning). */
  warnings: string[];
  /** With-GC calls made before each growth snapshot (the first one is taken that many calls after `after`). */
  growthIterations: number;
  snapshots: {
    before: string;
    after: string;
    /** Taken growthIterations calls apart after `after`; the trend tells objects that keep
     *  growing from ones allocated once. In a temp folder of their own; the caller deletes them. */
    growth: string[];
  };
  /** Set for a page scenario. */
  page?: PageMetrics;
  durationMs: number;
}

/** What a run's analysis needs to know before the run is over (the runner says it once the scenario is loaded). */
export type SnapshotPlan = Pick<ScenarioRun, 'name' | 'iterations' | 'growthIterations' | 'snapshots'>;

/**
 * Memory that grows in bytes rather than in objects: an array of numbers, a
 * string builder, a Buffer pool. One object (same id after the measured calls
 * and at every growth snapshot) whose retained size keeps growing.
 */
export interface ByteGrowth {
  /** The variable or property holding it, as on its retainer path (e.g. "samples", "cache[…]"); null if none is named. */
  holder: string | null;
  /** Class of the object reported: the most specific one that grows, or, below a scope that grows, the largest value it holds. */
  name: string;
  type: string;
  /** Its node id in the last growth snapshot (the same in after when the object kept its id). */
  nodeId: number;
  /** Retained size of the growing object at after and at each growth snapshot, bytes. */
  retainedSizes: number[];
  /** Growth of the retained size per call from after to the last growth snapshot, bytes, rounded. */
  bytesPerCall: number;
  /** Shortest path from a GC root to the object in the last growth snapshot. */
  retainerPath: RetainerPath | null;
  /** Set when what grows in it is what an ignore rule names (the rule, as written): expected growth, not reported. */
  ignoreRule?: string;
}

export type ScenarioStatus = 'leak' | 'no-leak' | 'failed';

export interface ScenarioResult {
  name: string;
  description: string;
  file: string;
  expect: LeakExpectation;
  iterations: number;
  batch: number;
  intervalMs: number;
  rss: PassSeries;
  heapUsed: PassSeries;
  external: PassSeries;
  snapshots: { before: string; after: string };
  /** What the scenario printed (see ScenarioRun.log); null when nothing. */
  log: string | null;
  warnings: string[];
  diff: DiffResult | null;
  /** Classes that grew with the iterations (see leak rule in README). */
  leaks: ClassDiff[];
  /** Objects that grew in bytes with the iterations (see leak rule in README). */
  growth: ByteGrowth[];
  status: ScenarioStatus;
  /** True when status matches expect. */
  asExpected: boolean;
  /** One line, e.g. "global-cache: 1000 B retained — leak (via cache[…])". */
  verdict: string;
  /** Set when status is 'failed'. */
  error: string | null;
  /** Set for a page scenario: the page's numbers per round (see PageMetrics). */
  page?: PageMetrics;
  durationMs: number;
}

export interface RunResult {
  scenarios: ScenarioResult[];
}

/** What `leakscan capture` did (its --json): the target, the snapshots written, the diff of the first and last. */
export interface CaptureResult {
  target: {
    /** The process's pid when it is a Node process, else null (a browser page). */
    pid: number | null;
    /** How the snapshots were taken: an inspector session, leakscan's agent (--require leakscan/agent),
     *  or the process's --heapsnapshot-signal. The last two open no port and no session. */
    route: 'inspector' | 'agent' | 'signal';
    /** 'node', 'page', … as the inspector lists the target. */
    type: string;
    title: string;
    url: string;
    /** HOST:PORT of the inspector, or its ws:// URL; on the other routes the agent's socket, or the signal. */
    inspector: string;
    /**
     * With --pid, when the process runs Node processes of its own (a cluster's workers, forks): their pids and
     * command lines (untrusted text). Their heaps are not in the snapshots.
     */
    childProcesses?: Array<{ pid: number; command: string }>;
  };
  /** In the order taken, all from one inspector session (their node ids match). */
  snapshots: { path: string; bytes: number; takenAt: string }[];
  /** true: leakscan opened the inspector and it is closed again; false: it could not close it;
   *  null: it was open before and is left open, or no inspector was used (route agent or signal). */
  inspectorClosed: boolean | null;
  /** With 2 or more snapshots: the first and last (with 3, the three-snapshot diff), as `leakscan diff` gives it. */
  diff: DiffResult | null;
}

/** One snapshot of `leakscan test-server`: after the warm-up (round 0), then after each round of load. */
export interface ServerRound {
  /** 0 for the snapshot after the warm-up (S1), then 1 … N. */
  round: number;
  snapshot: string;
  /** The server process's resident set (VmRSS) before the snapshot, bytes; null where /proc cannot tell. */
  rss: number | null;
  /** The heap in use after the snapshot's full GC (the snapshot's reachable size), bytes. */
  heapUsed: number;
}

/** What `leakscan test-server` did and found (its --json). */
export interface TestServerResult {
  server: string;
  load: string;
  /** The Node process that was snapshotted (the server command may be a shell or npm around it). */
  pid: number;
  /** Rounds of load before the first snapshot. */
  warmup: number;
  calmMs: number;
  rounds: ServerRound[];
  /** The series S1 … SN decided by trend (diffSeries). */
  diff: DiffResult;
  status: 'leak' | 'no-leak';
  durationMs: number;
}
