/**
 * `npm run sim -- --seeds N [--start S]` runs seeds S..S+N-1 and exits non-zero if any run
 * violates a checker, printing each failing seed; `npm run sim -- --seed S [--trace]` replays
 * one seed exactly. The last line of output is a JSON summary {"seeds","steps","violations"}.
 */
/* eslint-disable no-restricted-globals -- the CLI is the sim's boundary with the process. */
import { DEFAULT_SIM_OPTIONS, runSimulation, type SimOptions, type SimResult } from './simulation.js';

interface Args {
  seeds: number[];
  trace: boolean;
  verbose: boolean;
  overrides: Partial<Omit<SimOptions, 'seed'>>;
}

function usage(msg: string): never {
  process.stderr.write(`sim: ${msg}\nusage: sim --seeds N [--start S] | --seed S [--trace] [--voters 3|5] [--fault-ms MS] [--power-loss-percent P] [--verbose] [--bug-ack-before-sync]\n`);
  process.exit(2);
}

function int(v: string | undefined, name: string): number {
  const n = Number(v);
  if (v === undefined || !Number.isSafeInteger(n) || n < 0) usage(`${name} needs a non-negative integer`);
  return n;
}

function parse(argv: string[]): Args {
  let count: number | null = null;
  let start = 1;
  let single: number | null = null;
  const a: Args = { seeds: [], trace: false, verbose: false, overrides: {} };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === '--seeds') count = int(argv[++i], f);
    else if (f === '--start') start = int(argv[++i], f);
    else if (f === '--seed') single = int(argv[++i], f);
    else if (f === '--trace') a.trace = true;
    else if (f === '--verbose') a.verbose = true;
    else if (f === '--power-loss-percent') a.overrides = { ...a.overrides, powerLossPercent: int(argv[++i], f) };
    else if (f === '--bug-ack-before-sync') a.overrides = { ...a.overrides, bugAckBeforeSync: true };
    else if (f === '--voters') a.overrides = { ...a.overrides, initialVoters: int(argv[++i], f) };
    else if (f === '--fault-ms') a.overrides = { ...a.overrides, faultPhaseMs: int(argv[++i], f) };
    else usage(`unknown argument ${f}`);
  }
  if (single !== null) a.seeds = [single];
  else if (count !== null) a.seeds = Array.from({ length: count }, (_, i) => start + i);
  else usage('give --seeds N or --seed S');
  return a;
}

function describe(r: SimResult): string {
  const s = r.stats;
  return (
    `seed ${r.seed}: ${r.steps} steps, ${s.virtualMs}ms virtual, ops ${s.acked}/${s.ops} acked, leaders ${s.leaders}, ` +
    `crashes ${s.crashes}, partitions ${s.partitions}, snapshots ${s.snapshotsInstalled}, conf changes ${s.confChangesApplied}, ` +
    `torn ${s.tornRecords}, msgs ${s.messages} (${s.dropped} dropped), linearizability ${s.linearizability}`
  );
}

function main(): void {
  const args = parse(process.argv.slice(2));
  let steps = 0;
  let violations = 0;
  const failing: number[] = [];
  let unknown = 0;
  const started = performance.now();
  for (const seed of args.seeds) {
    // Voter count alternates so both 3- and 5-node clusters are covered by any seed range.
    const voters = args.overrides.initialVoters ?? (seed % 4 === 0 ? 5 : 3);
    const r = runSimulation({ ...DEFAULT_SIM_OPTIONS, ...args.overrides, initialVoters: voters, seed });
    steps += r.steps;
    if (r.stats.linearizability === 'unknown') unknown++;
    if (args.verbose || args.seeds.length === 1) process.stdout.write(`${describe(r)}\n`);
    if (args.trace) for (const line of r.trace) process.stdout.write(`  ${line}\n`);
    if (r.violations.length > 0) {
      violations += r.violations.length;
      failing.push(seed);
      process.stdout.write(`FAIL seed ${seed} (replay: npm run sim -- --seed ${seed} --trace)\n`);
      for (const v of r.violations.slice(0, 5)) process.stdout.write(`  ${v.kind} at ${v.at}ms: ${v.detail}\n`);
    }
  }
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`${args.seeds.length} seeds, ${steps} steps, ${violations} violations, ${unknown} histories too large to check, ${secs}s\n`);
  process.stdout.write(`${JSON.stringify({ seeds: args.seeds.length, steps, violations, failing })}\n`);
  process.exitCode = violations > 0 ? 1 : 0;
}

main();
