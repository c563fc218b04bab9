// Definition sites and allocation frames in compiled code (TypeScript, bundlers) name the
// JavaScript V8 ran. When that file is on this machine with a source map (a `.map` file beside
// it or an inline data: URL, as tsc, esbuild and tsx write them), the place in the source it
// came from is the one a user opens; the place in the JavaScript stays as `generated`.
// Decoding is Node's own (node:module SourceMap).
//
// Script names come from the snapshot, which may not be the user's: only regular files are
// opened and read (a FIFO or device named there is never opened), with size limits, and
// nothing of their text is shown but the source paths their maps name.

import { SourceMap } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { localPath } from '../text/places.js';
import { rewordFinding } from './findings.js';
import { readRegularFile } from './source-text.js';

/** A compiled script larger than this is not searched for its source map comment. */
const MAX_SCRIPT_BYTES = 32 * 1024 * 1024;
/** A source map larger than this is not read. */
const MAX_MAP_BYTES = 64 * 1024 * 1024;

/** A place as the result types carry it (SourceLocation, AllocationFrame): 1-based line and column. */
interface Place {
  script: string;
  line: number;
  column: number;
  generated?: { script: string; line: number; column: number };
}

interface LoadedMap {
  map: SourceMap;
  /** Folder the map's relative source paths start from (with its sourceRoot). */
  base: string;
}

/** The last `sourceMappingURL` comment of a script, as written. */
function sourceMappingUrl(script: Buffer): string | null {
  const text = script.toString('utf8', Math.max(0, script.lastIndexOf('sourceMappingURL=') - 4));
  const match = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(text);
  return match ? match[1] : null;
}

function parseMap(json: string, base: string): LoadedMap | null {
  try {
    const payload = JSON.parse(json);
    if (payload === null || typeof payload !== 'object' || !Array.isArray(payload.sources)) return null;
    const root =
      typeof payload.sourceRoot === 'string' && !payload.sourceRoot.includes('://') ? payload.sourceRoot : '';
    return { map: new SourceMap(payload), base: resolve(base, root) };
  } catch {
    return null;
  }
}

function loadMap(scriptPath: string): LoadedMap | null {
  const script = readRegularFile(scriptPath, MAX_SCRIPT_BYTES);
  const url = script && sourceMappingUrl(script);
  if (!url) return null;
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    if (comma < 0) return null;
    const head = url.slice(5, comma);
    const body = url.slice(comma + 1);
    const json = head.endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponentSafe(body);
    return json === null ? null : parseMap(json, dirname(scriptPath));
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !url.startsWith('file:')) return null; // a map on a server: not fetched
  const mapPath = url.startsWith('file:')
    ? localPath(url)
    : resolve(dirname(scriptPath), decodeURIComponentSafe(url) ?? url);
  const bytes = mapPath === null ? null : readRegularFile(mapPath, MAX_MAP_BYTES);
  return bytes === null || mapPath === null ? null : parseMap(bytes.toString('utf8'), dirname(mapPath));
}

function decodeURIComponentSafe(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** The source maps of the scripts a result names, each read once. */
export class SourceMaps {
  private readonly loaded = new Map<string, LoadedMap | null>();

  /** Where `place` comes from in the source, or null when no source map on this machine says. */
  original(place: Place): Place | null {
    if (place.line <= 0 || place.script === '') return null;
    const path = localPath(place.script);
    if (path === null) return null;
    let loaded = this.loaded.get(path);
    if (loaded === undefined) {
      loaded = loadMap(path);
      this.loaded.set(path, loaded);
    }
    if (!loaded) return null;
    const line = place.line - 1;
    const entry = loaded.map.findEntry(line, Math.max(0, place.column - 1));
    // findEntry answers with the nearest mapping before the place, on an earlier line if need be:
    // only a mapping on the same generated line says where this line came from.
    if (!('originalSource' in entry) || entry.generatedLine !== line) return null;
    const source = entry.originalSource;
    const script = source.startsWith('file://')
      ? (localPath(source) ?? source)
      : /^[a-z][a-z0-9+.-]*:/i.test(source) || isAbsolute(source)
        ? source
        : resolve(loaded.base, source);
    return { script, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
  }
}

function isPlace(value: Record<string, unknown>): value is Record<string, unknown> & Place {
  return typeof value.script === 'string' && typeof value.line === 'number' && typeof value.column === 'number';
}

/**
 * Every place in `result` (class rows, path steps, allocation frames, inspected objects) that a
 * source map on this machine maps is replaced by its place in the source, with the place in the
 * JavaScript kept as `generated`. Changes `result` in place and returns it.
 */
export function applySourceMaps<T>(result: T, maps: SourceMaps = new SourceMaps()): T {
  const seen = new Set<object>();
  const stack: unknown[] = [result];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
      continue;
    }
    const record = value as Record<string, unknown>;
    if (isPlace(record) && record.generated === undefined) {
      const original = maps.original(record);
      if (original) {
        record.generated = { script: record.script, line: record.line, column: record.column };
        record.script = original.script;
        record.line = original.line;
        record.column = original.column;
      }
    }
    for (const key of Object.keys(record)) if (key !== 'generated') stack.push(record[key]);
  }
  // A finding's summary and fix name its places: worded again once they are the source's.
  for (const value of seen) rewordFinding(value);
  return result;
}
