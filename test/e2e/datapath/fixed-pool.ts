/**
 * Test scaffolding for the pool seam: a fixed list of addresses, no leases, no checkpoint.
 * A test may pin which address a pod gets, to put it on a chosen ENI.
 */
import type { LeasedEni } from '../../../core/contract/api';
import {
  type AddressPool,
  type Assignment,
  type PodRef,
  PoolExhaustedError,
} from '../../../node-agent/pool/types';

export interface FixedAddress {
  ip: string;
  eni: LeasedEni;
}

export class FixedPool implements AddressPool {
  private readonly held = new Map<string, Assignment>();
  /** Pod name → the address it must get. */
  readonly pinned = new Map<string, string>();

  constructor(private readonly addresses: FixedAddress[]) {}

  async assign(pod: PodRef): Promise<Assignment> {
    const key = `${pod.containerId}/${pod.ifName}`;
    const existing = this.held.get(key);
    if (existing !== undefined) return existing;
    const used = new Set([...this.held.values()].map((a) => a.ip));
    const wanted = this.pinned.get(pod.pod);
    const free = this.addresses.find((a) => !used.has(a.ip) && (wanted === undefined || a.ip === wanted));
    if (free === undefined) throw new PoolExhaustedError('no address is free in the test pool');
    const assignment: Assignment = {
      ...pod,
      ip: free.ip,
      eni: free.eni,
      assignedAt: new Date().toISOString(),
    };
    this.held.set(key, assignment);
    return assignment;
  }

  async unassign(containerId: string, ifName: string): Promise<Assignment | undefined> {
    const key = `${containerId}/${ifName}`;
    const existing = this.held.get(key);
    this.held.delete(key);
    return existing;
  }

  find(containerId: string, ifName: string): Assignment | undefined {
    return this.held.get(`${containerId}/${ifName}`);
  }

  assignments(): Assignment[] {
    return [...this.held.values()];
  }

  enis(): LeasedEni[] {
    const byId = new Map(this.addresses.map((a) => [a.eni.eniId, a.eni]));
    return [...byId.values()];
  }

  canAssign(): boolean {
    return this.held.size < this.addresses.length;
  }
}
