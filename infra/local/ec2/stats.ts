/** Counts per EC2 action that benchmarks and chaos tests read. */
export interface ActionStats {
  calls: number;
  throttled: number;
  faults: number;
  /** Errors answered, by code (throttling and injected faults included). */
  errors: Record<string, number>;
}

export interface SimStats {
  readonly totalCalls: number;
  readonly totalThrottled: number;
  readonly actions: Readonly<Record<string, ActionStats>>;
}

export class StatsRecorder {
  private actions = new Map<string, ActionStats>();

  private entry(action: string): ActionStats {
    let e = this.actions.get(action);
    if (!e) {
      e = { calls: 0, throttled: 0, faults: 0, errors: {} };
      this.actions.set(action, e);
    }
    return e;
  }

  call(action: string): void {
    this.entry(action).calls += 1;
  }

  error(action: string, code: string, kind: 'throttled' | 'fault' | 'error'): void {
    const e = this.entry(action);
    e.errors[code] = (e.errors[code] ?? 0) + 1;
    if (kind === 'throttled') e.throttled += 1;
    if (kind === 'fault') e.faults += 1;
  }

  reset(): void {
    this.actions.clear();
  }

  snapshot(): SimStats {
    const actions: Record<string, ActionStats> = {};
    let totalCalls = 0;
    let totalThrottled = 0;
    for (const [name, e] of this.actions) {
      actions[name] = { ...e, errors: { ...e.errors } };
      totalCalls += e.calls;
      totalThrottled += e.throttled;
    }
    return { totalCalls, totalThrottled, actions };
  }
}
