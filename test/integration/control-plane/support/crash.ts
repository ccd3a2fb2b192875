/**
 * Stands for the handler's process dying: at the chosen step the handler never continues
 * (its promise never settles, its node lock is never released), exactly as if the Lambda
 * had been killed there.
 */
export class CrashSwitch {
  private target?: string;
  private reached?: () => void;

  /** Arms the switch; resolves when the handler reaches the step and "dies" there. */
  arm(step: string): Promise<void> {
    this.target = step;
    return new Promise((resolve) => {
      this.reached = resolve;
    });
  }

  private readonly hung: Promise<unknown>[] = [];

  /** Starts a request that dies at `step`; resolves once it has died and its node lock expired. */
  async dieAt(step: string, request: () => Promise<unknown>, lockTtlMs: number): Promise<void> {
    const died = this.arm(step);
    this.hung.push(request().catch(() => undefined));
    await died;
    await new Promise((r) => setTimeout(r, lockTtlMs + 50));
  }

  /** For afterAll: the dead requests' callers, once the servers behind them stopped. */
  async hungSettled(): Promise<void> {
    await Promise.allSettled(this.hung);
  }

  readonly afterStep = async (step: string): Promise<void> => {
    if (step !== this.target) return;
    this.target = undefined;
    this.reached?.();
    await new Promise<never>(() => {});
  };
}
