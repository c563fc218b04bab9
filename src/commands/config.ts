// Settings kept in a file: `leakscan.config.json`, or a "leakscan" key in
// package.json, found from the working directory upward (stopping at the
// project's package.json). They are defaults: yargs' own config support
// (`.config()`) applies them below the command line and above the built-in
// defaults. yargs' `.pkgConf()` is not used: it starts from leakscan's own
// install folder unless told otherwise, ignores a package.json it cannot
// parse, and passes every key through, which --strict then calls unknown.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Argv } from 'yargs';

export const CONFIG_FILE = 'leakscan.config.json';
export const PACKAGE_KEY = 'leakscan';

type Check = (value: unknown) => string | null;

const wholeNumber: Check = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? null : 'must be a whole number ≥ 0';
const text: Check = (v) => (typeof v === 'string' && v !== '' ? null : 'must be a non-empty string');
const rules: Check = (v) =>
  (Array.isArray(v) && v.every((r) => typeof r === 'string' && r.trim() !== '')) ||
  (typeof v === 'string' && v.trim() !== '')
    ? null
    : 'must be a list of rules (class names or holder paths), e.g. ["performance.resourceTimingBuffer"]';

/** Every setting a file may hold, the commands it is a default for, and what a value must be. */
const SETTINGS: Record<string, { commands: readonly string[]; check: Check; path?: boolean }> = {
  'min-count': { commands: ['diff', 'run', 'capture'], check: wholeNumber },
  'min-bytes': { commands: ['diff', 'run', 'capture'], check: wholeNumber },
  out: { commands: ['run'], check: text, path: true },
  ignore: { commands: ['diff', 'run', 'capture'], check: rules },
};

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The nearest leakscan.config.json or package.json with a "leakscan" key, from `cwd` up; the first package.json ends the search. */
export function findConfig(cwd: string): string | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const own = join(dir, CONFIG_FILE);
    if (existsSync(own)) return own;
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const json = JSON.parse(readFileSync(pkg, 'utf8')) as Record<string, unknown> | null;
        return json && typeof json === 'object' && PACKAGE_KEY in json ? pkg : null;
      } catch {
        return null; // not ours to judge: npm reports a broken package.json
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The settings of `file` that `command` takes, as yargs reads options
 * (kebab-case keys; paths made absolute from the file's folder). Throws an
 * Error with one line naming the file and the problem; yargs hands it to the
 * CLI's fail handler (exit 2).
 */
export function readConfig(file: string, command: string): Record<string, unknown> {
  try {
    return settingsOf(file, command);
  } catch (err) {
    // yargs passes on only the message: remembered, so the CLI can tell it from a usage error.
    fileProblems.add((err as Error).message);
    throw err;
  }
}

const fileProblems = new Set<string>();

/** True for a message readConfig threw: a problem of the file, not of the command line (no --help hint). */
export const isConfigProblem = (message: string): boolean => fileProblems.has(message);

function settingsOf(file: string, command: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : `not valid JSON (${(err as Error).message})`;
    throw new Error(`${file}: ${why}`.replace(/\s+/g, ' '));
  }
  const isPackage = basename(file) === 'package.json';
  const settings = isPackage ? (raw as Record<string, unknown>)[PACKAGE_KEY] : raw;
  const where = isPackage ? `${file} ("${PACKAGE_KEY}")` : file;
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings))
    throw new Error(`${where}: must be a JSON object of settings (${Object.keys(SETTINGS).join(', ')})`);
  const taken: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    const name = kebab(key);
    const setting = SETTINGS[name];
    if (!setting)
      throw new Error(`${where}: unknown setting ${JSON.stringify(key)} (known: ${Object.keys(SETTINGS).join(', ')})`);
    const problem = setting.check(value);
    if (problem) throw new Error(`${where}: "${key}" ${problem}, got ${JSON.stringify(value)}`);
    if (!setting.commands.includes(command)) continue;
    taken[name] = setting.path ? resolve(dirname(file), value as string) : value;
  }
  return taken;
}

/**
 * `--config FILE` for a command, defaulting to the file findConfig finds,
 * read through yargs' .config() so the command line wins over the file.
 */
export function withConfig<A>(yargs: Argv<A>, command: string): Argv<A> {
  const found = findConfig(process.cwd());
  return yargs
    .option('config', { type: 'string', ...(found ? { default: found } : {}) })
    .config(
      'config',
      `Settings file (default: ${CONFIG_FILE}, or "${PACKAGE_KEY}" in package.json, here or above; docs/config.md)`,
      (file: string) => readConfig(file, command),
    ) as Argv<A>;
}

/** Not `array: true`, which would take the positionals after it: repeated, yargs makes a list. */
export const IGNORE_OPTION = {
  type: 'string',
  describe:
    'Expected growth, never a suspect (repeatable): a class name (* and ? allowed) or a holder path such as performance.resourceTimingBuffer; the objects are counted as ignored',
} as const;

/** Ignore rules from --ignore (repeatable) or the config file: always a list. */
export function ignoreList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
