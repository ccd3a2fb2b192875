/**
 * The introspection endpoint (INTROSPECTION_BIND_ADDRESS, 127.0.0.1:61679 by default):
 * read-only JSON views of the node's ENIs, pool, assignments and settings, the counterpart
 * of ipamd's /v1/enis and /v1/ipamd-env-settings for aws-cni-support-style debugging.
 */
import type { AgentConfig } from '../config/types';
import type { LeasePool } from '../pool/lease-pool';
import type { NodeCapacity, WarmPoolRule } from '../pool/warm-math';
import { type HttpEndpoint, listen, sendJson } from './http-listen';

export interface IntrospectionDeps {
  config: AgentConfig;
  pool: LeasePool;
  rule: WarmPoolRule;
  capacity: NodeCapacity;
  /** The raw environment, for /v1/env-settings (only the variables the agent knows). */
  env: Readonly<Record<string, string | undefined>>;
  knownVariables: readonly string[];
}

export function startIntrospection(deps: IntrospectionDeps): Promise<HttpEndpoint> {
  const routes: Record<string, () => unknown> = {
    '/v1/enis': () => enisView(deps.pool),
    '/v1/pool': () => {
      const { counts, units } = deps.pool.snapshot();
      return { rule: deps.rule, capacity: deps.capacity, counts, canAssign: deps.pool.canAssign(), units };
    },
    '/v1/assignments': () => ({ assignments: deps.pool.assignments() }),
    '/v1/env-settings': () => ({
      environment: Object.fromEntries(
        deps.knownVariables.filter((n) => deps.env[n] !== undefined).map((n) => [n, deps.env[n]]),
      ),
      effective: deps.config,
    }),
  };
  return listen(deps.config.introspection.bind, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://introspection').pathname;
    const route = routes[path];
    if (req.method !== 'GET' || route === undefined) {
      sendJson(res, 404, {
        error: `no such endpoint: ${req.method} ${path}`,
        endpoints: Object.keys(routes),
      });
      return;
    }
    sendJson(res, 200, route());
  });
}

function enisView(pool: LeasePool) {
  const { leases, units } = pool.snapshot();
  const inUse = new Map(units.map((u) => [u.address, u.inUse]));
  const assigned = pool.assignments();
  return {
    enis: pool.enis().map((eni) => {
      const own = leases.filter((l) => l.eni.eniId === eni.eniId);
      return {
        ...eni,
        addresses: own.filter((l) => l.kind === 'ipv4').map((l) => l.address),
        prefixes: own.filter((l) => l.kind === 'prefix').map((l) => l.address),
        inUse: own.reduce((n, l) => n + (inUse.get(l.address) ?? 0), 0),
        assigned: assigned.filter((a) => a.eni.eniId === eni.eniId).length,
      };
    }),
  };
}
