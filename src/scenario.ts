// The scenario contract: what a file passed to `leakscan run` exports. The
// built-in scenarios and users' files (ESM, CommonJS or TypeScript) are the
// same kind of module: a default export (or module.exports) of a Scenario.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileError, ScenarioError } from './errors.js';

/** The calls' passes: one 'warm-up' call before the before snapshot, then the two measured passes. */
export type Pass = 'warm-up' | 'without-gc' | 'with-gc';

export interface ScenarioContext {
  /** 0-based call number within the pass. */
  iteration: number;
  /** Objects per call the scenario is asked to make (--batch). */
  batch: number;
  pass: Pass;
}

export interface Scenario {
  /** Short name, used in reports and snapshot file names. */
  name: string;
  /** One sentence: what the scenario does and what it shows. */
  description?: string;
  /** What a correct run looks like; `run --fail-on-leak` exits 1 otherwise. Default 'no-leak'. */
  expect?: 'leak' | 'no-leak';
  /** Class of which each call allocates `batch` objects (e.g. 'B'); the verdict counts it. */
  trackClass?: string;
  /** Default calls per pass (--iterations overrides). */
  iterations?: number;
  /** Default objects per call (--batch overrides). */
  batch?: number;
  /** Once, before the first snapshot: start a server, fill a cache. */
  setup?(): void | Promise<void>;
  /** At the start of each pass. */
  beforePass?(pass: Pass): void | Promise<void>;
  /** One call. May be async; the runner awaits it. */
  run(context: ScenarioContext): unknown;
  /** Once, after the last snapshot. */
  teardown?(): void | Promise<void>;
}

/** Identity, for type inference and editor help in scenario files. */
export function defineScenario<S extends Scenario>(scenario: S): S {
  return scenario;
}

const OPTIONAL_FUNCTIONS = ['setup', 'beforePass', 'teardown'] as const;

/** Checks a loaded module's export against the contract; throws ScenarioError naming the file and field. */
export function validateScenario(value: unknown, file: string): Scenario {
  const fail = (problem: string): never => {
    throw new ScenarioError(file, problem);
  };
  if (typeof value !== 'object' || value === null)
    fail('does not export a scenario object (export default { name, run })');
  const s = value as Record<string, unknown>;
  if (typeof s.name !== 'string' || s.name.trim() === '') fail('"name" must be a non-empty string');
  if (typeof s.run !== 'function') fail('"run" must be a function');
  for (const key of OPTIONAL_FUNCTIONS) {
    if (s[key] !== undefined && typeof s[key] !== 'function') fail(`"${key}" must be a function`);
  }
  if (s.description !== undefined && typeof s.description !== 'string') fail('"description" must be a string');
  if (s.trackClass !== undefined && typeof s.trackClass !== 'string') fail('"trackClass" must be a string');
  if (s.expect !== undefined && s.expect !== 'leak' && s.expect !== 'no-leak')
    fail('"expect" must be "leak" or "no-leak"');
  for (const key of ['iterations', 'batch'] as const) {
    const n = s[key];
    if (n !== undefined && (typeof n !== 'number' || !Number.isInteger(n) || n < 1))
      fail(`"${key}" must be a whole number ≥ 1`);
  }
  return s as unknown as Scenario;
}

export const builtinScenarioNames = ['cycle', 'weakref', 'global-cache'] as const;
/** Built-in page scenarios (page-scenario.ts), in `scenarios/NAME.page.ts`: they need a browser. */
export const builtinPageScenarioNames = ['detached-dialogs'] as const;

const SCENARIO_EXTENSIONS = /\.(js|mjs|cjs|ts|mts|cts)$/;

/** A built-in name → its compiled module; anything else is a path to a scenario file. */
export function resolveScenario(arg: string): string {
  if ((builtinScenarioNames as readonly string[]).includes(arg)) {
    return fileURLToPath(new URL(`../scenarios/${arg}.js`, import.meta.url));
  }
  if ((builtinPageScenarioNames as readonly string[]).includes(arg)) {
    return fileURLToPath(new URL(`../scenarios/${arg}.page.js`, import.meta.url));
  }
  const file = resolve(arg);
  if (!existsSync(file)) {
    if (!/[\\/.]/.test(arg)) {
      throw new ScenarioError(
        arg,
        `no such built-in scenario (built-ins: ${[...builtinScenarioNames, ...builtinPageScenarioNames].join(', ')}) and no such file`,
      );
    }
    throw fileError(arg, Object.assign(new Error('missing'), { code: 'ENOENT' }));
  }
  if (statSync(file).isDirectory()) throw fileError(arg, Object.assign(new Error('dir'), { code: 'EISDIR' }));
  if (!SCENARIO_EXTENSIONS.test(file))
    throw new ScenarioError(arg, 'a scenario file must end in .js, .mjs, .cjs or .ts');
  return file;
}
