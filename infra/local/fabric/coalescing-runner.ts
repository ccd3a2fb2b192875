/**
 * Runs one job at a time and folds requests that arrive while it runs into a single next run.
 * The fabric's job reads the whole model each time, so a burst of EC2 changes costs one pass,
 * and every caller is answered by a pass that started after it asked.
 */
export class CoalescingRunner {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly job: () => Promise<void>) {}

  /** Resolves (or rejects) with the first run that starts after this call. */
  request(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    const after = this.running;
    this.queued = after
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    return this.queued;
  }

  /** Settles once nothing runs or waits; never rejects. */
  async idle(): Promise<void> {
    while (this.running || this.queued) {
      await (this.queued ?? this.running)?.catch(() => undefined);
    }
  }

  private start(): Promise<void> {
    const run: Promise<void> = this.job().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }
}
