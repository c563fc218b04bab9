// Places in the code as every report and a finding's text word them: below
// both the analysis and the reporters, so a finding's summary (analysis/
// finding-text.ts) and the terminal, Markdown and HTML reports say the same.

import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceLocation } from '../types.js';

/** A local file path for a script name, or null for what is not a local file (node:internal/…, https://…). */
export function localPath(script: string): string | null {
  if (/^file:\/\//i.test(script)) {
    try {
      return fileURLToPath(script);
    } catch {
      return null;
    }
  }
  return isAbsolute(script) ? script : null;
}

/**
 * A script name as a user finds the file: a path relative to `cwd` when the
 * script is under it, a `file://` URL as its path, a web page's script as its
 * URL's path; anything else (`node:internal/…`, an eval) as V8 named it.
 */
export function scriptLabel(script: string, cwd: string = process.cwd()): string {
  const file = localPath(script);
  if (file === null) {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(script) || /^file:/i.test(script)) return script;
    try {
      const url = new URL(script);
      return url.pathname === '' ? script : url.pathname;
    } catch {
      return script;
    }
  }
  const rel = relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** `src/bus.js:20` (the line as editors count it); '' without a location. */
export function formatLocation(location: SourceLocation | null | undefined, cwd?: string): string {
  if (!location || location.script === '') return '';
  const file = scriptLabel(location.script, cwd);
  return location.line > 0 ? `${file}:${location.line}` : file;
}
