// A folder someone else can open cold: compressed (optionally redacted)
// snapshots, report.md with an RSS chart, report.json, environment.json and a
// README for the receiver. Built in a temp sibling folder and renamed into
// place, so it is either complete or absent. Every file is created new
// (O_EXCL, mode 0600, random temp names): a name planted beforehand, symlink
// or not, makes the write fail instead of being followed.

import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar';
import { collectEnvironment } from '../environment.js';
import { fileError, LeakscanError } from '../errors.js';
import { refuseExisting, tempNameFor } from '../files.js';
import { isGzipFile } from '../gzip.js';
import { type RssSeries, renderRssChart } from '../report/chart.js';
import type { HtmlOptions } from '../report/html.js';
import { Redactor, redactSnapshots } from './redact.js';

export interface BundleInput<Report = unknown> {
  /** Folder to create; must not exist yet, or be empty. */
  outDir: string;
  /** Also write `<outDir>.tar.gz`. */
  tar?: boolean;
  /** Replace an existing `<outDir>.tar.gz`. */
  force?: boolean;
  /** Replace the text of the bundled snapshots and reports (redact.ts). */
  redact?: boolean;
  /** With redact: names from source too, by pseudonyms. */
  redactNames?: boolean;
  snapshots: { label: string; path: string }[];
  /** Text that --redact keeps: names the bundle shows anyway (the scenarios' names, in the snapshots' file names). */
  keep?: string[];
  /** The report's data, and its Markdown and HTML made from that data (so a redacted report is made from redacted data). */
  report: {
    json: Report;
    markdown: (json: Report) => string;
    html?: (json: Report, options: HtmlOptions) => string;
  };
  rssSeries?: RssSeries[];
  argv: string[];
  onProgress?: (step: string) => void;
  /** Stops the work (the partial folder removed); writeBundle rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface BundleOutput {
  dir: string;
  tarFile: string | null;
  files: string[];
}

/** A file that must not exist yet: O_CREAT | O_EXCL, owner-only from the start, never through a symlink. */
async function createNew(file: string): Promise<import('node:fs/promises').FileHandle> {
  return open(file, 'wx', 0o600);
}

async function writeNew(file: string, text: string): Promise<void> {
  const handle = await createNew(file);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

async function compressInto(input: string, output: string, signal?: AbortSignal): Promise<void> {
  const sink = (await createNew(output)).createWriteStream();
  try {
    if (isGzipFile(input)) await pipeline(createReadStream(input), sink, { signal });
    else await pipeline(createReadStream(input), createGzip(), sink, { signal });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}

/** Throws unless `dir` is absent or an empty folder: checked before long work that ends in a bundle. */
export async function refuseNonEmpty(dir: string): Promise<void> {
  try {
    const info = await lstat(dir);
    if (!info.isDirectory()) throw new LeakscanError(`${dir}: exists and is not a folder`);
    if ((await readdir(dir)).length > 0)
      throw new LeakscanError(`${dir}: folder exists and is not empty; choose another folder`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw err instanceof LeakscanError ? err : fileError(dir, err);
  }
}

function receiverReadme(input: BundleInput<unknown>, snapshotFiles: string[]): string {
  const [first, second] = snapshotFiles;
  return [
    '# leakscan bundle',
    '',
    'Evidence for a memory-leak report, made by [leakscan](https://www.npmjs.com/package/leakscan).',
    '',
    input.report.html
      ? '- `report.html`: what grew and what holds it (start here: open it in a browser; one file, it fetches nothing).'
      : '',
    `- \`report.md\`: what grew and what holds it${input.report.html ? ', to paste into an issue' : ' (start here)'}.`,
    '- `report.json`: the same data, for scripts.',
    '- `environment.json`: leakscan, Node, V8 and OS versions, CPU, memory, the command line.',
    input.rssSeries?.length
      ? '- `rss.svg`: RSS, V8 heap used and external memory per iteration, without and with forced GC.'
      : '',
    `- \`snapshots/\`: the V8 heap snapshots, gzip-compressed${input.redact ? `, with their text redacted${input.redactNames ? ' (names from source too, as pseudonyms)' : ''}` : ''}.`,
    '',
    '## Open a snapshot in Chrome DevTools',
    '',
    '1. `gunzip -k snapshots/*.heapsnapshot.gz`',
    '2. Chrome → DevTools → Memory → Load profile… → pick the `.heapsnapshot`.',
    '3. For a before/after pair, load both and use the Comparison view; search object ids as `@12345`.',
    '',
    '## Rerun the analysis',
    '',
    'leakscan reads the compressed files directly:',
    '',
    '```sh',
    second ? `npx leakscan diff snapshots/${first} snapshots/${second}` : `npx leakscan inspect snapshots/${first}`,
    first ? `npx leakscan inspect snapshots/${first}` : '',
    '```',
    '',
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}

/** The bundled file name of a snapshot: its label, made safe for a path. */
export function bundledName(label: string): string {
  return `${label.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_')}.heapsnapshot.gz`;
}

/** Checks made before the long work that ends in a bundle: the folder can be made, no file would be replaced. */
export async function checkBundleTarget(
  outDir: string,
  options: { tar?: boolean; force?: boolean } = {},
): Promise<void> {
  const dir = resolve(outDir);
  await refuseNonEmpty(dir);
  if (options.tar) await refuseExisting(`${dir}.tar.gz`, { force: options.force });
  const parent = dirname(dir);
  try {
    await mkdir(parent, { recursive: true });
    await rmdir(await mkdtemp(join(parent, `${basename(dir)}.tmp-`)));
  } catch (err) {
    throw fileError(parent, err);
  }
}

export async function writeBundle<Report>(input: BundleInput<Report>): Promise<BundleOutput> {
  const finalDir = resolve(input.outDir);
  await checkBundleTarget(finalDir, input);
  const parent = dirname(finalDir);
  let temp: string;
  try {
    await mkdir(parent, { recursive: true });
    temp = await mkdtemp(join(parent, `${basename(finalDir)}.tmp-`));
    await chmod(temp, 0o700);
  } catch (err) {
    throw fileError(parent, err);
  }
  const { signal } = input;
  try {
    signal?.throwIfAborted();
    const files: string[] = [];
    const put = async (name: string, text: string): Promise<void> => {
      signal?.throwIfAborted();
      await writeNew(join(temp, name), text);
      files.push(name);
    };
    await mkdir(join(temp, 'snapshots'), { mode: 0o700 });
    const snapshotFiles = input.snapshots.map((s) => bundledName(s.label));
    const targets = snapshotFiles.map((name, i) => ({
      input: input.snapshots[i].path,
      output: join(temp, 'snapshots', name),
    }));
    const redactor = input.redact ? new Redactor({ names: input.redactNames }) : null;
    if (redactor) {
      for (const text of input.keep ?? []) redactor.keep(text);
      await redactSnapshots(targets, redactor, {
        onProgress: (file, step) => input.onProgress?.(`redacting ${basename(file)} (${step})`),
      });
      signal?.throwIfAborted();
      for (const [i, s] of input.snapshots.entries()) {
        redactor.alias(s.path, `snapshots/${snapshotFiles[i]}`);
        redactor.alias(resolve(s.path), `snapshots/${snapshotFiles[i]}`);
      }
    } else {
      for (const target of targets) {
        input.onProgress?.(`compressing ${basename(target.input)}`);
        await compressInto(target.input, target.output, signal);
      }
    }
    files.push(...snapshotFiles.map((name) => `snapshots/${name}`));
    const reportJson = redactor ? redactor.data(input.report.json) : input.report.json;
    const argv = redactor ? input.argv.map((arg) => redactor.text(arg)) : input.argv;
    const chart = input.rssSeries?.length ? renderRssChart(input.rssSeries) : null;
    if (chart) await put('rss.svg', chart);
    const header = [
      chart ? '![RSS, V8 heap used and external memory per iteration, without and with GC](rss.svg)\n' : '',
      input.redact
        ? input.redactNames
          ? '> The text of the bundled snapshots and of this report is redacted; names from source are replaced by pseudonyms (`name_1a2b`).\n'
          : '> The text of the bundled snapshots and of this report is redacted; property, variable, function and class names that are identifiers are kept.\n'
        : '> The bundled snapshots are not redacted: they hold every string the process had in memory.\n',
      `Snapshots: ${snapshotFiles.map((f) => `[${f}](snapshots/${f})`).join(', ')}. See [README.md](README.md) to open them.\n`,
    ].join('\n');
    await put('report.md', `${header}\n${input.report.markdown(reportJson)}`);
    const environment = collectEnvironment(argv);
    if (input.report.html) {
      const redacted = input.redact ? (input.redactNames ? 'names' : 'text') : null;
      await put('report.html', input.report.html(reportJson, { environment, redacted }));
    }
    await put('report.json', `${JSON.stringify(reportJson, null, 2)}\n`);
    await put('environment.json', `${JSON.stringify(environment, null, 2)}\n`);
    await put('README.md', receiverReadme(input as BundleInput<unknown>, snapshotFiles));

    signal?.throwIfAborted();
    // Empty (checked above) or absent; rmdir, not rm -r, so files a user put there meanwhile stay.
    await rmdir(finalDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(temp, finalDir);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err instanceof LeakscanError ? err : fileError(finalDir, err);
  }

  let tarFile: string | null = null;
  if (input.tar) {
    input.onProgress?.('writing the .tar.gz');
    tarFile = `${finalDir}.tar.gz`;
    const tempTar = tempNameFor(tarFile);
    try {
      const sink = (await createNew(tempTar)).createWriteStream();
      await pipeline(tar.c({ gzip: true, cwd: parent, portable: true }, [basename(finalDir)]), sink);
      await refuseExisting(tarFile, { force: input.force }); // again: it may have appeared while the bundle was written
      await rename(tempTar, tarFile);
    } catch (err) {
      await rm(tempTar, { force: true });
      throw err instanceof LeakscanError ? err : fileError(tarFile, err);
    }
  }
  const files = (await readdir(finalDir, { recursive: true })).filter((f) => !f.endsWith('snapshots')).sort();
  return { dir: finalDir, tarFile, files };
}
