/** What the pool reports to metrics and logs, as a typed event bus. */
import { EventEmitter } from 'node:events';

export interface PoolEventMap {
  assigned: [{ ip: string; containerId: string }];
  unassigned: [{ ip: string; containerId: string }];
  exhausted: [{ containerId: string }];
  leased: [{ units: number; addresses: number }];
  released: [{ units: number }];
  controlPlaneError: [{ operation: 'lease' | 'release' | 'usage'; error: unknown }];
  /** The control plane kept its EC2 budget for pods waiting elsewhere: a warm-pool top-up waits. */
  leaseDeferred: [{ units: number }];
  /** A failure of the agent's own work (checkpoint write, a maintainer pass), by function. */
  agentError: [{ fn: string; error: unknown }];
}

export class PoolEvents extends EventEmitter<PoolEventMap> {}
