// The page-scenario contract: what a file passed to `leakscan run` exports
// when it drives a web page instead of Node code (memlab's model). It is told
// from a Node scenario (scenario.ts) by its exports: `action` and `back`
// instead of `run`. leakscan opens `url` in Chrome or Chromium, and repeats
// action/back; what the page keeps after each round is the leak.
import type { Page } from 'puppeteer-core';
import { ScenarioError } from './errors.js';

export type { Page };

export interface PageScenario {
  /** The page to open: a URL, or a function returning one (e.g. after starting a local server). */
  url: string | (() => string | Promise<string>);
  /** Do what may leak: open a dialog, switch a view, add a row. */
  action(page: Page): Promise<void>;
  /** Undo it: close the dialog, go back. After `back` the page should be as before `action`. */
  back(page: Page): Promise<void>;
  /** Once, after the page loaded and before the warm-up round: log in, dismiss a banner. */
  setup?(page: Page): Promise<void>;
  /** Short name, used in reports and snapshot file names; default: the file's name. */
  name?: string;
  /** One sentence: what the scenario does and what it shows. */
  description?: string;
  /** What a correct run looks like; `run --fail-on-leak` exits 1 otherwise. Default 'no-leak'. */
  expect?: 'leak' | 'no-leak';
  /** Default action/back rounds between the before and after snapshots (--iterations overrides). */
  iterations?: number;
}

/** Identity, for type inference and editor help in page-scenario files. */
export function definePageScenario<S extends PageScenario>(scenario: S): S {
  return scenario;
}

/**
 * A module's export is a page scenario when it has `action` and `back` and no
 * `run` (a Node scenario's). Only the shape decides; validatePageScenario then
 * checks each field.
 */
export function isPageScenario(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return s.run === undefined && ('action' in s || 'back' in s) && 'url' in s;
}

/** Checks a loaded module's export against the contract; throws ScenarioError naming the file and field. */
export function validatePageScenario(
  value: unknown,
  defaultName: string,
): Required<Pick<PageScenario, 'url' | 'action' | 'back' | 'name'>> & PageScenario {
  const fail = (problem: string): never => {
    throw new ScenarioError(defaultName, problem);
  };
  const s = value as Record<string, unknown>;
  if (typeof s.url !== 'string' && typeof s.url !== 'function')
    fail('"url" must be a string or a function returning one');
  if (typeof s.url === 'string' && s.url.trim() === '') fail('"url" must not be empty');
  for (const key of ['action', 'back'] as const) if (typeof s[key] !== 'function') fail(`"${key}" must be a function`);
  if (s.setup !== undefined && typeof s.setup !== 'function') fail('"setup" must be a function');
  if (s.name !== undefined && (typeof s.name !== 'string' || s.name.trim() === ''))
    fail('"name" must be a non-empty string');
  if (s.description !== undefined && typeof s.description !== 'string') fail('"description" must be a string');
  if (s.expect !== undefined && s.expect !== 'leak' && s.expect !== 'no-leak')
    fail('"expect" must be "leak" or "no-leak"');
  if (
    s.iterations !== undefined &&
    (typeof s.iterations !== 'number' || !Number.isInteger(s.iterations) || s.iterations < 1)
  )
    fail('"iterations" must be a whole number ≥ 1');
  return { ...(s as unknown as PageScenario), name: (s.name as string | undefined) ?? defaultName };
}
