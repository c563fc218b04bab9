// `leakscan test-server`, the command: a CI gate for a service. Parses the
// arguments, calls testServer (test-server.ts), writes the HTML file and the
// bundle when asked, prints the report; exit 0 (no leak), 1 (leak), 2.
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { applySourceMaps } from '../analysis/source-maps.js';
import { checkBundleTarget, writeBundle } from '../bundle/bundle.js';
import { ExitCode, UsageError } from '../errors.js';
import { htmlDiff } from '../report/html.js';
import { analysisProgressText } from '../report/progress.js';
import { markdownTestServer, renderTestServer } from '../report/test-server.js';
import { type Readiness, testServer } from '../test-server.js';
import type { TestServerResult } from '../types.js';
import { bundleFlags } from './bundle.js';
import { checkCount, checkPositive } from './checks.js';
import {
  checkOutputFile,
  createProgress,
  type GlobalArgs,
  reportText,
  stopOnSignals,
  writeHtmlReport,
  writeReport,
} from './io.js';
import {
  HTML_OPTION,
  MARKDOWN_OPTION,
  SOURCE_MAPS_OPTION,
  TREND_MIN_BYTES_OPTION,
  TREND_MIN_COUNT_OPTION,
} from './options.js';

export interface TestServerArgs extends GlobalArgs {
  server: string;
  load: string;
  rounds: number;
  warmup: number;
  readyPort?: number;
  readyLine?: string;
  calm: number;
  timeout: number;
  out: string;
  top: number;
  minCount: number;
  minBytes: number;
  markdown?: boolean;
  html?: string;
  sourceMaps: boolean;
  bundle?: string;
  tar: boolean;
  redact: boolean;
  redactNames: boolean;
  force: boolean;
}

/** `describe`: the command's line in the top-level help (src/cli.ts), repeated under its usage. */
export function builder(yargs: Argv<GlobalArgs>, describe: string): Argv<TestServerArgs> {
  return yargs
    .usage(`$0 test-server --server CMD --load CMD (--ready-port N | --ready-line REGEX) [options]\n\n${describe}.`)
    .option('server', {
      type: 'string',
      demandOption: true,
      describe:
        'Shell command that starts the server (node server.js, npm start); it gets NODE_OPTIONS for the snapshots',
    })
    .option('load', {
      type: 'string',
      demandOption: true,
      describe: 'Shell command that loads the server once and exits 0; gets LEAKSCAN_PORT and LEAKSCAN_SERVER_PID',
    })
    .option('rounds', { type: 'number', default: 5, describe: 'Rounds of load, a snapshot after each (2 or more)' })
    .option('warmup', { type: 'number', default: 1, describe: 'Rounds of load before the first snapshot' })
    .option('ready-port', { type: 'number', describe: 'Ready when this TCP port on localhost accepts a connection' })
    .option('ready-line', {
      type: 'string',
      describe:
        'Ready when the server prints a line matching this regular expression; its first group (or (?<port>…)) is LEAKSCAN_PORT',
    })
    .option('calm', { type: 'number', default: 500, describe: 'Pause after each round before its snapshot, ms' })
    .option('timeout', {
      type: 'number',
      default: 600,
      describe: 'Seconds the server may run in all; then it is stopped and the test fails',
    })
    .option('out', {
      type: 'string',
      default: 'snapshots',
      describe: 'Folder for the snapshots (server-<time>.N.heapsnapshot)',
    })
    .option('top', { type: 'number', default: 15, describe: 'Classes listed besides the suspects' })
    .option('min-count', TREND_MIN_COUNT_OPTION)
    .option('min-bytes', TREND_MIN_BYTES_OPTION)
    .option('markdown', MARKDOWN_OPTION)
    .conflicts('json', 'markdown')
    .option('html', HTML_OPTION)
    .option('source-maps', SOURCE_MAPS_OPTION)
    .option('bundle', { type: 'string', describe: 'Also write a bug-report bundle to this folder' })
    .option('tar', { type: 'boolean', default: false, describe: 'With --bundle: also write FOLDER.tar.gz' })
    .option('redact', {
      type: 'boolean',
      default: false,
      describe:
        'With --bundle: replace the text of the snapshots and reports; --server and --load are kept as given (pass secrets in environment variables)',
    })
    .option('redact-names', {
      type: 'boolean',
      default: false,
      describe: 'With --bundle: names from source too (implies --redact)',
    })
    .option('force', {
      type: 'boolean',
      default: false,
      describe: 'Replace an existing --html FILE (and --bundle --tar archive)',
    })
    .conflicts('ready-port', 'ready-line')
    .check((argv) => {
      if (argv.readyPort === undefined && argv.readyLine === undefined) {
        throw new Error('give --ready-port N or --ready-line REGEX: how to tell the server is ready');
      }
      if (argv.rounds < 2) throw new Error('--rounds must be 2 or more: a trend needs two steps');
      return (
        checkPositive(argv, ['rounds', 'timeout']) &&
        checkCount(argv, ['warmup', 'calm', 'top', 'min-count', 'min-bytes'])
      );
    })
    .example(
      '$0 test-server --server "node server.js" --ready-port 3000 --load "npx autocannon -d 10 http://localhost:3000"',
      'Five rounds of autocannon; exit 1 if something grows at every round',
    )
    .example(
      '$0 test-server --server "npm start" --ready-line "listening on (\\\\d+)" --load "node load.js" --rounds 8 --html leaks.html',
      'The port from the line the server prints, for the load as LEAKSCAN_PORT',
    ) as unknown as Argv<TestServerArgs>;
}

