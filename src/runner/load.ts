// Loading a scenario file, the same way for the Node runner's child (child.ts)
// and the page runner (page.ts): ESM, CommonJS and TypeScript alike.
import { pathToFileURL } from 'node:url';

/**
 * Module objects from import() of CommonJS put module.exports on `default`; ESM-compiled CJS nests once more.
 * A module without a default export (a page scenario's named exports) is its own export.
 */
export function scenarioExport(module: Record<string, unknown>): unknown {
  let value: unknown = module.default ?? module;
  if (value && typeof value === 'object' && 'default' in value && !('run' in value) && !('action' in value))
    value = (value as { default: unknown }).default;
  return value;
}

/**
 * TypeScript goes through tsx's scoped tsImport (resolved from leakscan's own
 * dependencies): it loads the file as ESM whatever the user's package type,
 * where a global tsx loader in a CommonJS package ends in Node's require(esm)
 * cycle error. Node's own type stripping is no replacement while leakscan
 * supports Node 20: it came in 22.6 behind --experimental-strip-types (on by
 * default from 22.18 and 23.6), strips only erasable syntax (no enums), and
 * wants `.ts` in import specifiers where tsx also resolves the `.js` that
 * TypeScript users write.
 */
export async function loadModule(file: string): Promise<unknown> {
  if (/\.(ts|mts|cts)$/.test(file)) {
    const { tsImport } = (await import('tsx/esm/api')) as {
      tsImport: (specifier: string, parent: string) => Promise<unknown>;
    };
    return tsImport(pathToFileURL(file).href, import.meta.url);
  }
  return import(pathToFileURL(file).href);
}
