// `leakscan run`, the command: parses the arguments, calls runScenarios (run.ts, which
// maps the rest of the way), writes the bundle and HTML file when asked, hands the
// result to a reporter and sets the exit code.
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { parseIgnoreRules } from '../analysis/ignore.js';
import { applySourceMaps } from '../analysis/source-maps.js';
import { findBrowser, hasPuppeteer } from '../browser/puppeteer.js';
import { checkBundleTarget, writeBundle } from '../bundle/bundle.js';
import { ExitCode, LeakscanError } from '../errors.js';
import { printable } from '../report/format.js';
import { htmlRun } from '../report/html.js';
import { markdownRun } from '../report/markdown.js';
import { ScenarioProgress } from '../report/progress.js';
import { renderRun } from '../report/terminal.js';
import { runScenarios } from '../run.js';
import { lockOutDir } from '../runner/out-lock.js';
import { DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS } from '../runner/parent.js';
import { builtinPageScenarioNames, builtinScenarioNames } from '../scenario.js';
import { bundleFlags } from './bundle.js';
import { checkCount, checkPositive } from './checks.js';
import { IGNORE_OPTION, ignoreList, withConfig } from './config.js';
import {
  checkOutputFile,
  createProgress,
  type GlobalArgs,
  type Progress,
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

export interface RunArgs extends GlobalArgs {
  scenarios: string[];
  iterations?: number;
  batch?: number;
  interval?: number;
  out: string;
  timeout: number;
  minCount: number;
  minBytes: number;
  markdown?: boolean;
  html?: string;
  sourceMaps: boolean;
  failOnLeak: boolean;
  bundle?: string;
  tar: boolean;
  redact: boolean;
  redactNames: boolean;
  force: boolean;
  allocationStacks: boolean;
  ignore?: string | string[];
  jobs: number;
}

/**
 * Scenarios running at once by default: twice the cores, as a scenario's
 * process spends most of its time in its pauses (--interval); at most
 * MAX_DEFAULT_JOBS, as every analysis runs in leakscan's own process.
 */
const MAX_DEFAULT_JOBS = 8;
export const defaultJobs = (): number => Math.min(MAX_DEFAULT_JOBS, 2 * availableParallelism());

export function builder(yargs: Argv<GlobalArgs>): Argv<RunArgs> {
  return withConfig(yargs, 'run')
    .positional('scenarios', {
      type: 'string',
      array: true,
      describe: `Built-in scenario names (${[...builtinScenarioNames, ...builtinPageScenarioNames].join(', ')}) or paths to scenario files (.js, .mjs, .cjs, .ts): Node scenarios (run) or page scenarios (url, action, back); default: the built-ins (${builtinPageScenarioNames.join(', ')} only with a browser)`,
    })
    .option('iterations', {
      alias: 'n',
      type: 'number',
      describe: "Calls per pass (default: the scenario's, else 10)",
    })
    .option('batch', {
      type: 'number',
      describe: "Objects per call, passed to the scenario (default: the scenario's, else 100)",
    })
    .option('interval', {
      type: 'number',
      describe: `Pause between calls in ms, so WeakRef targets can die (default ${DEFAULT_INTERVAL_MS})`,
    })
    .option('out', { type: 'string', default: 'snapshots', describe: 'Folder for the before/after snapshots' })
    .option('timeout', {
      type: 'number',
      default: DEFAULT_TIMEOUT_MS / 1000,
      describe: 'Seconds a scenario may take before it is stopped',
    })
    .option('min-count', TREND_MIN_COUNT_OPTION)
    .option('min-bytes', TREND_MIN_BYTES_OPTION)
    .option('allocation-stacks', {
      type: 'boolean',
      default: false,
      describe: 'Run scenarios with V8 allocation tracking: each leaking class lists the stacks that allocated it',
    })
    .option('jobs', {
      alias: 'j',
      type: 'number',
      default: defaultJobs(),
      defaultDescription: 'twice the CPU cores, at most 8',
      describe:
        'Scenarios running at once; 1 runs them one after the other (scenarios that share a port or a file need it)',
    })
    .option('ignore', IGNORE_OPTION)
    .option('markdown', MARKDOWN_OPTION)
    .option('html', HTML_OPTION)
    .option('source-maps', SOURCE_MAPS_OPTION)
    .conflicts('json', 'markdown')
    .option('fail-on-leak', {
      type: 'boolean',
      default: false,
      describe: "Exit 1 when a scenario's result differs from its `expect`",
    })
    .option('bundle', { type: 'string', describe: 'Also write a bug-report bundle to this folder' })
    .option('tar', { type: 'boolean', default: false, describe: 'With --bundle: also write FOLDER.tar.gz' })
    .option('force', {
      type: 'boolean',
      default: false,
      describe:
        'Replace files in --out that leakscan did not write (its own earlier ones are always replaced), an existing --html FILE, and with --bundle --tar an existing FOLDER.tar.gz',
    })
    .option('redact', {
      type: 'boolean',
      default: false,
      describe: 'With --bundle: replace the text (secrets) of the bundled snapshots and reports',
    })
    .option('redact-names', {
      type: 'boolean',
      default: false,
      describe: 'With --bundle: also replace names from source by pseudonyms (implies --redact)',
    })
    .check(
      (argv) =>
        checkPositive(argv, ['iterations', 'batch', 'timeout', 'jobs']) &&
        checkCount(argv, ['interval', 'min-count', 'min-bytes']),
    )
    .example(
      '$0 run',
      'The built-in scenarios: cycle, weakref, global-cache, and detached-dialogs when Chrome is found',
    )
    .example('$0 run ./leaks/dialog.page.ts', 'A page scenario: url, action(page), back(page), in Chrome or Chromium')
    .example('$0 run global-cache -n 20 --batch 50', 'One scenario, more iterations, smaller batches')
    .example('$0 run ./leaks/my-cache.ts --fail-on-leak', 'Your own scenario; exit 1 if it leaks')
    .example('$0 run global-cache --html run.html', 'Also a report with the memory charts, to open in a browser')
    .example('$0 run ./leaks/my-cache.ts --allocation-stacks', 'Also show where the leaking objects are allocated')
    .example('$0 run --json > run.json', 'The data, for scripts') as unknown as Argv<RunArgs>;
}

type RunOutcome = Awaited<ReturnType<typeof runScenarios>>;

/**
 * The command: checks the output names it will need at the end, runs the
 * scenarios (run.ts), writes the bundle and the HTML file when asked, prints
 * the report, then one line per failure; the exit code is the worst of them.
 */
export async function execute(args: RunArgs): Promise<ExitCode> {
  const scenarios = args.scenarios && args.scenarios.length > 0 ? args.scenarios : await builtinScenarios();
  // Refuse a bad bundle folder (taken, not writable) now, not after minutes of scenarios.
  if (args.bundle) await checkBundleTarget(resolve(args.bundle), { tar: args.tar, force: args.force });
  if (args.html !== undefined) await checkOutputFile(args.html, { force: args.force });
  parseIgnoreRules(ignoreList(args.ignore)); // a bad rule fails before any scenario runs
  // Before anything is written: --out is a folder, and no other run writes there.
  const unlock = lockOutDir(args.out);
  const progress = createProgress(args);
  const underWay = new ScenarioProgress();
  const stop = stopOnSignals();
  let outcome: RunOutcome;
  let bundleError: unknown = null;
  try {
    outcome = await runScenarios(scenarios, {
      signal: stop.signal,
      iterations: args.iterations,
      batch: args.batch,
      intervalMs: args.interval,
      outDir: args.out,
      force: args.force,
      timeoutMs: args.timeout * 1000,
      allocationStacks: args.allocationStacks,
      jobs: args.jobs,
      rule: { minCount: args.minCount, minBytes: args.minBytes, ignore: ignoreList(args.ignore) },
      onProgress: (scenario, text, entry) => progress.update(underWay.update(entry, `${printable(scenario)}: ${text}`)),
      onScenarioEnd: (entry) => {
        const line = underWay.end(entry);
        if (line) progress.update(line);
      },
      // The scenario's own output goes to stderr in every mode: stdout carries only the report.
      onOutput: (scenario, line) => {
        progress.log(`[${printable(scenario)}] ${line}\n`);
        // A slow reader of stderr (a pipe) slows the scenario down instead of filling memory.
        if (process.stderr.writableNeedDrain) return once(process.stderr, 'drain').then(() => {});
      },
    });
    // A scenario written in TypeScript runs compiled: its places are shown in the .ts file.
    if (args.sourceMaps) applySourceMaps(outcome.result);
    // A bundle that cannot be written at the end must not cost the scenarios' results.
    if (args.bundle)
      bundleError = await writeRunBundle(args, args.bundle, outcome, progress, stop.signal).then(noError, asError);
    // Stopped during the bundle: the exit says so, and no report claims a finished run.
    stop.signal.throwIfAborted();
  } finally {
    stop.release();
    progress.stop();
    unlock();
  }
  const { result, failures, errors } = outcome;
  const text = reportText(result, args, { markdown: markdownRun, terminal: renderRun });
  // Like the bundle, an HTML file that cannot be written must not cost the report on stdout.
  const htmlError = await writeHtmlReport(args, (options) => htmlRun(result, options)).then(noError, asError);
  await writeReport(text);
  for (const [i, failure] of failures.entries()) {
    process.stderr.write(`leakscan: ${printable(failure.result.verdict)}\n`);
    if (args.verbose && errors[i] instanceof Error) process.stderr.write(`${(errors[i] as Error).stack}\n`);
  }
  if (bundleError !== null) {
    process.stderr.write(
      `leakscan: the bundle was not written (${messageOf(bundleError)}); the report is on stdout and the snapshots are in ${args.out}\n`,
    );
    return reportedExitCode(bundleError, args);
  }
  if (htmlError !== null) {
    process.stderr.write(`leakscan: the HTML report was not written (${messageOf(htmlError)})\n`);
    return reportedExitCode(htmlError, args);
  }
  if (failures.length > 0) return Math.max(...failures.map((f) => f.exitCode)) as ExitCode;
  if (args.failOnLeak && result.scenarios.some((s) => !s.asExpected)) return ExitCode.LeakFound;
  return ExitCode.Ok;
}

/**
 * The built-ins for `run` with no names: the Node ones, and the page ones when
 * a browser and puppeteer-core are there; otherwise one line says why they
 * were skipped, and the run goes on (the README's first command must work on
 * a machine without a browser).
 */
async function builtinScenarios(): Promise<string[]> {
  const found = findBrowser();
  const reason =
    found.path === null
      ? found.reason
      : (await hasPuppeteer())
        ? null
        : 'puppeteer-core is not installed (npm install puppeteer-core)';
  if (reason === null) return [...builtinScenarioNames, ...builtinPageScenarioNames];
  const names = builtinPageScenarioNames.join(', ');
  process.stderr.write(`leakscan: skipped the built-in page scenario ${names}: ${printable(reason)}\n`);
  return [...builtinScenarioNames];
}

/** The bug-report bundle of the run: the snapshots of the scenarios that ran, the reports, the memory series. */
function writeRunBundle(
  args: RunArgs,
  outDir: string,
  outcome: RunOutcome,
  progress: Progress,
  signal: AbortSignal,
): Promise<unknown> {
  const ok = outcome.result.scenarios.filter((s) => s.status !== 'failed');
  return writeBundle({
    outDir,
    ...bundleFlags(args),
    keep: outcome.result.scenarios.map((s) => s.name),
    snapshots: ok.flatMap((s) => [
      { label: `${s.name}.before`, path: s.snapshots.before },
      { label: `${s.name}.after`, path: s.snapshots.after },
    ]),
    report: { json: outcome.result, markdown: markdownRun, html: htmlRun },
    // A page scenario has no process series (its page numbers are in the reports).
    rssSeries: ok
      .filter((s) => s.rss.withoutGc.length || s.rss.withGc.length)
      .map((s) => ({
        name: s.name,
        withoutGc: s.rss.withoutGc,
        withGc: s.rss.withGc,
        heapUsed: s.heapUsed,
        external: s.external,
      })),
    argv: process.argv,
    signal,
    onProgress: (step) => progress.update(`bundle: ${step}`),
  });
}

const noError = (): null => null;
const asError = (err: unknown): unknown => err;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** After its line on stderr: the stack with --verbose, and the error's exit code. */
function reportedExitCode(err: unknown, args: RunArgs): ExitCode {
  if (args.verbose && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return err instanceof LeakscanError ? err.exitCode : ExitCode.Internal;
}
