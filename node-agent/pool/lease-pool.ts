/**
 * The AddressPool: assigns addresses from leases cached on the node, writes every change to
 * the checkpoint before answering, and never calls the control plane on the pod's path.
 * When nothing is cached, assign() wakes the maintainer and waits briefly for a lease; only
 * if none arrives does it fail with PoolExhaustedError (CNI code 11).
 */
import type { LeasedAddress, LeasedEni } from '../../core/contract/api';
import { CheckpointWriter, type HeldLease, readCheckpoint } from './checkpoint';
import { Mutex } from './mutex';
import { PoolEvents } from './pool-events';
import { PoolState } from './pool-state';
import { type AddressPool, type Assignment, type PodRef, PoolExhaustedError } from './types';
import type { PoolCounts, UnitUsage } from './warm-math';

/** An address picked for a pod, and the checkpoint write that must finish before it is answered. */
interface Taken {
  assignment: Assignment;
  /** False when the pod already held it (a repeated ADD). */
  fresh: boolean;
  durable: Promise<void>;
}

export interface LeasePoolOptions {
  instanceId: string;
  checkpointPath: string;
  /** IP_COOLDOWN_PERIOD in milliseconds. */
  cooldownMs: number;
  /** How long assign() waits for a lease when nothing is cached (default 2 s). */
  assignWaitMs?: number;
  clock?: () => number;
}

export class LeasePool implements AddressPool {
  readonly events = new PoolEvents();
  private readonly lock = new Mutex();
  private readonly checkpoint: CheckpointWriter;
  private readonly clock: () => number;
  private waiting = 0;
  private readonly wakeups = new Set<() => void>();
  /** Set by the maintainer: called when assign() finds nothing cached. */
  onShortage: () => void = () => {};

  private constructor(
    private readonly state: PoolState,
    private readonly options: LeasePoolOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.checkpoint = new CheckpointWriter(options.checkpointPath, () => this.state.toCheckpoint());
  }

  /** Restores the checkpoint when there is one for this instance; a corrupt one throws. */
  static async open(options: LeasePoolOptions): Promise<LeasePool> {
    const checkpoint = await readCheckpoint(options.checkpointPath);
    const state =
      checkpoint === undefined || checkpoint.instanceId !== options.instanceId
        ? new PoolState(options.instanceId)
        : PoolState.fromCheckpoint(checkpoint);
    const pool = new LeasePool(state, options);
    await pool.lock.run(() => pool.persist());
    return pool;
  }

  async assign(pod: PodRef): Promise<Assignment> {
    const deadline = this.clock() + (this.options.assignWaitMs ?? 2_000);
    // A pod waits until it holds an address, not until its checkpoint write is done: the
    // maintainer, woken while the write runs, must not lease for pods already served.
    let waiting = true;
    this.waiting++;
    const stopWaiting = () => {
      if (waiting) this.waiting--;
      waiting = false;
    };
    try {
      for (;;) {
        const taken = await this.lock.run(() => {
          const got = this.take(pod);
          if (got !== undefined) stopWaiting();
          return got;
        });
        if (taken !== undefined) return await this.confirm(pod, taken);
        this.onShortage();
        const left = deadline - this.clock();
        if (left <= 0) break;
        await this.waitForAddress(left);
      }
    } finally {
      stopWaiting();
    }
    this.events.emit('exhausted', { containerId: pod.containerId });
    throw new PoolExhaustedError(
      `no free address on this node: ${this.state.counts(this.clock(), 0).total} leased, none free, and the control plane gave none in time`,
    );
  }

  unassign(containerId: string, ifName: string): Promise<Assignment | undefined> {
    return this.lock.run(async () => {
      const now = this.clock();
      const removed = this.state.unassign(containerId, ifName, now + this.options.cooldownMs);
      if (removed === undefined) return undefined;
      try {
        await this.persist();
      } catch (error) {
        this.state.assign(removed);
        throw error;
      }
      this.events.emit('unassigned', { ip: removed.ip, containerId });
      return removed;
    });
  }

  find(containerId: string, ifName: string): Assignment | undefined {
    return this.state.find(containerId, ifName);
  }

  assignments(): Assignment[] {
    return this.state.assignments();
  }

  enis(): LeasedEni[] {
    return this.state.enis();
  }

  canAssign(): boolean {
    return this.state.hasFree(this.clock());
  }

  /** Counts and per-unit usage for the maintainer's arithmetic and for introspection. */
  snapshot(): { counts: PoolCounts; units: UnitUsage[]; leases: HeldLease[] } {
    const now = this.clock();
    this.state.expireCooling(now);
    return {
      counts: this.state.counts(now, this.waiting),
      units: this.state.units(now),
      leases: this.state.leased(),
    };
  }

