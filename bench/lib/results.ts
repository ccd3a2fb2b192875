/**
 * Writes a benchmark's figures to bench/results/<name>.json with the machine and date, and
 * prints them as a table, so every run leaves a record that can be compared with the next.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from './paths';
import type { Summary } from './stats';

export interface Figure {
  name: string;
  unit: string;
  summary: Summary;
  /** What the figure should meet, in words (e.g. "<= 40 ms"), and whether it did. */
  target?: string;
  met?: boolean;
  /** A baseline measured in the same run, and this figure's median as a ratio of it. */
  baseline?: { name: string; median: number; ratio: number };
}

export interface BenchResult {
  benchmark: string;
  date: string;
  machine: {
    cpus: string;
    cores: number;
    memoryGiB: number;
    kernel: string;
    node: string;
    /** The 1-minute load average when the benchmark ended: other work on the machine skews figures. */
    loadAverage: number;
  };
  figures: Figure[];
  notes?: string[];
}

export function machineInfo(): BenchResult['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

export function writeResult(result: BenchResult, dir = path.join(packageRoot(), 'bench', 'results')): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${result.benchmark}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1));

export function formatTable(result: BenchResult): string {
  const header = ['figure', 'unit', 'median', 'p99', 'min', 'max', 'runs', 'vs baseline', 'target'];
  const rows = result.figures.map((f) => [
    f.name,
    f.unit,
    fmt(f.summary.median),
    fmt(f.summary.p99),
    fmt(f.summary.min),
    fmt(f.summary.max),
    String(f.summary.runs),
    f.baseline ? `${fmt(f.baseline.ratio)}× ${f.baseline.name}` : '',
    f.target ? `${f.target} ${f.met ? 'met' : 'MISSED'}` : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    `${result.benchmark} — ${result.date} — ${result.machine.cores} × ${result.machine.cpus}, load ${result.machine.loadAverage}`,
    line(header),
    ...rows.map(line),
  ].join('\n');
}
