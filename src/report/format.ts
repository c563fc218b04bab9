// Small text helpers shared by the reporters.

import { stripVTControlCharacters, styleText } from 'node:util';
import { formatCount } from '../text/numbers.js';
import { formatLocation } from '../text/places.js';
import type { AllocationFrame, AllocationStack } from '../types.js';

export { formatBytes, formatCount, formatMB, formatSigned, formatSignedBytes } from '../text/numbers.js';
export { formatLocation, scriptLabel } from '../text/places.js';

/** Whether to colour a stream: NO_COLOR and FORCE_COLOR (https://no-color.org) win over the TTY check. */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '')
    return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const plain = (text: string): string => text;
/** colorEnabled has decided already: styleText must not check stdout again (the report may go to stderr or a file). */
const styled =
  (format: 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan') =>
  (text: string): string =>
    styleText(format, text, { validateStream: false });

export function style(enabled: boolean): Style {
  if (!enabled) return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  return {
    bold: styled('bold'),
    dim: styled('dim'),
    red: styled('red'),
    green: styled('green'),
    yellow: styled('yellow'),
    cyan: styled('cyan'),
  };
}

/** Width on screen of a cell that may hold our own colour codes. */
const visibleLength = (text: string): number => stripVTControlCharacters(text).length;

export type Align = 'left' | 'right';

/** A label over `span` adjacent columns, in a header row above the column names. */
export interface ColumnGroup {
  label: string;
  span: number;
}

/** Fixed-width text table; cells may hold colour codes. `groups`, covering every column, adds a row of labels centred over them. */
export function table(header: string[], rows: string[][], align: Align[], groups?: ColumnGroup[]): string {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const pad = (cell: string, i: number): string => {
    const gap = ' '.repeat(widths[i] - visibleLength(cell));
    return align[i] === 'right' ? gap + cell : cell + gap;
  };
  const line = (cells: string[]): string => cells.map(pad).join('  ').trimEnd();
  const lines = [line(header), ...rows.map(line)];
  if (groups) {
    let column = 0;
    const cells = groups.map((g) => {
      const width = widths.slice(column, column + g.span).reduce((a, b) => a + b, 0) + 2 * (g.span - 1);
      column += g.span;
      const left = Math.max(0, Math.floor((width - visibleLength(g.label)) / 2));
      return (' '.repeat(left) + g.label).padEnd(width);
    });
    lines.unshift(cells.join('  ').trimEnd());
  }
  return lines.join('\n');
}

/**
 * Text from a snapshot (class names, strings, edge names) is the program's,
 * not ours: control characters (terminal escape sequences among them) are
 * shown as \xNN / \uNNNN escapes instead of being sent to the terminal.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Escapes text for a Markdown table cell or inline text. */
export function mdEscape(text: string): string {
  return printable(text).replace(/[\\`*_{}[\]<>|]/g, (c) => `\\${c}`);
}

export function mdTable(header: string[], rows: string[][], align: Align[]): string {
  const rule = align.map((a) => (a === 'right' ? '---:' : ':---'));
  return [header, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** One allocation stack: "412 allocated in subscribe (src/bus.js:18) ← connect (src/client.js:40) ← …". */
export function formatAllocationStack(stack: AllocationStack, frames = 3, cwd?: string): string {
  return `${formatCount(stack.count)} allocated in ${formatFrames(stack.frames, frames, cwd)}`;
}

/** "subscribe (src/bus.js:18) ← connect (src/client.js:40) ← …": the first `count` frames, innermost first. */
export function formatFrames(frames: AllocationFrame[], count = 3, cwd?: string): string {
  const shown = frames.slice(0, count).map((frame) => {
    const where = frame.script === '' ? '' : ` (${formatLocation(frame, cwd)})`;
    return `${frame.functionName || '(anonymous)'}${where}`;
  });
  return `${shown.join(' ← ')}${frames.length > count ? ' ← …' : ''}`;
}
