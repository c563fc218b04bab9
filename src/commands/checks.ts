// Argument rules as pure functions for yargs' check(): they throw a message or return true.

function checkWhole(argv: Record<string, unknown>, names: string[], least: number): true {
  for (const name of names) {
    const value = argv[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < least) {
      throw new Error(`--${name} must be a whole number ≥ ${least}, got ${String(value)}`);
    }
  }
  return true;
}

export function checkCount(argv: Record<string, unknown>, names: string[]): true {
  return checkWhole(argv, names, 0);
}

export function checkPositive(argv: Record<string, unknown>, names: string[]): true {
  return checkWhole(argv, names, 1);
}

export function checkExclusive(argv: Record<string, unknown>, names: string[]): true {
  const given = names.filter((n) => argv[n] === true);
  if (given.length > 1) throw new Error(`${given.map((n) => `--${n}`).join(' and ')} cannot be used together`);
  return true;
}
