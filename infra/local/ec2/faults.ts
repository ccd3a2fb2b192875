import { Ec2ApiError } from './errors';

export interface FaultRule {
  readonly action: string;
  /** Error code to answer with; InternalError (500) unless given. */
  readonly code: string;
  readonly message: string;
  /** Fails this many of the next calls, then the rule is spent. */
  remaining?: number;
  /** Fails this fraction of calls (0–1) until cleared. */
  readonly fraction?: number;
}

export interface FaultSpec {
  readonly action: string;
  readonly code?: string;
  readonly message?: string;
  readonly count?: number;
  readonly fraction?: number;
}

/** Makes chosen EC2 actions fail before they change anything, for chaos tests of callers. */
export class FaultInjector {
  private rules: FaultRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  /** Fails the next `count` calls of `action` (`*` for any action). */
  failNext(action: string, count = 1, code = 'InternalError', message?: string): void {
    this.add({ action, count, code, message });
  }

  /** Fails a fraction of the calls of `action` until cleared. */
  failFraction(action: string, fraction: number, code = 'InternalError', message?: string): void {
    this.add({ action, fraction, code, message });
  }

  add(spec: FaultSpec): void {
    const hasCount = spec.count !== undefined;
    const hasFraction = spec.fraction !== undefined;
    if (!spec.action) throw new RangeError('fault.action is required: an EC2 action name or "*"');
    if (hasCount === hasFraction)
      throw new RangeError('a fault needs exactly one of count (>= 1) or fraction (0..1)');
    if (hasCount && (!Number.isInteger(spec.count) || (spec.count ?? 0) < 1)) {
      throw new RangeError(`fault.count=${spec.count} is not valid: an integer >= 1`);
    }
    if (hasFraction && !((spec.fraction ?? -1) >= 0 && (spec.fraction ?? 2) <= 1)) {
      throw new RangeError(`fault.fraction=${spec.fraction} is not valid: a number from 0 to 1`);
    }
    const code = spec.code ?? 'InternalError';
    this.rules.push({
      action: spec.action,
      code,
      message: spec.message ?? `Injected fault: ${code}`,
      remaining: spec.count,
      fraction: spec.fraction,
    });
  }

  clear(action?: string): void {
    this.rules = action ? this.rules.filter((r) => r.action !== action) : [];
  }

  list(): readonly FaultRule[] {
    return this.rules;
  }

  /** The error this call must fail with, if any rule fires; spends one count of that rule. */
  check(action: string): Ec2ApiError | undefined {
    for (const rule of this.rules) {
      if (rule.action !== action && rule.action !== '*') continue;
      if (rule.remaining !== undefined) {
        rule.remaining -= 1;
        if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
        return new Ec2ApiError(rule.code, rule.message);
      }
      if (rule.fraction !== undefined && this.random() < rule.fraction)
        return new Ec2ApiError(rule.code, rule.message);
    }
    return undefined;
  }
}
