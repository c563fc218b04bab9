// A folder someone else can open cold: compressed (optionally redacted)
// snapshots, report.md with an RSS chart, report.json, environment.json and a
// README for the receiver. Built in a temp sibling folder and renamed into
// place, so it is either complete or absent.
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar';
import { fileError, LeakscanError } from '../errors.js';
import { isGzipFile } from '../gzip.js';
import { renderRssChart, type RssSeries } from './chart.js';
import { collectEnvironment } from './environment.js';
import { redactSnapshot } from './redact.js';

export interface BundleInput {
  /** Folder to create; must not exist yet, or be empty. */
  outDir: string;
  /** Also write `<outDir>.tar.gz`. */
  tar?: boolean;
  /** Replace string contents in the bundled snapshots (redact.ts). */
  redact?: boolean;
  snapshots: { label: string; path: string }[];
  reportMarkdown: string;
  reportJson: unknown;
  rssSeries?: RssSeries[];
  argv: string[];
  onProgress?: (step: string) => void;
}

export interface BundleOutput {
  dir: string;
  tarFile: string | null;
  files: string[];
}

async function compressInto(input: string, output: string): Promise<void> {
  if (isGzipFile(input)) await pipeline(createReadStream(input), createWriteStream(output, { mode: 0o600 }));
  else await pipeline(createReadStream(input), createGzip(), createWriteStream(output, { mode: 0o600 }));
}

/** Throws unless `dir` is absent or an empty folder: checked before long work that ends in a bundle. */
export async function refuseNonEmpty(dir: string): Promise<void> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new LeakscanError(`${dir}: exists and is not a folder`);
    if ((await readdir(dir)).length > 0) throw new LeakscanError(`${dir}: folder exists and is not empty; choose another folder`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err instanceof LeakscanError ? err : fileError(dir, err);
  }
}

function receiverReadme(input: BundleInput, snapshotFiles: string[]): string {
  const [first, second] = snapshotFiles;
  return [
    '# leakscan bundle',
    '',
    'Evidence for a memory-leak report, made by [leakscan](https://www.npmjs.com/package/leakscan).',
    '',
    '- `report.md`: what grew and what holds it (start here).',
    '- `report.json`: the same data, for scripts.',
    '- `environment.json`: leakscan, Node, V8 and OS versions, CPU, memory, the command line.',
    input.rssSeries?.length ? '- `rss.svg`: RSS, V8 heap used and external memory per iteration, without and with forced GC.' : '',
    `- \`snapshots/\`: the V8 heap snapshots, gzip-compressed${input.redact ? ', with string contents redacted' : ''}.`,
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

export async function writeBundle(input: BundleInput): Promise<BundleOutput> {
  const finalDir = resolve(input.outDir);
  await refuseNonEmpty(finalDir);
  const parent = dirname(finalDir);
  let temp: string;
  try {
    await mkdir(parent, { recursive: true });
    temp = await mkdtemp(join(parent, `${basename(finalDir)}.tmp-`));
    await chmod(temp, 0o700);
  } catch (err) {
    throw fileError(parent, err);
  }
  try {
    const files: string[] = [];
    const put = async (name: string, text: string): Promise<void> => {
      await writeFile(join(temp, name), text, { mode: 0o600 });
      files.push(name);
    };
    await mkdir(join(temp, 'snapshots'), { mode: 0o700 });
    const snapshotFiles: string[] = [];
    for (const snapshot of input.snapshots) {
      const name = `${snapshot.label.replace(/[^A-Za-z0-9._-]+/g, '_')}.heapsnapshot.gz`;
      input.onProgress?.(`${input.redact ? 'redacting' : 'compressing'} ${basename(snapshot.path)}`);
      const target = join(temp, 'snapshots', name);
      if (input.redact) await redactSnapshot(snapshot.path, target);
      else await compressInto(snapshot.path, target);
      snapshotFiles.push(name);
      files.push(`snapshots/${name}`);
    }
    const chart = input.rssSeries?.length ? renderRssChart(input.rssSeries) : null;
    if (chart) await put('rss.svg', chart);
    const header = [
      chart ? '![RSS, V8 heap used and external memory per iteration, without and with GC](rss.svg)\n' : '',
      input.redact
        ? '> String contents in the bundled snapshots are redacted; class, property and function names are kept.\n'
        : '> The bundled snapshots are not redacted: they hold every string the process had in memory.\n',
      `Snapshots: ${snapshotFiles.map((f) => `[${f}](snapshots/${f})`).join(', ')}. See [README.md](README.md) to open them.\n`,
    ].join('\n');
    await put('report.md', `${header}\n${input.reportMarkdown}`);
    await put('report.json', JSON.stringify(input.reportJson, null, 2) + '\n');
    await put('environment.json', JSON.stringify(collectEnvironment(input.argv), null, 2) + '\n');
    await put('README.md', receiverReadme(input, snapshotFiles));

    await rm(finalDir, { recursive: true, force: true }); // empty (checked above) or absent
    await rename(temp, finalDir);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err instanceof LeakscanError ? err : fileError(finalDir, err);
  }

  let tarFile: string | null = null;
  if (input.tar) {
    input.onProgress?.('writing the .tar.gz');
    tarFile = `${finalDir}.tar.gz`;
    const tempTar = `${tarFile}.tmp-${process.pid}`;
    try {
      await tar.c({ gzip: true, file: tempTar, cwd: parent, portable: true }, [basename(finalDir)]);
      await chmod(tempTar, 0o600);
      await rename(tempTar, tarFile);
    } catch (err) {
      await rm(tempTar, { force: true });
      throw fileError(tarFile, err);
    }
  }
  const files = (await readdir(finalDir, { recursive: true })).filter((f) => !f.endsWith('snapshots')).sort();
  return { dir: finalDir, tarFile, files };
}
