import { describeTarget, figure, meets } from '../../../bench/lib/figures';
import { percentile, summarize } from '../../../bench/lib/stats';

describe('Module: bench figures', () => {
  describe('Function: percentile', () => {
    it('takes the nearest rank, so the p99 of 200 samples is the second largest', () => {
      // Prepare
      const samples = Array.from({ length: 200 }, (_, i) => 200 - i);

      // Act
      const p99 = percentile(samples, 99);
      const p50 = percentile(samples, 50);

      // Assess
      expect(p99).toBe(198);
      expect(p50).toBe(100);
    });

    it('refuses no samples', () => {
      // Act
      const act = () => summarize([]);

      // Assess
      expect(act).toThrow(RangeError);
    });
  });

  describe('Function: meets', () => {
    it('judges a target on the statistic it names, not on the median', () => {
      // Prepare
      const summary = summarize([10, 10, 10, 10, 100]);

      // Act
      const onMedian = meets(summary, { op: '<=', value: 40 });
      const onP99 = meets(summary, { op: '<=', value: 80, on: 'p99' });
      const onMax = meets(summary, { op: '<=', value: 100, on: 'max' });

      // Assess
      expect(onMedian).toBe(true);
      expect(onP99).toBe(false);
      expect(onMax).toBe(true);
    });

    it('reads >= targets as at least', () => {
      // Act
      const met = meets(summarize([0.95, 0.91]), { op: '>=', value: 0.9 });
      const missed = meets(summarize([0.85, 0.95]), { op: '>=', value: 0.9 });

      // Assess
      expect(met).toBe(true);
      expect(missed).toBe(false);
    });
  });

  describe('Function: figure', () => {
    it('records the target in words, whether it was met, and the ratio to the baseline median', () => {
      // Act
      const f = figure({
        name: 'ADD p99',
        unit: 'ms',
        samples: [30, 50, 90],
        target: { op: '<=', value: 80, on: 'p99' },
        baseline: { name: 'node -e 0', median: 25 },
      });

      // Assess
      expect(f.target).toBe('p99 <= 80 ms');
      expect(f.met).toBe(false);
      expect(f.baseline).toEqual({ name: 'node -e 0', median: 25, ratio: 2 });
      expect(f.summary).toEqual({ runs: 3, median: 50, p99: 90, min: 30, max: 90 });
    });

    it('names the figure when it has no samples', () => {
      // Act
      const act = () => figure({ name: 'burst p50', unit: 'ms', samples: [] });

      // Assess
      expect(act).toThrow(/burst p50/);
    });

    it('writes a median target without naming the statistic', () => {
      // Act
      const words = describeTarget({ op: '>=', value: 0.9 }, '×');

      // Assess
      expect(words).toBe('>= 0.9 ×');
    });
  });
});
