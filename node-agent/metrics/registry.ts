/**
 * Prometheus metrics named as the AWS VPC CNI's awscni_* series (REFERENCE.md §1.4), so
 * dashboards and alerts carry over. Gauges are read from the pool at scrape time; counters
 * follow the pool's events. One registry per agent, so several agents share a process in tests.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { LeasePool } from '../pool/lease-pool';
import type { NodeCapacity, WarmPoolRule } from '../pool/warm-math';

export interface AgentMetricsDeps {
  pool: LeasePool;
  rule: WarmPoolRule;
  capacity: NodeCapacity;
  /** MAX_ENI or the instance type's limit. */
  maxEnis: number;
}

export interface AgentMetrics {
  readonly registry: Registry;
  /** Errors of the agent itself (datapath, checkpoint), by the function that failed. */
  recordError(fn: string): void;
  recordStartup(seconds: number): void;
}

export function createAgentMetrics(deps: AgentMetricsDeps): AgentMetrics {
  const registry = new Registry();
  const { pool } = deps;
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });

  gauge('awscni_eni_max', 'Maximum number of ENIs that can be attached to this node', () => deps.maxEnis);
  gauge(
    'awscni_ip_max',
    'Maximum number of pod addresses this node can hold',
    () => deps.capacity.maxAddresses,
  );
  gauge('awscni_eni_allocated', 'Number of ENIs holding leased addresses', () => pool.enis().length);
  gauge('awscni_total_ip_addresses', 'Number of leased pod addresses', () => pool.snapshot().counts.total);
  gauge(
    'awscni_assigned_ip_addresses',
    'Number of addresses assigned to pods',
    () => pool.snapshot().counts.assigned,
  );
  gauge(
    'awscni_cooling_ip_addresses',
    'Number of addresses in IP_COOLDOWN_PERIOD',
    () => pool.snapshot().counts.cooling,
  );
  gauge(
    'awscni_total_ipv4_prefixes',
    'Number of leased /28 prefixes',
    () => pool.snapshot().leases.filter((l) => l.kind === 'prefix').length,
  );
  new Gauge({
    name: 'awscni_assigned_ip_per_eni',
    help: 'Addresses assigned to pods, per ENI',
    labelNames: ['eni'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of pool.assignments()) this.inc({ eni: a.eni.eniId });
    },
  });

  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const addRequests = counter('awscni_add_ip_req_count', 'Number of pod address assignment requests');
  const delRequests = counter('awscni_del_ip_req_count', 'Number of pod address release requests');
  const noAddress = counter(
    'awscni_no_available_ip_addresses',
    'Assignments that failed for lack of a free address',
  );
  const errors = counter('awscni_ipamd_error_count', 'Errors of the node agent, by function', ['fn']);
  const apiErrors = counter('awscni_control_plane_error_count', 'Failed control-plane calls, by operation', [
    'operation',
  ]);
  const deferred = counter(
    'awscni_warm_pool_top_ups_deferred_total',
    "Warm-pool top-ups the control plane deferred, its EC2 budget kept for other nodes' waiting pods",
  );
  const leased = counter('awscni_leased_units_total', 'Addresses or prefixes leased from the control plane');
  const released = counter(
    'awscni_released_units_total',
    'Addresses or prefixes given back to the control plane',
  );
  const startup = new Gauge({
    name: 'awscni_ipamd_startup_duration_seconds',
    help: 'Seconds from process start to serving the plugin',
    registers: [registry],
  });

  pool.events.on('assigned', () => addRequests.inc());
  pool.events.on('exhausted', () => {
    addRequests.inc();
    noAddress.inc();
  });
  pool.events.on('unassigned', () => delRequests.inc());
  pool.events.on('leased', (e) => leased.inc(e.units));
  pool.events.on('leaseDeferred', () => deferred.inc());
  pool.events.on('released', (e) => released.inc(e.units));
  pool.events.on('controlPlaneError', (e) => apiErrors.inc({ operation: e.operation }));
  pool.events.on('agentError', (e) => errors.inc({ fn: e.fn }));

  return {
    registry,
    recordError: (fn) => errors.inc({ fn }),
    recordStartup: (seconds) => startup.set(seconds),
  };
}
