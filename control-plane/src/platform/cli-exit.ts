/**
 * The command-line start shared by the entry points (main.ts, worker-main.ts, migrate.ts): parse
 * the flags and environment; a UsageError prints `<program>: <message>` and a hint, exit 2;
 * `--help` prints the usage, exit 0.
 */
import { UsageError } from './options.js';

export function parseOrExit<T extends { readonly help: boolean }>(program: string, parse: () => T, usage: string, hint: string = usage): T {
  let o: T;
  try {
    o = parse();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${program}: ${err.message}\n\n${hint}`);
    process.exit(2);
  }
  if (o.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return o;
}
