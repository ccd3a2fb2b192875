/**
 * The pool's bookkeeping in memory: leased units, who has which address, and which
 * addresses cool down. Synchronous and free of I/O, so every change happens inside the
 * pool's one lock and is then written to the checkpoint as a whole.
 */
import type { LeasedAddress, LeasedEni } from '../../core/contract/api';
import { addressesOf, parseCidr, parseIpv4 } from '../../core/net/ipv4';
import type { CheckpointState, HeldLease } from './checkpoint';
import type { Assignment } from './types';
import type { PoolCounts, UnitUsage } from './warm-math';

export function assignmentKey(containerId: string, ifName: string): string {
  return `${containerId}\u0000${ifName}`;
}

function ipsOfUnit(lease: LeasedAddress): string[] {
  return lease.kind === 'prefix' ? addressesOf(parseCidr(lease.address)) : [lease.address];
}

export class PoolState {
  /** Leased units by their address or prefix. */
  private readonly leases = new Map<string, HeldLease>();
  /** Each pod-usable address → the unit it belongs to. */
  private readonly unitOfIp = new Map<string, string>();
  private readonly byKey = new Map<string, Assignment>();
  private readonly assignedIps = new Map<string, string>();
  /** Address → epoch ms when its cooldown ends. */
  private readonly coolingUntil = new Map<string, number>();

  constructor(readonly instanceId: string) {}

  static fromCheckpoint(checkpoint: CheckpointState): PoolState {
    const state = new PoolState(checkpoint.instanceId);
    state.addLeases(checkpoint.leases);
    for (const a of checkpoint.assignments) state.assign(a);
    for (const c of checkpoint.cooling) state.coolingUntil.set(c.ip, Date.parse(c.until));
    return state;
  }

  toCheckpoint(): CheckpointState {
    return {
      instanceId: this.instanceId,
      leases: [...this.leases.values()],
      assignments: [...this.byKey.values()],
      cooling: [...this.coolingUntil].map(([ip, until]) => ({ ip, until: new Date(until).toISOString() })),
    };
  }

  addLeases(leases: readonly HeldLease[]): void {
    for (const lease of leases) {
      this.leases.set(lease.address, lease);
      for (const ip of ipsOfUnit(lease)) this.unitOfIp.set(ip, lease.address);
    }
  }

  removeLeases(addresses: readonly string[]): void {
    for (const address of addresses) {
      const lease = this.leases.get(address);
      if (lease === undefined) continue;
      this.leases.delete(address);
      for (const ip of ipsOfUnit(lease)) {
        this.unitOfIp.delete(ip);
        this.coolingUntil.delete(ip);
      }
    }
  }

  find(containerId: string, ifName: string): Assignment | undefined {
    return this.byKey.get(assignmentKey(containerId, ifName));
  }

  assignments(): Assignment[] {
    return [...this.byKey.values()];
  }

  assign(assignment: Assignment): void {
    this.byKey.set(assignmentKey(assignment.containerId, assignment.ifName), assignment);
    this.assignedIps.set(assignment.ip, assignmentKey(assignment.containerId, assignment.ifName));
    this.coolingUntil.delete(assignment.ip);
  }

  /** Removes the assignment; its address cools down until `coolUntil` before reuse. */
  unassign(containerId: string, ifName: string, coolUntil: number): Assignment | undefined {
    const key = assignmentKey(containerId, ifName);
    const assignment = this.byKey.get(key);
    if (assignment === undefined) return undefined;
    this.byKey.delete(key);
    if (this.assignedIps.get(assignment.ip) === key) this.assignedIps.delete(assignment.ip);
    if (this.unitOfIp.has(assignment.ip)) this.coolingUntil.set(assignment.ip, coolUntil);
    return assignment;
  }

  /** Ends cooldowns that are over; returns how many addresses became free. */
  expireCooling(now: number): number {
    let freed = 0;
    for (const [ip, until] of this.coolingUntil) {
      if (until <= now) {
        this.coolingUntil.delete(ip);
        freed++;
      }
    }
    return freed;
  }

  /** The next address to hand out: lowest device index first, so high ENIs can empty out. */
  nextFree(now: number): { ip: string; eni: LeasedEni } | undefined {
    let best: { ip: string; eni: LeasedEni; order: number } | undefined;
    for (const [ip, unit] of this.unitOfIp) {
      if (!this.isFree(ip, now)) continue;
      const eni = this.leases.get(unit)!.eni;
      const order = eni.deviceIndex * 2 ** 32 + parseIpv4(ip);
      if (best === undefined || order < best.order) best = { ip, eni, order };
    }
    return best && { ip: best.ip, eni: best.eni };
  }

  hasFree(now: number): boolean {
    for (const ip of this.unitOfIp.keys()) if (this.isFree(ip, now)) return true;
    return false;
  }

  counts(now: number, waiting: number): PoolCounts {
    let assigned = 0;
    let cooling = 0;
    for (const ip of this.unitOfIp.keys()) {
      if (this.assignedIps.has(ip)) assigned++;
      else if (this.isCooling(ip, now)) cooling++;
    }
    return { total: this.unitOfIp.size, assigned, cooling, waiting };
  }

  units(now: number): UnitUsage[] {
    return [...this.leases.values()].map((lease) => ({
      address: lease.address,
      eniId: lease.eni.eniId,
      deviceIndex: lease.eni.deviceIndex,
      inUse: ipsOfUnit(lease).filter((ip) => this.assignedIps.has(ip) || this.isCooling(ip, now)).length,
    }));
  }

  leased(): HeldLease[] {
    return [...this.leases.values()];
  }

  /** ENIs holding at least one leased unit, by device index. */
  enis(): LeasedEni[] {
    const byId = new Map<string, LeasedEni>();
    for (const lease of this.leases.values()) byId.set(lease.eni.eniId, lease.eni);
    return [...byId.values()].sort((a, b) => a.deviceIndex - b.deviceIndex);
  }

  private isCooling(ip: string, now: number): boolean {
    const until = this.coolingUntil.get(ip);
    return until !== undefined && until > now;
  }

  private isFree(ip: string, now: number): boolean {
    return !this.assignedIps.has(ip) && !this.isCooling(ip, now);
  }
}
