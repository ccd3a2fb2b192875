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

  readonly afterStep = async (step: string): Promise<void> => {
    if (step !== this.target) return;
    this.target = undefined;
    this.reached?.();
    await new Promise<never>(() => {});
  };
}
