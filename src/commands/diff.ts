import type { Argv } from 'yargs';
import type { AnalysisProgress } from '../analysis/diff.js';
import { parseIgnoreRules } from '../analysis/ignore.js';
import { fileSize } from '../analysis/load.js';
import { diffFiles, hasLeak } from '../analysis/series.js';
import { ExitCode, UsageError } from '../errors.js';
import { htmlDiff } from '../report/html.js';
import { markdownDiff } from '../report/markdown.js';
import { wholeProgressText } from '../report/progress.js';
import { renderDiff } from '../report/terminal.js';
import type { DiffResult } from '../types.js';
import { checkCount } from './checks.js';
import { IGNORE_OPTION, ignoreList, withConfig } from './config.js';
import { relaunchForHeap } from './heap-limit.js';
import { checkOutputFile, createProgress, type GlobalArgs, publishReport } from './io.js';
import {
  ENGINE_OPTION,
  FORCE_HTML_OPTION,
  HTML_OPTION,
  INTERNAL_OPTION,
  MARKDOWN_OPTION,
  MIN_BYTES_OPTION,
  MIN_COUNT_OPTION,
  type ReportArgs,
  SOURCE_MAPS_OPTION,
} from './options.js';

export interface DiffArgs extends ReportArgs {
  before: string;
  after: string;
  /** Snapshots after <after>: a series S1 … SN, decided by trend. */
  more?: string[];
  /** With three snapshots: the three-snapshot diff instead of the trend. */
  final: boolean;
  top: number;
  class?: string;
  minCount: number;
  minBytes: number;
  paths: number;
  failOnLeak: boolean;
  ignore?: string | string[];
}

export function builder(yargs: Argv<GlobalArgs>): Argv<DiffArgs> {
  return withConfig(yargs, 'diff')
    .positional('before', {
      type: 'string',
      describe: 'Earlier snapshot (.heapsnapshot or .heapsnapshot.gz)',
      demandOption: true,
    })
    .positional('after', { type: 'string', describe: 'Later snapshot of the same process', demandOption: true })
    .positional('more', {
      type: 'string',
      array: true,
      describe:
        'Later snapshots of the same process, in order: a series S1 … SN, decided by trend (what rose at every step)',
    })
    .option('final', {
      type: 'boolean',
      default: false,
      describe:
        'With three snapshots: instead of the trend, only objects allocated between the first and the second that are still alive in the third',
    })
    .option('top', {
      type: 'number',
      default: 15,
      describe: 'Show the N classes with the largest retained size of new objects',
    })
    .option('class', { type: 'string', describe: 'Show only this class (constructor name)' })
    .option('min-count', MIN_COUNT_OPTION)
    .option('min-bytes', MIN_BYTES_OPTION)
    .option('paths', { type: 'number', default: 3, describe: 'Retainer paths to trace, from the top class down' })
    .option('internal', INTERNAL_OPTION)
    .option('engine', ENGINE_OPTION)
    .option('markdown', MARKDOWN_OPTION)
    .conflicts('json', 'markdown')
    .option('html', HTML_OPTION)
    .option('source-maps', SOURCE_MAPS_OPTION)
    .option('force', FORCE_HTML_OPTION)
    .option('fail-on-leak', { type: 'boolean', default: false, describe: 'Exit 1 when a class is a leak suspect' })
    .option('ignore', IGNORE_OPTION)
    .check((argv) => {
      const count = 2 + (argv.more?.length ?? 0);
      if (argv.final && count !== 3) throw new Error(`--final needs three snapshots, got ${count}`);
      return checkCount(argv, ['top', 'min-count', 'min-bytes', 'paths']);
    })
    .example('$0 diff before.heapsnapshot after.heapsnapshot', 'What grew between two snapshots, and what holds it')
    .example(
      '$0 diff a.heapsnapshot.gz b.heapsnapshot.gz --class Session',
      'Only the Session class, with its retainer path',
    )
    .example('$0 diff a.heapsnapshot b.heapsnapshot --html report.html', 'Also a report to open in a browser')
    .example(
      '$0 diff s.1.heapsnapshot s.2.heapsnapshot s.3.heapsnapshot s.4.heapsnapshot',
      'A series (leakscan capture --count 4): what rose at every step, with its counts per snapshot',
    )
    .example(
      '$0 diff --final s.1.heapsnapshot s.2.heapsnapshot s.3.heapsnapshot',
      'Three-snapshot diff: what was allocated between 1 and 2 and is still alive in 3',
    )
    .example(
      '$0 diff a.heapsnapshot b.heapsnapshot --ignore performance.resourceTimingBuffer',
      'A bounded buffer is expected growth: counted as ignored, never a suspect',
    )
    .example(
      '$0 diff a.heapsnapshot b.heapsnapshot --json > diff.json',
      'The data, for scripts',
    ) as unknown as Argv<DiffArgs>;
}

export async function execute(args: DiffArgs): Promise<ExitCode> {
  const ignore = ignoreList(args.ignore);
  parseIgnoreRules(ignore); // a bad rule fails before the snapshots are read
  const files = [args.before, args.after, ...(args.more ?? [])];
  if (files.length > 2 && !args.final && args.engine === 'memlab') {
    throw new UsageError('a series needs --engine leakscan');
  }
  const relaunched = await relaunchForHeap(files, args.engine);
  if (relaunched !== null) return relaunched;
  // Refuse a taken --html file now, not after the analysis.
  if (args.html !== undefined) await checkOutputFile(args.html, { force: args.force });
  const progress = createProgress(args);
  const thresholds = { minCount: args.minCount, minBytes: args.minBytes };
  // One bar over every file's bytes, not each file's own percentage in turn.
  const progressText = wholeProgressText(
    files.length,
    files.map(fileSize).reduce((a, b) => a + b, 0),
  );
  let result: DiffResult;
  try {
    result = await diffFiles(files, {
      top: args.top,
      className: args.class,
      minCount: args.minCount,
      paths: args.paths,
      includeInternal: args.internal,
      thresholds,
      engine: args.engine,
      ignore,
      final: args.final,
      onProgress: (event: AnalysisProgress) => progress.update(progressText(event)),
    });
  } finally {
    progress.stop();
  }
  await publishReport(result, args, { markdown: markdownDiff, terminal: renderDiff, html: htmlDiff });
  return args.failOnLeak && hasLeak(result) ? ExitCode.LeakFound : ExitCode.Ok;
}
