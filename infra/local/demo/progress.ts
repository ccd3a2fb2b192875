/**
 * What the demo prints while it works: one line per finished phase with its duration, and on
 * a terminal a live line for the phase in progress with its item counter. Without a terminal
 * only the finished lines appear, so a log or CI output stays readable.
 */

export interface Progress {
  /** Runs one phase and prints `ok   name (1.2 s)`, or `FAIL name (1.2 s)` when it throws. */
  phase<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** A counter of the running phase's items; `tick` once per finished item, `finish` to state the outcome. */
  counter(label: string, total: number): { tick(): void; finish(outcome: string, passed?: boolean): void };
  /** Phases run so far with their durations. */
  readonly timings: ReadonlyArray<PhaseTiming>;
}

export interface PhaseTiming {
  readonly name: string;
  readonly ms: number;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface ProgressOutput {
  write(text: string): void;
  readonly isTTY?: boolean;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const CLEAR_LINE = '\r\x1b[K';

export function createProgress(out: ProgressOutput, now: () => number = Date.now): Progress {
  const timings: PhaseTiming[] = [];
  let current: { name: string; detail?: string; failed?: boolean } | undefined;
  const live = () => {
    if (out.isTTY && current) {
      out.write(`${CLEAR_LINE}...  ${current.name}${current.detail ? ` ${current.detail}` : ''}`);
    }
  };
  return {
    timings,
    async phase(name, work) {
      const started = now();
      current = { name };
      live();
      let ok = false;
      try {
        const value = await work();
        ok = true;
        return value;
      } finally {
        const ms = now() - started;
        const detail = current?.detail;
        if (current?.failed) ok = false;
        timings.push({ name, ms, ok, ...(detail ? { detail } : {}) });
        current = undefined;
        if (out.isTTY) out.write(CLEAR_LINE);
        out.write(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` ${detail}` : ''} (${formatSeconds(ms)})\n`);
      }
    },
    counter(label, total) {
      let count = 0;
      const phase = current;
      if (phase) phase.detail = `${label} 0/${total}`;
      live();
      return {
        tick() {
          count++;
          if (phase) phase.detail = `${label} ${count}/${total}`;
          live();
        },
        finish(outcome, passed = true) {
          if (!phase) return;
          phase.detail = outcome;
          phase.failed = !passed;
        },
      };
    },
  };
}
