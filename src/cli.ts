#!/usr/bin/env node
// Entry point: parses arguments, runs one command, and turns its outcome or
// error into the exit code (the only place that does).
import { fileURLToPath } from 'node:url';
import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { isConfigProblem } from './commands/config.js';
import type { GlobalArgs } from './commands/io.js';
import { ExitCode, LeakscanError } from './errors.js';
import { printable } from './report/format.js';
import { version } from './version.js';

interface CommandFile<A> {
  builder(yargs: Argv<GlobalArgs>, describe: string): Argv<A>;
  execute(args: A): Promise<ExitCode>;
}

/**
 * A command as the top-level help lists it, and its file. The file (and all
 * it imports: the engine, the reporters, the browser and capture code) loads
 * only when that command runs or shows its own help: a spawn of the CLI pays
 * for one command's modules, not for all of them.
 */
interface Command<A> {
  command: string;
  describe: string;
  load(): Promise<CommandFile<A>>;
}

const runCommand = {
  command: 'run [scenarios..]',
  describe:
    'Run leak scenarios in fresh Node processes or in a Chrome page: memory per iteration, snapshots before and after, what stays retained',
  load: () => import('./commands/run.js'),
};

const diffCommand = {
  command: 'diff <before> <after> [more..]',
  describe: 'Compare two snapshots of one process: what was allocated and stays reachable',
  load: () => import('./commands/diff.js'),
};

const inspectCommand = {
  command: 'inspect <snapshot>',
  describe: 'One snapshot, postmortem: what holds the memory',
  load: () => import('./commands/inspect.js'),
};

const bundleCommand = {
  command: 'bundle <before> <after>',
  describe: 'Write a folder to attach to a bug report: compressed snapshots, HTML and Markdown reports, environment',
  load: () => import('./commands/bundle.js'),
};

const captureCommand = {
  command: 'capture',
  describe: 'Snapshot a running Node process (or an open inspector) without restarting it',
  load: () => import('./commands/capture.js'),
};

const testServerCommand = {
  command: 'test-server',
  describe:
    'Start a server, load it in rounds, snapshot after each (no inspector port) and fail when something grows at every step',
  load: () => import('./commands/test-server.js'),
};

const verbose = process.argv.includes('--verbose');
/** The README of this install (the package carries docs/ beside it): where --help sends a user. */
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

function report(err: unknown): ExitCode {
  if (err instanceof LeakscanError) {
    // Messages can quote a snapshot's names or a scenario's error: no raw control characters reach the terminal.
    process.stderr.write(`leakscan: ${printable(err.message)}\n`);
    if (verbose && err.cause instanceof Error) process.stderr.write(`${err.cause.stack}\n`);
    if (verbose) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(
    `leakscan: internal error: ${printable(message)}${verbose ? '' : ' (run with --verbose for details)'}\n`,
  );
  if (verbose && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return ExitCode.Internal;
}

/** The handler never throws into yargs, so yargs' fail() sees only its own argument errors. */
function register<A>(
  { command, describe, load }: Command<A>,
  setExit: (code: ExitCode) => void,
  failed: () => boolean,
): CommandModule<GlobalArgs, A> {
  return {
    command,
    describe,
    builder: async (y) => (await load()).builder(y, describe),
    handler: async (args) => {
      // With a fail() handler that does not throw, yargs still calls the command: not after a usage error.
      if (failed()) return;
      try {
        // The builder loaded the file: this import is the same module, already evaluated.
        const file = await load();
        setExit(await file.execute(args as A));
      } catch (err) {
        setExit(report(err));
      }
    },
  };
}

/**
 * yargs lays out the whole help text once a command's handler has started (command.js caches it
 * for a help shown later by an async handler): ~70 ms of text wrapping on every run. leakscan never
 * shows help after a command started (fail() only records the message, main() prints one line), so
 * that cache is never read: skipped, if this yargs still has the hook (an internal method).
 */
function skipHelpCache(parser: Argv<GlobalArgs>): void {
  type Usage = { cacheHelpMessage?: () => void };
  const internal = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => Usage } })
    .getInternalMethods;
  const usage = typeof internal === 'function' ? internal.call(parser).getUsageInstance?.() : undefined;
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

async function main(): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.Ok;
  const setExit = (code: ExitCode): void => {
    exitCode = code;
  };
  let usageError: string | null = null;
  const failed = (): boolean => usageError !== null;
  const parser = yargs(hideBin(process.argv))
    .scriptName('leakscan')
    .usage('$0 <command> [options]\n\nFind memory leaks in Node.js programs from V8 heap snapshots.')
    // No default: yargs' conflicts() (--json with --markdown) counts a defaulted option as given.
    .option('json', { type: 'boolean', describe: 'Print the result as JSON on stdout (nothing else)' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Stack traces with errors' })
    .command(register(runCommand, setExit, failed))
    .command(register(diffCommand, setExit, failed))
    .command(register(inspectCommand, setExit, failed))
    .command(register(bundleCommand, setExit, failed))
    .command(register(captureCommand, setExit, failed))
    .command(register(testServerCommand, setExit, failed))
    // yargs' wording for conflicts(), in ours.
    .updateStrings({
      'Arguments %s and %s are mutually exclusive': '--%s and --%s cannot be used together',
      'Invalid values:': 'not a choice:',
      'Argument: %s, Given: %s, Choices: %s': '--%s %s: choose one of %s',
    })
    .demandCommand(1, 'Name a command: run, diff, inspect, bundle, capture or test-server')
    .strict()
    .recommendCommands()
    .version(version)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue(
      `Exit codes: 0 done · 1 leak found (with --fail-on-leak) · 2 bad input or usage · 3 internal error · 130/143 stopped by SIGINT/SIGTERM\nDocs: ${README} (and docs/ beside it)`,
    )
    .fail((message, err) => {
      // Unknown options, missing arguments, and check() rules that threw.
      usageError = message || err?.message || 'invalid arguments';
    });
  skipHelpCache(parser);
  try {
    await parser.parseAsync();
  } catch (err) {
    // yargs hands its own parse errors (a --config file it cannot read, a coerce that threw) to
    // fail() when they happen in step; after a command's builder, which loads the command's file
    // and so is async, they reject instead: the same usage error.
    if (!(err instanceof Error && err.name === 'YError')) throw err;
    usageError ??= err.message;
  }
  if (usageError !== null) {
    const hint = isConfigProblem(usageError) ? '' : ' (see leakscan --help)';
    // yargs words some errors on several lines ("Invalid values:" and one line per option): one line here.
    const line = usageError
      .trim()
      .replace(/:\s*\n\s*/g, ': ')
      .replace(/\s*\n\s*/g, '; ');
    process.stderr.write(`leakscan: ${printable(line)}${hint}\n`);
    return ExitCode.BadInput;
  }
  return exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = report(err);
  },
);
