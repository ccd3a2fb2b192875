/**
 * The one runner every benchmark goes through: picks benchmarks by name from the command
 * line, runs them one at a time (they share two cores with nothing else of ours), prints
 * each table and writes each result file, and reports a bad name before running anything.
 */
import { InvalidInputError } from '../../core/errors';
import type { Figure } from './results';
import { type BenchResult, formatTable, machineInfo, writeResult } from './results';

export interface BenchOptions {
  /** A smaller run that still exercises every figure, for a quick look. */
  readonly quick: boolean;
  readonly log: (line: string) => void;
}

export interface Benchmark {
  readonly name: string;
  /** One line on what it measures, for --help. */
  readonly summary: string;
  /** Root is needed for namespaces, veths and iptables. */
  readonly needsRoot?: boolean;
  run(options: BenchOptions): Promise<{ figures: Figure[]; notes?: string[] }>;
}

export interface RunnerArgs {
  readonly names: string[];
  readonly quick: boolean;
  readonly help: boolean;
}

export function parseArgs(argv: readonly string[], known: readonly string[]): RunnerArgs {
  const names: string[] = [];
  let quick = false;
  let help = false;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg.startsWith('-')) throw new InvalidInputError('option', arg, '--quick or --help');
    else if (!known.includes(arg))
      throw new InvalidInputError('benchmark', arg, `one of ${known.join(', ')}`);
    else if (!names.includes(arg)) names.push(arg);
  }
  return { names: names.length > 0 ? names : [...known], quick, help };
}

export function usage(benchmarks: readonly Benchmark[]): string {
  return [
    'usage: npm run bench [-- [--quick] [name...]]',
    '',
    ...benchmarks.map((b) => `  ${b.name.padEnd(15)} ${b.summary}${b.needsRoot ? ' (root)' : ''}`),
  ].join('\n');
}

/** Runs the chosen benchmarks; answers the process exit code (1 if any failed to run). */
export async function runBenchmarks(
  benchmarks: readonly Benchmark[],
  argv: readonly string[],
): Promise<number> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  let args: RunnerArgs;
  try {
    args = parseArgs(
      argv,
      benchmarks.map((b) => b.name),
    );
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${usage(benchmarks)}\n`);
    return 2;
  }
  if (args.help) {
    log(usage(benchmarks));
    return 0;
  }
  let failed = 0;
  for (const name of args.names) {
    const bench = benchmarks.find((b) => b.name === name)!;
    if (bench.needsRoot && process.getuid?.() !== 0) {
      process.stderr.write(`bench: ${name} needs root (namespaces, veths, iptables); skipped\n`);
      failed++;
      continue;
    }
    log(`\n== ${name}${args.quick ? ' (quick)' : ''}: ${bench.summary}`);
    const started = Date.now();
    try {
      const { figures, notes } = await bench.run({ quick: args.quick, log: (l) => log(`   ${l}`) });
      const result: BenchResult = {
        benchmark: name,
        date: new Date().toISOString(),
        machine: machineInfo(),
        figures,
        notes: [...(args.quick ? ['quick run: smaller than the full benchmark'] : []), ...(notes ?? [])],
      };
      log(formatTable(result));
      for (const note of result.notes ?? []) log(`  note: ${note}`);
      log(`  wrote ${writeResult(result)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    } catch (error) {
      failed++;
      process.stderr.write(`bench: ${name} failed: ${(error as Error).stack ?? error}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}
