// Argument rules yargs has no option for, as pure functions for its check(): they throw a message or return true.
// (Options that exclude each other use yargs' conflicts().)

function checkWhole(argv: Record<string, unknown>, names: string[], least: number): true {
  for (const name of names) {
    const value = argv[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < least) {
      const given = Number.isNaN(value) ? 'something that is not a number' : String(value);
      throw new Error(`--${name} must be a whole number ≥ ${least}, got ${given}`);
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
