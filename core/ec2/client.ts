/**
 * The control plane's one EC2 client: the SDK's adaptive retry, the client-side budget in
 * front of every attempt, and counters per action that benchmarks and tests read.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import type {
  FinalizeHandler,
  FinalizeHandlerArguments,
  HandlerExecutionContext,
  MetadataBearer,
} from '@smithy/types';
import type { Ledger } from '../ledger';
import { type BucketSize, Ec2Budget, type ThrottleCategory } from './budget';
import { SharedBucket } from './shared-bucket';

export interface Ec2CallStats {
  /** Commands sent, per action (one per call, however many attempts it took). */
  calls: Record<string, number>;
  /** HTTP attempts per action, retries included. */
  attempts: Record<string, number>;
  /** Attempts answered RequestLimitExceeded (or another throttling code), per action. */
  throttled: Record<string, number>;
  /** Attempts that failed for any reason, per action and error code. */
  errors: Record<string, number>;
}

export interface ControlPlaneEc2 {
  readonly client: EC2Client;
  /** False when a call of this action would now queue longer than a request may wait (or than `withinMs`). */
  canCallSoon(action: string, withinMs?: number): boolean;
  /** How long a call of this action made now would queue for the budget. */
  expectedWaitMs(action: string): number;
  /** True when a warm-pool call of this action may be made now without delaying calls pods wait on. */
  hasSurplusFor(action: string): boolean;
  stats(): Ec2CallStats;
  resetStats(): void;
}

export interface Ec2ClientOptions {
  region: string;
  /** AWS_EC2_ENDPOINT in local mode; unset in AWS. */
  endpoint?: string;
  maxAttempts?: number;
  budget?: Partial<Record<ThrottleCategory, BucketSize>>;
  /** Longest one call may queue for the budget before its request is refused (default 10 s). */
  budgetMaxWaitMs?: number;
  /**
   * The ledger, when several processes call EC2 for the cluster at once (the API Lambda's
   * concurrent containers): they then share one budget instead of each having all of it.
   */
  sharedBudget?: Ledger;
  /** Local mode passes static credentials; in Lambda the SDK's default chain is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const THROTTLING_CODES = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException']);

export function createControlPlaneEc2(options: Ec2ClientOptions): ControlPlaneEc2 {
  const client = new EC2Client({
    region: options.region,
    endpoint: options.endpoint || undefined,
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? 8,
    credentials: options.credentials,
  });
  const ledger = options.sharedBudget;
  const budget = new Ec2Budget(
    options.budget,
    options.budgetMaxWaitMs,
    ledger ? (bucket, size) => new SharedBucket(ledger, bucket, size) : undefined,
  );
  let stats = emptyStats();
  const bump = (table: Record<string, number>, key: string) => {
    table[key] = (table[key] ?? 0) + 1;
  };

  client.middlewareStack.add(
    (next, context) => async (args) => {
      bump(stats.calls, actionOf(context));
      return next(args);
    },
    { step: 'initialize', name: 'ledgerCallCounter' },
  );
  client.middlewareStack.addRelativeTo(
    (next: FinalizeHandler<object, MetadataBearer>, context: HandlerExecutionContext) =>
      async (args: FinalizeHandlerArguments<object>) => {
        const action = actionOf(context);
        await budget.take(action, args.input);
        bump(stats.attempts, action);
        try {
          return await next(args);
        } catch (error) {
          const code = (error as { name?: string }).name ?? 'Error';
          if (THROTTLING_CODES.has(code)) bump(stats.throttled, action);
          bump(stats.errors, `${action}:${code}`);
          throw error;
        }
      },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'ledgerBudget' },
  );

  return {
    client,
    canCallSoon: (action, withinMs) => budget.canTakeSoon(action, withinMs),
    expectedWaitMs: (action) => budget.expectedWaitMs(action),
    hasSurplusFor: (action) => budget.hasSurplus(action),
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
  };
}

/** The EC2 action name (AssignPrivateIpAddresses), from the SDK's command name (…Command). */
function actionOf(context: { commandName?: string }): string {
  return (context.commandName ?? 'Unknown').replace(/Command$/, '');
}

function emptyStats(): Ec2CallStats {
  return { calls: {}, attempts: {}, throttled: {}, errors: {} };
}

/** The EC2 error code of a failed call (the SDK sets it as `name`). */
export function ec2ErrorCode(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}
