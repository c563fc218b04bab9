import type { Argv } from 'yargs';
import { inspectSnapshot } from '../analysis/inspect.js';
import { ExitCode } from '../errors.js';
import { htmlInspect } from '../report/html.js';
import { markdownInspect } from '../report/markdown.js';
import { analysisProgressText } from '../report/progress.js';
import { renderInspect } from '../report/terminal.js';
import type { InspectResult } from '../types.js';
import { checkCount, checkPositive } from './checks.js';
import { relaunchForHeap } from './heap-limit.js';
import { checkOutputFile, createProgress, type GlobalArgs, publishReport } from './io.js';
import {
  ENGINE_OPTION,
  FORCE_HTML_OPTION,
  HTML_OPTION,
  INTERNAL_OPTION,
  MARKDOWN_OPTION,
  type ReportArgs,
  SOURCE_MAPS_OPTION,
} from './options.js';

export interface InspectArgs extends ReportArgs {
  snapshot: string;
  top?: number;
  id?: number;
  class?: string;
  depth?: number;
}

export function builder(yargs: Argv<GlobalArgs>): Argv<InspectArgs> {
  return yargs
    .positional('snapshot', {
      type: 'string',
      describe: 'A .heapsnapshot or .heapsnapshot.gz file',
      demandOption: true,
    })
    .option('top', {
      type: 'number',
      describe: 'Rows per table (default 20 classes, 10 objects); with --id, objects per level of what it retains',
    })
    .option('id', {
      type: 'number',
      describe: 'Explain one object: its retainer path (the number after @ in DevTools)',
    })
    .option('depth', {
      type: 'number',
      describe: 'With --id: levels of what the object retains to list (default 2; --top objects per level, default 10)',
    })
    .option('class', {
      type: 'string',
      describe: 'List the largest instances of this class, each with its retained size and holder',
    })
    .option('internal', INTERNAL_OPTION)
    .option('engine', ENGINE_OPTION)
    .option('markdown', MARKDOWN_OPTION)
    .option('html', HTML_OPTION)
    .option('source-maps', SOURCE_MAPS_OPTION)
    .option('force', FORCE_HTML_OPTION)
    .conflicts('json', 'markdown')
    .check((argv) => {
      if (argv.depth !== undefined && argv.id === undefined) throw new Error('--depth needs --id');
      return checkPositive(argv, ['top', 'depth']) && checkCount(argv, ['id']);
    })
    .example('$0 inspect crash.heapsnapshot', 'Largest classes, objects and duplicated strings')
    .example('$0 inspect crash.heapsnapshot --id 12345', 'Why object @12345 is alive, and what it retains')
    .example('$0 inspect crash.heapsnapshot --id 12345 --depth 4 --top 5', 'Four levels down, five objects per level')
    .example('$0 inspect crash.heapsnapshot --html crash.html', 'Also a report to open in a browser')
    .example(
      '$0 inspect crash.heapsnapshot --class Session --json',
      'The largest Session objects, as JSON',
    ) as unknown as Argv<InspectArgs>;
}

export async function execute(args: InspectArgs): Promise<ExitCode> {
  const relaunched = await relaunchForHeap([args.snapshot], args.engine);
  if (relaunched !== null) return relaunched;
  if (args.html !== undefined) await checkOutputFile(args.html, { force: args.force });
  const progress = createProgress(args);
  let result: InspectResult;
  try {
    result = await inspectSnapshot(args.snapshot, {
      top: args.top,
      id: args.id,
      className: args.class,
      depth: args.depth,
      includeInternal: args.internal,
      engine: args.engine,
      onProgress: (event) => progress.update(analysisProgressText(event)),
    });
  } finally {
    progress.stop();
  }
  await publishReport(result, args, { markdown: markdownInspect, terminal: renderInspect, html: htmlInspect });
  return ExitCode.Ok;
}
