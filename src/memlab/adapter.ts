// The one module that touches memlab (CommonJS, global config, prints to
// stdout). memlab is the reference parser behind `--engine memlab`: it reads
// the file, and its arrays become the same HeapGraph leakscan's own reader
// builds, so every pass and rule after the read is one code for both (and
// test/engines.test.ts holds the two reads to the same results).
// @memlab/api is an optional peer dependency (it brings puppeteer and its
// browser download): it is loaded at first use, so the default engine works
// without it.

import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RawSnapshot, SnapshotMetaJson } from '../engine/raw-snapshot.js';
import { sharedUint32Array } from '../engine/raw-snapshot.js';
import { fileError, LeakscanError, MissingDependencyError, SnapshotFormatError, UsageError } from '../errors.js';
import { isGzipFile } from '../gzip.js';

// Minimal shape of what we use from @memlab/core's IHeapSnapshot: the parsed
// file, its nodes and edges as typed arrays.
interface MemlabHeap {
  snapshot: {
    snapshot: { meta: SnapshotMetaJson; node_count: number; edge_count: number };
    nodes: ArrayLike<number>;
    edges: ArrayLike<number>;
    strings: string[];
    locations?: ArrayLike<number> | null;
  };
}
interface MemlabConfig {
  muteConsole: boolean;
  verbose: boolean;
}
interface MemlabApi {
  config: MemlabConfig;
  getFullHeapFromFile(file: string): Promise<MemlabHeap>;
}

let memlabApi: MemlabApi | undefined;

/** @memlab/api, resolved from leakscan's own location (where npm puts peer dependencies). */
function loadMemlab(): MemlabApi {
  if (memlabApi) return memlabApi;
  const require = createRequire(import.meta.url);
  try {
    require.resolve('@memlab/api');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new MissingDependencyError('@memlab/api', '--engine memlab', { cause: err });
  }
  memlabApi = require('@memlab/api') as MemlabApi;
  return memlabApi;
}

const HIJACKED_EVENTS: string[] = ['exit', 'SIGINT', 'SIGUSR1', 'SIGUSR2'];

/** Runs `work` with memlab silent and its global config as it was afterwards. */
async function withMemlab<T>(work: (api: MemlabApi) => Promise<T>): Promise<T> {
  // memlab's console adds process handlers (on exit it writes a terminal control code; on
  // SIGINT it exits): whatever it adds during the call is taken off again afterwards.
  const listenersBefore = new Map(HIJACKED_EVENTS.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
  const api = loadMemlab();
  const saved = { muteConsole: api.config.muteConsole, verbose: api.config.verbose };
  const writeOut = process.stdout.write;
  const writeErr = process.stderr.write;
  api.config.muteConsole = true;
  api.config.verbose = false;
  // memlab also writes progress and terminal control codes straight to stdout (which carries
  // our report) and stderr (which carries our one-line errors).
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await work(api);
  } finally {
    for (const event of HIJACKED_EVENTS) {
      for (const listener of process.listeners(event as 'exit')) {
        if (!listenersBefore.get(event)!.has(listener)) process.off(event, listener);
      }
    }
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    api.config.muteConsole = saved.muteConsole;
    api.config.verbose = saved.verbose;
  }
}

async function loadHeap(api: MemlabApi, file: string): Promise<MemlabHeap> {
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    size = stat.size;
  } catch (err) {
    throw fileError(file, err);
  }
  if (size === 0) throw new SnapshotFormatError(file, 'file is empty');
  if (isGzipFile(file))
    throw new UsageError(
      `${file}: the memlab engine reads only uncompressed snapshots (gunzip it, or use the leakscan engine)`,
    );
  try {
    return await api.getFullHeapFromFile(file);
  } catch (err) {
    if (err instanceof LeakscanError) throw err;
    throw new SnapshotFormatError(
      file,
      `memlab could not read it: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

export interface MemlabOptions {
  onProgress?: (step: string) => void;
}

/** A copy of memlab's array on shared memory, as leakscan's reader makes them (HeapGraph converts edges in place). */
function sharedCopy(values: ArrayLike<number>): Uint32Array {
  const copy = sharedUint32Array(values.length);
  for (let i = 0; i < values.length; i++) copy[i] = values[i];
  return copy;
}

/**
 * The file as memlab's parser reads it, in the arrays leakscan's reader hands
 * to HeapGraph. memlab appends 'invisible' to meta.edge_fields (it means an
 * edge type) and writes its detachedness guesses into the nodes: the first is
 * undone here, the second is memlab's reading of the file. Allocation traces
 * are not carried over (memlab does not read them).
 */
export async function readSnapshotWithMemlab(file: string, options: MemlabOptions = {}): Promise<RawSnapshot> {
  return withMemlab(async (api) => {
    options.onProgress?.(`memlab: reading ${file}`);
    const { snapshot } = await loadHeap(api, file);
    const meta = snapshot.snapshot.meta;
    return {
      meta: { ...meta, edge_fields: meta.edge_fields.filter((field) => field !== 'invisible') },
      nodeCount: snapshot.snapshot.node_count,
      edgeCount: snapshot.snapshot.edge_count,
      nodes: sharedCopy(snapshot.nodes),
      edges: sharedCopy(snapshot.edges),
      strings: snapshot.strings,
      fileBytes: statSync(file).size,
      locations: snapshot.locations?.length ? Uint32Array.from(snapshot.locations) : null,
      trace: null,
    };
  });
}
