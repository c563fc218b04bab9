// Argument rules as pure functions for yargs' check(): they throw a message or return true.

export function checkCount(argv: Record<string, unknown>, names: string[]): true {
  for (const name of names) {
    const value = argv[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new Error(`--${name} must be a whole number ≥ 0, got ${String(value)}`);
    }
  }
  return true;
}

export function checkPositive(argv: Record<string, unknown>, names: string[]): true {
  checkCount(argv, names);
  for (const name of names) {
    if (argv[name] === 0) throw new Error(`--${name} must be at least 1`);
  }
  return true;
}

export function checkExclusive(argv: Record<string, unknown>, names: string[]): true {
  const given = names.filter((n) => argv[n] === true);
  if (given.length > 1) throw new Error(`${given.map((n) => `--${n}`).join(' and ')} cannot be used together`);
  return true;
}
