/**
 * Builds a benchmark figure from raw samples: its summary, its target checked against the
 * statistic the target names (a p99 target is judged on the p99, not the median), and its
 * ratio to a baseline measured in the same run.
 */
import type { Figure } from './results';
import { type Summary, summarize } from './stats';

export const STATISTICS = { median: 'median', p99: 'p99', max: 'max' } as const;
export type Statistic = (typeof STATISTICS)[keyof typeof STATISTICS];

export interface Target {
  readonly op: '<=' | '>=';
  readonly value: number;
  /** Which statistic the target is about (default: the median). */
  readonly on?: Statistic;
}

export interface FigureSpec {
  readonly name: string;
  readonly unit: string;
  readonly samples: readonly number[];
  readonly target?: Target;
  readonly baseline?: { readonly name: string; readonly median: number };
}

export function describeTarget(target: Target, unit: string): string {
  const on = target.on && target.on !== STATISTICS.median ? `${target.on} ` : '';
  return `${on}${target.op} ${target.value}${unit ? ` ${unit}` : ''}`;
}

export function meets(summary: Summary, target: Target): boolean {
  const actual = summary[target.on ?? STATISTICS.median];
  return target.op === '<=' ? actual <= target.value : actual >= target.value;
}

export function figure(spec: FigureSpec): Figure {
  if (spec.samples.length === 0) throw new RangeError(`figure "${spec.name}" has no samples`);
  const raw = summarize(spec.samples);
  const summary = {
    runs: raw.runs,
    median: round(raw.median, 3),
    p99: round(raw.p99, 3),
    min: round(raw.min, 3),
    max: round(raw.max, 3),
  };
  return {
    name: spec.name,
    unit: spec.unit,
    summary,
    ...(spec.target && { target: describeTarget(spec.target, spec.unit), met: meets(summary, spec.target) }),
    ...(spec.baseline && {
      baseline: {
        name: spec.baseline.name,
        median: spec.baseline.median,
        ratio:
          spec.baseline.median === 0 ? Number.POSITIVE_INFINITY : round(raw.median / spec.baseline.median, 3),
      },
    }),
  };
}

/** Rounds a figure's statistics for the results file; infinities (nothing measured) stay. */
export function round(n: number, digits = 2): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
