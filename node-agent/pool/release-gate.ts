/**
 * Hysteresis for giving addresses back: an excess must persist for `settleMs` before any is
 * released, and releases are at least `intervalMs` apart (ipamd scales down at most every
 * 30 s), so a pod churning up and down does not lease and release the same address in turn.
 */
export interface ReleaseGateOptions {
  readonly settleMs: number;
  readonly intervalMs: number;
}

export class ReleaseGate {
  private excessSince: number | undefined;
  private lastReleaseAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ReleaseGateOptions) {}

  /** Called on every evaluation with whether there is an excess; true means release now. */
  shouldRelease(hasExcess: boolean, now: number): boolean {
    if (!hasExcess) {
      this.excessSince = undefined;
      return false;
    }
    this.excessSince ??= now;
    return (
      now - this.excessSince >= this.options.settleMs && now - this.lastReleaseAt >= this.options.intervalMs
    );
  }

  released(now: number): void {
    this.lastReleaseAt = now;
    this.excessSince = undefined;
  }

  /** Any lease restarts the clock: what was just short is not an excess to act on. */
  leased(): void {
    this.excessSince = undefined;
  }
}
