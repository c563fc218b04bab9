import type { Argv } from 'yargs';
import { DEFAULT_DIFF_THRESHOLDS, diffSnapshots } from '../analysis/diff.js';
import { checkBundleTarget, writeBundle } from '../bundle/bundle.js';
import { ExitCode } from '../errors.js';
import { htmlDiff } from '../report/html.js';
import { markdownDiff } from '../report/markdown.js';
import { analysisProgressText } from '../report/progress.js';
import { createProgress, type GlobalArgs, stopOnSignals, toJson, writeReport } from './io.js';

export interface BundleArgs extends GlobalArgs {
  before: string;
  after: string;
  out: string;
  tar: boolean;
  redact: boolean;
  redactNames: boolean;
  force: boolean;
}

/** What the bundle flags of `bundle` and `run --bundle` ask of writeBundle: --redact-names implies --redact. */
export function bundleFlags(args: Pick<BundleArgs, 'tar' | 'force' | 'redact' | 'redactNames'>) {
  return { tar: args.tar, force: args.force, redact: args.redact || args.redactNames, redactNames: args.redactNames };
}

export function builder(yargs: Argv<GlobalArgs>): Argv<BundleArgs> {
  return yargs
    .positional('before', { type: 'string', describe: 'Earlier snapshot', demandOption: true })
    .positional('after', { type: 'string', describe: 'Later snapshot of the same process', demandOption: true })
    .option('out', {
      alias: 'o',
      type: 'string',
      default: 'leakscan-bundle',
      describe: 'Folder to create (must not exist, or be empty)',
    })
    .option('tar', { type: 'boolean', default: false, describe: 'Also write FOLDER.tar.gz' })
    .option('force', { type: 'boolean', default: false, describe: 'Replace an existing FOLDER.tar.gz' })
    .option('redact', {
      type: 'boolean',
      default: false,
      describe: 'Replace the text (secrets) of the bundled snapshots and reports; identifier names stay',
    })
    .option('redact-names', {
      type: 'boolean',
      default: false,
      describe: 'Also replace names from source (properties, variables, classes) by pseudonyms; implies --redact',
    })
    .example(
      '$0 bundle before.heapsnapshot after.heapsnapshot -o leak-report --redact --tar',
      'A redacted bundle and its .tar.gz',
    ) as unknown as Argv<BundleArgs>;
}

export async function execute(args: BundleArgs): Promise<ExitCode> {
  // Refuse a taken folder or .tar.gz now, not after the analysis.
  await checkBundleTarget(args.out, { tar: args.tar, force: args.force });
  const progress = createProgress(args);
  const stop = stopOnSignals('the partial bundle folder was removed');
  let written: Awaited<ReturnType<typeof writeBundle>>;
  try {
    const diff = await diffSnapshots(args.before, args.after, {
      thresholds: DEFAULT_DIFF_THRESHOLDS,
      minCount: DEFAULT_DIFF_THRESHOLDS.minCount,
      top: 30,
      onProgress: (event) => progress.update(analysisProgressText(event)),
    });
    written = await writeBundle({
      outDir: args.out,
      ...bundleFlags(args),
      snapshots: [
        { label: 'before', path: args.before },
        { label: 'after', path: args.after },
      ],
      report: { json: diff, markdown: markdownDiff, html: htmlDiff },
      argv: process.argv,
      signal: stop.signal,
      onProgress: (step) => progress.update(step),
    });
    stop.signal.throwIfAborted();
  } finally {
    stop.release();
    progress.stop();
  }
  await writeReport(
    args.json
      ? toJson(written)
      : `Bundle written to ${written.dir}${written.tarFile ? ` and ${written.tarFile}` : ''} (${written.files.length} files)\n`,
  );
  return ExitCode.Ok;
}
