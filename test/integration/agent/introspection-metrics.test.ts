import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig } from '../../../node-agent/config';
import type { HttpEndpoint } from '../../../node-agent/introspection/http-listen';
import { startIntrospection } from '../../../node-agent/introspection/server';
import { createAgentMetrics } from '../../../node-agent/metrics/registry';
import { startMetricsServer } from '../../../node-agent/metrics/server';
import { LeasePool } from '../../../node-agent/pool/lease-pool';
import { nodeCapacity } from '../../../node-agent/pool/warm-math';

const ENI = {
  eniId: 'eni-00000000000000002',
  mac: '02:00:00:00:00:02',
  deviceIndex: 1,
  subnetId: 'subnet-1',
  subnetCidr: '10.9.0.0/24',
  gateway: '10.9.0.1',
  securityGroups: [],
  primaryIp: '10.9.0.11',
};

function get(
  target: { socketPath?: string; port?: number },
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ ...target, host: '127.0.0.1', path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Introspection and metrics endpoints', () => {
  let dir: string;
  let pool: LeasePool;
  const endpoints: HttpEndpoint[] = [];
  const rule = {
    targets: { rule: 'ip' as const, warmIpTarget: 5, minimumIpTarget: 10 },
    unit: 'ipv4' as const,
  };
  const capacity = nodeCapacity({ maxEnis: 3, ipv4PerEni: 10, maxPods: 29 }, 'ipv4', undefined, undefined);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-introspect-'));
    pool = await LeasePool.open({
      instanceId: 'i-0123456789abcdef0',
      checkpointPath: join(dir, 'ipam.json'),
      cooldownMs: 30_000,
    });
    const leasedAt = new Date().toISOString();
    await pool.addLeases(
      ['10.9.0.20', '10.9.0.21', '10.9.0.22'].map((address) => ({
        address,
        kind: 'ipv4' as const,
        eni: ENI,
        leasedAt,
      })),
    );
    await pool.assign({ containerId: 'c1', ifName: 'eth0', namespace: 'default', pod: 'web-1', netns: '' });
  });
  afterAll(async () => {
    for (const e of endpoints) await e.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves ENIs, pool, assignments and settings on a unix socket', async () => {
    // Prepare
    const socketPath = join(dir, 'introspection.sock');
    const env = {
      LEDGER_API_ENDPOINT: 'http://127.0.0.1:9',
      INTROSPECTION_BIND_ADDRESS: `unix:${socketPath}`,
      WARM_IP_TARGET: '5',
      MINIMUM_IP_TARGET: '10',
    };
    const { config } = parseAgentConfig(env);
    endpoints.push(
      await startIntrospection({
        config,
        pool,
        rule,
        capacity,
        env,
        knownVariables: ['WARM_IP_TARGET', 'MAX_ENI'],
      }),
    );

    // Act
    const enis = JSON.parse((await get({ socketPath }, '/v1/enis')).body);
    const poolView = JSON.parse((await get({ socketPath }, '/v1/pool')).body);
    const assignments = JSON.parse((await get({ socketPath }, '/v1/assignments')).body);
    const settings = JSON.parse((await get({ socketPath }, '/v1/env-settings')).body);
    const missing = await get({ socketPath }, '/v1/nope');

    // Assess
    expect(enis.enis).toEqual([
      expect.objectContaining({
        eniId: ENI.eniId,
        addresses: ['10.9.0.20', '10.9.0.21', '10.9.0.22'],
        assigned: 1,
      }),
    ]);
    expect(poolView.counts).toEqual({ total: 3, assigned: 1, cooling: 0, waiting: 0 });
    expect(poolView.canAssign).toBe(true);
    expect(assignments.assignments).toEqual([expect.objectContaining({ containerId: 'c1', pod: 'web-1' })]);
    expect(settings.environment).toEqual({ WARM_IP_TARGET: '5' });
    expect(settings.effective.warmPool.targets).toEqual(rule.targets);
    expect(missing.status).toBe(404);
  });

  it('serves awscni_* metrics on 127.0.0.1 that follow the pool', async () => {
    // Prepare
    const metrics = createAgentMetrics({ pool, rule, capacity, maxEnis: 3 });
    const endpoint = await startMetricsServer({ kind: 'tcp', host: '127.0.0.1', port: 0 }, metrics);
    endpoints.push(endpoint);
    const port = endpoint.address.kind === 'tcp' ? endpoint.address.port : 0;
    await pool.assign({ containerId: 'c2', ifName: 'eth0', namespace: 'default', pod: 'web-2', netns: '' });
    await pool.unassign('c2', 'eth0');

    // Act
    const { status, body } = await get({ port }, '/metrics');

    // Assess
    expect(status).toBe(200);
    expect(body).toMatch(/^awscni_eni_max 3$/m);
    expect(body).toMatch(/^awscni_ip_max 27$/m);
    expect(body).toMatch(/^awscni_eni_allocated 1$/m);
    expect(body).toMatch(/^awscni_total_ip_addresses 3$/m);
    expect(body).toMatch(/^awscni_assigned_ip_addresses 1$/m);
    expect(body).toMatch(/^awscni_cooling_ip_addresses 1$/m);
    expect(body).toMatch(/^awscni_add_ip_req_count 1$/m);
    expect(body).toMatch(/^awscni_del_ip_req_count 1$/m);
    expect(body).toMatch(new RegExp(`^awscni_assigned_ip_per_eni\\{eni="${ENI.eniId}"\\} 1$`, 'm'));
  });
});