  /** Adds leases the control plane granted, persists them, and wakes waiting assigns. */
  addLeases(leases: HeldLease[]): Promise<void> {
    return this.lock.run(async () => {
      this.state.addLeases(leases);
      await this.persist();
      this.wakeAll();
    });
  }

  /**
   * Takes units out of the pool before they are released, re-checking under the lock that
   * none was assigned meanwhile. Returns the units actually taken.
   */
  withdraw(addresses: string[]): Promise<HeldLease[]> {
    return this.lock.run(async () => {
      const now = this.clock();
      const unused = new Set(
        this.state
          .units(now)
          .filter((u) => u.inUse === 0)
          .map((u) => u.address),
      );
      const taken = this.state.leased().filter((l) => addresses.includes(l.address) && unused.has(l.address));
      this.state.removeLeases(taken.map((l) => l.address));
      await this.persist();
      return taken;
    });
  }

  /**
   * Makes the cache agree with the control plane's ledger at start: units the ledger says
   * this node holds are added (a lost checkpoint, or a crash after a lease was granted),
   * units it does not list are dropped unless a pod uses one of their addresses, which is
   * kept and reported rather than pulled from under a running pod.
   */
  adoptLeases(ledger: readonly LeasedAddress[]): Promise<{ added: number; dropped: number; kept: string[] }> {
    return this.lock.run(async () => {
      const now = this.clock();
      const held = new Set(this.state.leased().map((l) => l.address));
      const listed = new Set(ledger.map((l) => l.address));
      const leasedAt = new Date(now).toISOString();
      const toAdd = ledger.filter((l) => !held.has(l.address)).map((l) => ({ ...l, leasedAt }));
      const inUse = new Set(
        this.state
          .units(now)
          .filter((u) => u.inUse > 0)
          .map((u) => u.address),
      );
      const unlisted = [...held].filter((a) => !listed.has(a));
      const kept = unlisted.filter((a) => inUse.has(a));
      const dropped = unlisted.filter((a) => !inUse.has(a));
      this.state.addLeases(toAdd);
      this.state.removeLeases(dropped);
      await this.persist();
      if (toAdd.length > 0) this.wakeAll();
      return { added: toAdd.length, dropped: dropped.length, kept };
    });
  }

  /** Puts back units whose release did not go through. */
  restore(leases: HeldLease[]): Promise<void> {
    return this.addLeases(leases);
  }

  /** Wakes assigns that wait, e.g. when a cooldown ended. */
  wakeAll(): void {
    for (const wake of this.wakeups) wake();
    this.wakeups.clear();
  }

  /**
   * Picks the pod's address under the lock and starts the checkpoint write that records it;
   * the lock is not held while the write runs, so pods added at once share their writes.
   */
  private take(pod: PodRef): Taken | undefined {
    const existing = this.state.find(pod.containerId, pod.ifName);
    // A repeated ADD may come while the first one's write is still under way.
    if (existing !== undefined) return { assignment: existing, fresh: false, durable: this.flushed() };
    const now = this.clock();
    this.state.expireCooling(now);
    const free = this.state.nextFree(now);
    if (free === undefined) return undefined;
    const assignment: Assignment = {
      ...pod,
      ip: free.ip,
      eni: free.eni,
      assignedAt: new Date(now).toISOString(),
    };
    this.state.assign(assignment);
    return { assignment, fresh: true, durable: this.persist() };
  }

  /** Answers the assignment once it is on disk; a failed write takes a fresh one back. */
  private async confirm(pod: PodRef, taken: Taken): Promise<Assignment> {
    try {
      await taken.durable;
    } catch (error) {
      // Synchronous, so the next write cannot hold it; cooling "until now" is no cooldown:
      // the address was never really handed out.
      if (taken.fresh && this.state.find(pod.containerId, pod.ifName) === taken.assignment)
        this.state.unassign(pod.containerId, pod.ifName, this.clock());
      throw error;
    }
    if (taken.fresh) {
      this.events.emit('assigned', { ip: taken.assignment.ip, containerId: pod.containerId });
      if (!this.state.hasFree(this.clock())) this.onShortage();
    }
    return taken.assignment;
  }

  private waitForAddress(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeups.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(ms, 250));
      this.wakeups.add(done);
    });
  }

  /** Records a change in the checkpoint, resolving once it is durable. */
  private persist(): Promise<void> {
    return this.reportFailure(this.checkpoint.save());
  }

  /** Resolves once every change made so far is durable. */
  private flushed(): Promise<void> {
    return this.reportFailure(this.checkpoint.flush());
  }

  private async reportFailure(write: Promise<void>): Promise<void> {
    try {
      await write;
    } catch (error) {
      this.events.emit('agentError', { fn: 'checkpoint', error });
      throw error;
    }
  }
}
