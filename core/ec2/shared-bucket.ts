/**
 * One EC2 budget bucket shared by every control-plane process through the ledger. On AWS
 * each concurrent API Lambda is its own process, so a bucket in memory would hand each of
 * them the whole budget; here they all draw on the same item. GCRA (the generic cell rate
 * algorithm) makes that one number: the bucket's theoretical arrival time, which each call
 * moves on by one refill interval and may run at most `capacity` intervals ahead of now.
 * A caller is thereby given its turn at once and sleeps until it, as in a FIFO queue.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { advanceBudgetArrival, type Ledger, readBudgetArrival } from '../ledger';
import { type BucketSize, type BudgetBucket, Ec2BudgetSpentError } from './budget';

/** Writes lost to other processes before a call gives up for now (it is then refused). */
const MAX_CONTENDED_WRITES = 16;

export class SharedBucket implements BudgetBucket {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  /** The arrival time this process saw last: the first guess for the next write. */
  private seen: number | undefined;

  constructor(
    private readonly ledger: Ledger,
    private readonly bucket: string,
    size: BucketSize,
    private readonly clock: () => number = () => Date.now(),
  ) {
    this.intervalMs = 1000 / size.refillPerSecond;
    this.toleranceMs = (size.capacity - 1) * this.intervalMs;
  }

  /** From what this process saw last; other processes may have moved the bucket since. */
  expectedWaitMs(ahead = 0): number {
    const now = this.clock();
    return this.waitAt(Math.max(this.seen ?? now, now) + ahead * this.intervalMs, now);
  }

  async take(maxWaitMs = Number.POSITIVE_INFINITY): Promise<void> {
    let seen = this.seen;
    for (let attempt = 0; attempt < MAX_CONTENDED_WRITES; attempt++) {
      const now = this.clock();
      const wait = this.waitAt(seen, now);
      if (wait > maxWaitMs) {
        this.seen = seen;
        throw new Ec2BudgetSpentError(wait - maxWaitMs);
      }
      const next = Math.max(seen ?? now, now) + this.intervalMs;
      if (await advanceBudgetArrival(this.ledger, this.bucket, seen, next)) {
        this.seen = next;
        if (wait > 0) await sleep(wait);
        return;
      }
      seen = await readBudgetArrival(this.ledger, this.bucket);
    }
    throw new Ec2BudgetSpentError(this.intervalMs);
  }

  private waitAt(arrival: number | undefined, now: number): number {
    return Math.max(0, Math.max(arrival ?? now, now) - this.toleranceMs - now);
  }
}
