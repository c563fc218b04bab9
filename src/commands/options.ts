// Options more than one command takes, declared once so their help reads the same everywhere.
import { DEFAULT_DIFF_THRESHOLDS } from '../analysis/diff.js';
import { DEFAULT_LEAK_RULE } from '../analysis/leaks.js';
import type { GlobalArgs } from './io.js';

/** The arguments diff and inspect share: which engine, what to include, which reports. */
export interface ReportArgs extends GlobalArgs {
  internal: boolean;
  engine: 'leakscan' | 'memlab';
  markdown?: boolean;
  html?: string;
  sourceMaps: boolean;
  force: boolean;
}

export const MIN_COUNT_OPTION = {
  type: 'number',
  default: DEFAULT_DIFF_THRESHOLDS.minCount,
  describe: 'New reachable objects a class needs to be listed and to count as a leak suspect',
} as const;

export const MIN_BYTES_OPTION = {
  type: 'number',
  default: DEFAULT_DIFF_THRESHOLDS.minBytes,
  describe: 'Retained bytes a class needs to count as a leak suspect',
} as const;

/** --min-count and --min-bytes of the trend rule (run, test-server): a growing class's least size to count. */
export const TREND_MIN_COUNT_OPTION = {
  type: 'number',
  default: DEFAULT_LEAK_RULE.minCount,
  describe: 'New reachable objects a growing class needs to count as a leak',
} as const;

export const TREND_MIN_BYTES_OPTION = {
  type: 'number',
  default: DEFAULT_LEAK_RULE.minBytes,
  describe: 'Retained bytes a growing class needs to count as a leak',
} as const;

export const INTERNAL_OPTION = {
  type: 'boolean',
  default: false,
  describe: "Include V8's internal types (hidden, code, arrays, numbers)",
} as const;

export const ENGINE_OPTION = {
  choices: ['leakscan', 'memlab'] as const,
  default: 'leakscan' as const,
  describe: "Snapshot parser: leakscan's, or memlab's (the slower reference; the analysis is the same)",
};

/** No default: yargs' conflicts() (with --json) counts a defaulted option as given. */
export const MARKDOWN_OPTION = { type: 'boolean', describe: 'Print a Markdown report for a GitHub issue' } as const;

export const HTML_OPTION = {
  type: 'string',
  describe: 'Also write the report as one self-contained HTML file (opens from disk, fetches nothing)',
} as const;

export const FORCE_HTML_OPTION = {
  type: 'boolean',
  default: false,
  describe: 'With --html: replace an existing FILE',
} as const;

export const SOURCE_MAPS_OPTION = {
  type: 'boolean',
  default: true,
  describe:
    'Show places in the source a local source map points to (TypeScript, bundlers); --no-source-maps: in the JavaScript that ran',
} as const;
