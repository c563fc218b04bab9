// What the page tests that run `leakscan run` on pages written in the test share: a page and its scenario module
// in a folder, the runs (a few pages each), the first findings and a page's lines.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding, RunResult, ScenarioResult } from '../src/types.js';
import { root, runCli } from './helpers.js';

/** A `<script>` tag of a package's browser build in node_modules (React's UMD, rxjs's bundle). */
export function scriptTag(pkg: string, file: string): string {
  return `<script src="${pathToFileURL(join(root, 'node_modules', pkg, file)).href}"></script>`;
}

/** React 18 and ReactDOM, their UMD builds from node_modules, for a page's <head>. */
export const REACT_SCRIPTS = `${scriptTag('react', 'umd/react.production.min.js')}
${scriptTag('react-dom', 'umd/react-dom.production.min.js')}`;

export interface ScenarioSteps {
  /** What `action` waits for and `back` closes (its `.close` button): default `.card`. */
  selector?: string;
  /** The body of an async `setup(page)`, if any. */
  setup?: string;
  /** Lines at the end of `back`. */
  afterBack?: string;
}

/**
 * Writes `name.html` and a page scenario module (plain ESM) into `dir`: it opens the page, clicks #open and waits
 * for the selector, then clicks the selector's `.close` and waits for it to go. Returns the module's path.
 */
export function pageScenario(dir: string, name: string, html: string, steps: ScenarioSteps = {}): string {
  const selector = JSON.stringify(steps.selector ?? '.card');
  const page = join(dir, `${name}.html`);
  writeFileSync(page, html);
  const file = join(dir, `${name}.page.mjs`);
  writeFileSync(
    file,
    `import { writeFileSync } from 'node:fs';
export const name = ${JSON.stringify(name)};
export const url = ${JSON.stringify(pathToFileURL(page).href)};
${steps.setup ? `export async function setup(page) {\n${steps.setup}\n}\n` : ''}export async function action(page) {
  await page.click('#open');
  await page.waitForSelector(${selector});
}
export async function back(page) {
  await page.click(${selector} + ' .close');
  await page.waitForSelector(${selector}, { hidden: true });
  ${steps.afterBack ?? ''}
}
`,
  );
  return file;
}

/** The 1-based line of the page `name.html` in `dir` that holds `text` (0 when none does). */
export function lineOf(dir: string, name: string, text: string): number {
  return (
    readFileSync(join(dir, `${name}.html`), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1
  );
}

/**
 * `leakscan run --json` on the scenario files, `perRun` at a time, one run after the other (each stays far within
 * runCli's time limit on a loaded machine); every run must exit 0. The scenarios of all runs, and their stderr.
 */
export async function runPages(
  files: string[],
  options: { rounds: number; out: string; browser: string | null; perRun?: number },
): Promise<{ result: RunResult; stderr: string }> {
  const perRun = options.perRun ?? files.length;
  const scenarios: ScenarioResult[] = [];
  let stderr = '';
  for (let i = 0; i < files.length; i += perRun) {
    const run = await runCli(
      ['run', '-n', String(options.rounds), '--json', '--out', options.out, ...files.slice(i, i + perRun)],
      { env: { CI: 'true', CHROME_PATH: options.browser ?? '' } },
    );
    stderr += run.stderr;
    assert.equal(run.code, 0, run.stderr);
    scenarios.push(...(JSON.parse(run.stdout) as RunResult).scenarios);
  }
  return { result: { scenarios }, stderr };
}

/** A scenario of the result by name (failing the test, with the runs' stderr, when missing). */
export function scenarioNamed(result: RunResult, name: string, stderr = ''): ScenarioResult {
  const s = result.scenarios.find((x) => x.name === name);
  assert.ok(s, `${name} in the result: ${stderr}`);
  return s;
}

export const findingsOf = (s: ScenarioResult): Finding[] => s.diff?.findings ?? [];

/** The scenario's findings without their paths, for assertion messages. */
export const detail = (s: ScenarioResult): string =>
  JSON.stringify(findingsOf(s).map(({ retainerPath: _, ...f }) => f));
