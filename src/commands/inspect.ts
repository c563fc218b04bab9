import type { Argv } from 'yargs';
import { inspectSnapshot } from '../analysis/inspect.js';
import { collectEnvironment } from '../bundle/environment.js';
import { ExitCode, UsageError } from '../errors.js';
import { memlabInspect } from '../memlab/adapter.js';
import { htmlInspect } from '../report/html.js';
import { markdownInspect } from '../report/markdown.js';
import { renderInspect } from '../report/terminal.js';
import type { InspectResult } from '../types.js';
import { checkCount, checkExclusive, checkPositive } from './checks.js';
import { relaunchForHeap } from './heap-limit.js';
import {
  analysisProgressText,
  checkOutputFile,
  createProgress,
  type GlobalArgs,
  stdoutColor,
  toJson,
  writeOutputFile,
  writeReport,
} from './io.js';

export interface InspectArgs extends GlobalArgs {
  snapshot: string;
  top?: number;
  id?: number;
  class?: string;
  internal: boolean;
  engine: 'leakscan' | 'memlab';
  markdown: boolean;
  html?: string;
  force: boolean;
}

export const command = 'inspect <snapshot>';
export const describe = 'One snapshot, postmortem: what holds the memory';

export function builder(yargs: Argv<GlobalArgs>): Argv<InspectArgs> {
  return yargs
    .positional('snapshot', {
      type: 'string',
      describe: 'A .heapsnapshot or .heapsnapshot.gz file',
      demandOption: true,
    })
    .option('top', { type: 'number', describe: 'Rows per table (default 20 classes, 10 objects)' })
    .option('id', {
      type: 'number',
      describe: 'Explain one object: its retainer path (the number after @ in DevTools)',
    })
    .option('class', { type: 'string', describe: 'List the largest instances of this class' })
    .option('internal', {
      type: 'boolean',
      default: false,
      describe: "Include V8's internal types (hidden, code, arrays, numbers)",
    })
    .option('engine', {
      choices: ['leakscan', 'memlab'] as const,
      default: 'leakscan' as const,
      describe: 'Snapshot engine (memlab is the slower reference)',
    })
    .option('markdown', { type: 'boolean', default: false, describe: 'Print a Markdown report for a GitHub issue' })
    .option('html', {
      type: 'string',
      describe: 'Also write the report as one self-contained HTML file (opens from disk, fetches nothing)',
    })
    .option('force', { type: 'boolean', default: false, describe: 'With --html: replace an existing FILE' })
    .check(
      (argv) => checkPositive(argv, ['top']) && checkCount(argv, ['id']) && checkExclusive(argv, ['json', 'markdown']),
    )
    .example('$0 inspect crash.heapsnapshot', 'Largest classes, objects and duplicated strings')
    .example('$0 inspect crash.heapsnapshot --id 12345', 'Why object @12345 is alive')
    .example('$0 inspect crash.heapsnapshot --html crash.html', 'Also a report to open in a browser')
    .example(
      '$0 inspect crash.heapsnapshot --class Session --json',
      'The largest Session objects, as JSON',
    ) as unknown as Argv<InspectArgs>;
}

export async function execute(args: InspectArgs): Promise<ExitCode> {
  const relaunched = await relaunchForHeap([args.snapshot], args.engine);
  if (relaunched !== null) return relaunched;
  if (args.html !== undefined) await checkOutputFile(args.html, args.force);
  const progress = createProgress(args);
  let result: InspectResult;
  try {
    if (args.engine === 'memlab') {
      if (args.id !== undefined || args.class !== undefined) {
        throw new UsageError('--id and --class need the leakscan engine');
      }
      result = await memlabInspect(args.snapshot, { onProgress: (step) => progress.update(step) });
    } else {
      result = await inspectSnapshot(args.snapshot, {
        top: args.top,
        id: args.id,
        className: args.class,
        includeInternal: args.internal,
        onProgress: (event) => progress.update(analysisProgressText(event)),
      });
    }
  } finally {
    progress.stop();
  }
  const text = args.json
    ? toJson(result)
    : args.markdown
      ? markdownInspect(result)
      : renderInspect(result, { color: stdoutColor() });
  if (args.html !== undefined)
    await writeOutputFile(
      args.html,
      htmlInspect(result, { environment: collectEnvironment(process.argv) }),
      args.force,
    );
  await writeReport(text);
  return ExitCode.Ok;
}
