/**
 * `--name value` or `--name=value` options of the small CLIs in `scripts/`; values may start with
 * `-` (a negative `--ttl`). Exits with `usage` on an unknown option or a missing value.
 */
export function parseCliOptions(
  command: string,
  argv: readonly string[],
  names: readonly string[],
  usage: string,
): Record<string, string> {
  const values: Record<string, string> = {};
  const pattern = new RegExp(`^--(${names.join('|')})(?:=(.*))?$`, 's');
  for (let i = 0; i < argv.length; i++) {
    const match = pattern.exec(argv[i]!);
    if (!match) cliFail(command, `unknown argument "${argv[i]}".\n${usage}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) cliFail(command, `--${match[1]} needs a value.\n${usage}`);
    values[match[1]!] = value;
  }
  return values;
}

/** Prints `command: message` on stderr and exits 1. */
export function cliFail(command: string, message: string): never {
  process.stderr.write(`${command}: ${message}\n`);
  process.exit(1);
}
