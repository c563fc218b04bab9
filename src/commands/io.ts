import { open, rename, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import ora, { type Ora } from 'ora';
import { applySourceMaps } from '../analysis/source-maps.js';
import { collectEnvironment, type Environment } from '../environment.js';
import { fileError, InterruptedError, LeakscanError } from '../errors.js';
import { linkIntoPlace, refuseExisting, refuseUnwritableFolder, tempNameFor } from '../files.js';
import { colorEnabled } from '../report/format.js';

export interface GlobalArgs {
  verbose: boolean;
  json?: boolean;
}

export interface Progress {
  /** Shows `text` as the current step (spinner on a TTY; nothing otherwise). */
  update(text: string): void;
  /** Writes `text` to stderr whatever the mode, clearing the spinner first so the two do not mix. */
  log(text: string): void;
  stop(): void;
}

/** Spinner on stderr, only where a person watches: a TTY, not CI, not --json. */
export function createProgress(options: { json?: boolean }): Progress {
  const stream = process.stderr;
  // A terminal that reports no width (some pseudo-terminals) would make ora clear an endless
  // number of lines on every frame.
  const enabled = Boolean(stream.isTTY) && (stream.columns ?? 0) > 0 && !process.env.CI && !options.json;
  const write = (text: string): void => {
    stream.write(text);
  };
  if (!enabled) return { update() {}, log: write, stop() {} };
  let spinner: Ora | null = null;
  return {
    update(text) {
      if (!spinner) spinner = ora({ text, stream, discardStdin: false }).start();
      else spinner.text = text;
    },
    log(text) {
      spinner?.clear();
      write(text);
      spinner?.render();
    },
    stop() {
      spinner?.stop();
      spinner = null;
    },
  };
}

export function stdoutColor(): boolean {
  return colorEnabled(process.stdout);
}

/** The reporters of one kind of result; the JSON one is the data itself. */
export interface Reporters<R> {
  markdown(result: R): string;
  terminal(result: R, options: { color: boolean }): string;
}

/** The report `args` ask for: --json, --markdown, else the terminal's, coloured when stdout takes colour. */
export function reportText<R>(
  result: R,
  args: { json?: boolean; markdown?: boolean },
  reporters: Reporters<R>,
): string {
  if (args.json) return toJson(result);
  if (args.markdown) return reporters.markdown(result);
  return reporters.terminal(result, { color: stdoutColor() });
}

/** --html: the report as one self-contained file, with the machine it was made on; nothing without --html. */
export async function writeHtmlReport(
  args: { html?: string; force: boolean },
  render: (options: { environment: Environment }) => string,
): Promise<void> {
  if (args.html === undefined) return;
  await writeOutputFile(args.html, render({ environment: collectEnvironment(process.argv) }), { force: args.force });
}

/**
 * The end of diff and inspect: places mapped to the sources (--source-maps), then the HTML file
 * (--html), then the report on stdout (after the file, so a refused file leaves no report).
 */
export async function publishReport<R>(
  result: R,
  args: { json?: boolean; markdown?: boolean; html?: string; force: boolean; sourceMaps: boolean },
  reporters: Reporters<R> & { html(result: R, options: { environment: Environment }): string },
): Promise<void> {
  if (args.sourceMaps) applySourceMaps(result);
  const text = reportText(result, args, reporters);
  await writeHtmlReport(args, (options) => reporters.html(result, options));
  await writeReport(text);
}

/** Writes the report; a closed pipe (`| head`) is not an error. */
export function writeReport(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => {
      if (err && (err as NodeJS.ErrnoException).code !== 'EPIPE') reject(err);
      else resolve();
    });
  });
}

export function toJson(data: unknown): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

/** Before the long work that ends in writing `file` (--html): refused if it exists (unless `force`),
 *  or if its folder is missing or not writable. */
export async function checkOutputFile(file: string, { force }: { force: boolean }): Promise<void> {
  const target = resolve(file);
  await refuseExisting(target, { force });
  await refuseUnwritableFolder(target);
}

/**
 * Writes `text` to `file` under a temp name (O_EXCL, mode 0600) and moves it into place: a
 * reader never sees half a file, and a file that appeared meanwhile is not replaced without
 * `force` (the final step is link(2), which fails on an existing name, where rename would not).
 */
export async function writeOutputFile(file: string, text: string, { force }: { force: boolean }): Promise<void> {
  const target = resolve(file);
  const temp = tempNameFor(target);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    await refuseExisting(target, { force });
    if (force) await rename(temp, target);
    else
      await linkIntoPlace(
        temp,
        target,
        (name) => new LeakscanError(`${name}: exists; choose another name, or --force to replace it`),
      );
  } catch (err) {
    throw err instanceof LeakscanError ? err : fileError(target, err);
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/**
 * Ctrl-C or SIGTERM: abort the command's work (its children stopped, its files removed, then
 * an InterruptedError saying `done`). A second one gets the default action (exit at once): the
 * handler lets go and the signal is sent again.
 */
export function stopOnSignals(done?: string): { signal: AbortSignal; release: () => void } {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      process.kill(process.pid, signal);
      return;
    }
    stop.abort(new InterruptedError(signal, done));
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  return { signal: stop.signal, release: () => process.off('SIGINT', onSignal).off('SIGTERM', onSignal) };
}
