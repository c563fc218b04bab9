// Numbers as every report shows them: a finding's text (analysis/finding-text.ts),
// the terminal, Markdown and HTML reporters (through report/format.ts) and the
// HTML page's own script (report/page-script.ts, which gets this file inlined by
// the build: so it imports nothing).

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (powers of 1024, as DevTools shows sizes). */
export function formatBytes(bytes: number): string {
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 ? String(Math.round(value)) : value.toFixed(value < 10 ? 2 : 1);
  return `${bytes < 0 ? '-' : ''}${text} ${UNITS[unit]}`;
}

export function formatSignedBytes(bytes: number): string {
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/** RSS as in the original experiment: megabytes with two decimals. */
export function formatMB(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(2);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatSigned(n: number): string {
  return n > 0 ? `+${formatCount(n)}` : formatCount(n);
}
