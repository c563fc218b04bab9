#!/usr/bin/env node
// Copies a heap snapshot with its `locations`, `trace_function_infos` and
// `trace_tree` sections emptied, streaming (the files are hundreds of MB): the
// bench times `leakscan diff` on the copy against the original to measure what
// reading definition sites and allocation stacks costs (issue 10).
//
//   node bench/strip-sections.mjs IN OUT
//
// V8 writes these sections with numbers only, before `strings`, and a string's
// quotes inside `strings` are escaped, so the first `"locations":[` in the
// file is the section's key and the matching `]` its end.
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';

const SECTIONS = ['locations', 'trace_function_infos', 'trace_tree'].map((name) => Buffer.from(`"${name}":[`));
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]

/** A stream transform that keeps each key of SECTIONS and drops what its array held. */
async function* stripSections(source) {
  // Bytes kept back because a key may straddle two chunks.
  let pending = Buffer.alloc(0);
  // Inside a dropped array: its bracket depth (trace_tree nests arrays); 0 outside.
  let depth = 0;
  for await (const chunk of source) {
    let buffer = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    const out = [];
    let from = 0;
    while (from < buffer.length) {
      if (depth > 0) {
        let i = from;
        for (; i < buffer.length && depth > 0; i++) {
          if (buffer[i] === OPEN) depth++;
          else if (buffer[i] === CLOSE) depth--;
        }
        if (depth === 0) out.push(Buffer.from(']'));
        from = i;
        continue;
      }
      let next = -1;
      let key = null;
      for (const section of SECTIONS) {
        const at = buffer.indexOf(section, from);
        if (at >= 0 && (next < 0 || at < next)) {
          next = at;
          key = section;
        }
      }
      if (key === null) {
        // Keep back the longest tail that could start a key.
        const keep = Math.min(buffer.length - from, Math.max(...SECTIONS.map((s) => s.length)) - 1);
        out.push(buffer.subarray(from, buffer.length - keep));
        pending = Buffer.from(buffer.subarray(buffer.length - keep));
        break;
      }
      out.push(buffer.subarray(from, next + key.length));
      from = next + key.length;
      depth = 1;
    }
    buffer = null;
    if (out.length > 0) yield Buffer.concat(out);
  }
  if (depth > 0) throw new Error('the snapshot ends inside a section');
  if (pending.length > 0) yield pending;
}

/** Writes OUT through a temp name, so a failed copy leaves nothing behind. */
export async function stripSnapshot(input, output) {
  const temp = `${output}.tmp-${process.pid}`;
  try {
    await pipeline(createReadStream(input), stripSections, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
    renameSync(temp, output);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    process.stderr.write('usage: node bench/strip-sections.mjs IN OUT\n');
    process.exit(2);
  }
  await stripSnapshot(input, output);
}
