#!/usr/bin/env node
// Entry point: parses arguments, runs one command, and turns its outcome or
// error into the exit code (the only place that does).
import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import * as bundleCommand from './commands/bundle.js';
import * as captureCommand from './commands/capture.js';
import { isConfigProblem } from './commands/config.js';
import * as diffCommand from './commands/diff.js';
import * as inspectCommand from './commands/inspect.js';
import type { GlobalArgs } from './commands/io.js';
import * as runCommand from './commands/run.js';
import * as testServerCommand from './commands/test-server.js';
import { ExitCode, LeakscanError } from './errors.js';
import { printable } from './report/format.js';
import { version } from './version.js';

interface CommandFile<A> {
  command: string;
  describe: string;
  builder(yargs: Argv<GlobalArgs>): Argv<A>;
  execute(args: A): Promise<ExitCode>;
}

const verbose = process.argv.includes('--verbose');

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
  file: CommandFile<A>,
  setExit: (code: ExitCode) => void,
  failed: () => boolean,
): CommandModule<GlobalArgs, A> {
  return {
    command: file.command,
    describe: file.describe,
    builder: (y) => file.builder(y),
    handler: async (args) => {
      // With a fail() handler that does not throw, yargs still calls the command: not after a usage error.
      if (failed()) return;
      try {
        setExit(await file.execute(args as A));
      } catch (err) {
        setExit(report(err));
      }
    },
  };
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
    .updateStrings({ 'Arguments %s and %s are mutually exclusive': '--%s and --%s cannot be used together' })
    .demandCommand(1, 'Name a command: run, diff, inspect, bundle, capture or test-server')
    .strict()
    .recommendCommands()
    .version(version)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue(
      'Exit codes: 0 done · 1 leak found (with --fail-on-leak) · 2 bad input or usage · 3 internal error · 130/143 stopped by SIGINT/SIGTERM\nDocs: README.md',
    )
    .fail((message, err) => {
      // Unknown options, missing arguments, and check() rules that threw.
      usageError = message || err?.message || 'invalid arguments';
    });
  await parser.parseAsync();
  if (usageError !== null) {
    const hint = isConfigProblem(usageError) ? '' : ' (see leakscan --help)';
    process.stderr.write(`leakscan: ${printable(usageError)}${hint}\n`);
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