function readiness(args: TestServerArgs): Readiness {
  if (args.readyPort !== undefined) return { port: args.readyPort };
  try {
    return { line: new RegExp(args.readyLine!) };
  } catch (err) {
    throw new UsageError(`--ready-line: ${(err as Error).message}`);
  }
}

export async function execute(args: TestServerArgs): Promise<ExitCode> {
  const ready = readiness(args);
  if (args.bundle) await checkBundleTarget(resolve(args.bundle), { tar: args.tar, force: args.force });
  if (args.html !== undefined) await checkOutputFile(args.html, { force: args.force });
  const progress = createProgress(args);
  const stop = stopOnSignals('the server and the load were stopped, partial snapshots removed');
  let result: TestServerResult;
  try {
    result = await testServer({
      server: args.server,
      load: args.load,
      rounds: args.rounds,
      warmup: args.warmup,
      ready,
      calmMs: args.calm,
      timeoutMs: args.timeout * 1000,
      outDir: args.out,
      rule: { minCount: args.minCount, minBytes: args.minBytes },
      top: args.top,
      signal: stop.signal,
      onProgress: (text) => progress.update(text),
      // The server's and the load's output go to stderr in every mode: stdout carries only the report.
      onOutput: (source, line) => progress.log(`[${source}] ${line}\n`),
      onAnalysisProgress: (event) => progress.update(analysisProgressText(event)),
    });
    if (args.sourceMaps) applySourceMaps(result.diff);
    if (args.bundle) {
      await writeBundle({
        outDir: args.bundle,
        ...bundleFlags(args),
        snapshots: result.rounds.map((r) => ({ label: `server.${r.round + 1}`, path: r.snapshot })),
        report: {
          json: result,
          markdown: markdownTestServer,
          html: (json, options) => htmlDiff(json.diff, options),
        },
        argv: process.argv,
        onProgress: (step) => progress.update(`bundle: ${step}`),
      });
    }
  } finally {
    stop.release();
    progress.stop();
  }
  await writeHtmlReport(args, (options) => htmlDiff(result.diff, options));
  await writeReport(reportText(result, args, { markdown: markdownTestServer, terminal: renderTestServer }));
  return result.status === 'leak' ? ExitCode.LeakFound : ExitCode.Ok;
}
