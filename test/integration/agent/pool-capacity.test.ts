/**
 * A subnet that runs out: the control plane grants what it can, then answers 409, and the
 * maintainer backs off instead of asking on every pass, while the pool keeps serving.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalCloud, startLocalCloud } from '../../../infra/local/cloud';
import { type LocalControlPlane, startLocalControlPlane } from '../../../infra/local/host';
import { NodeClient } from '../../../node-agent/control-plane/node-client';
import { silentLogger } from '../../../node-agent/logging';
import { LeasePool } from '../../../node-agent/pool/lease-pool';
import { PoolMaintainer } from '../../../node-agent/pool/pool-maintainer';
import { PoolExhaustedError } from '../../../node-agent/pool/types';
import { nodeCapacity } from '../../../node-agent/pool/warm-math';

const TINY = {
  vpcs: [
    {
      name: 'tiny-vpc',
      cidrBlock: '10.30.0.0/16',
      subnets: [
        {
          name: 'tiny',
          cidrBlock: '10.30.1.0/28',
          availabilityZone: 'us-east-1a',
          tags: { 'kubernetes.io/role/cni': '1' },
        },
      ],
      securityGroups: [{ name: 'nodes' }],
    },
  ],
};

describe('Pool when the subnet runs out', () => {
  let cloud: LocalCloud;
  let controlPlane: LocalControlPlane;
  let dir: string;
  let maintainer: PoolMaintainer | undefined;

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario: TINY, nodes: 1, throttling: false, attachDelayMs: 10 });
    controlPlane = await startLocalControlPlane({
      ec2: { endpoint: cloud.ec2.endpoint, region: cloud.ec2.region, model: cloud.ec2.model },
      dynamodbEndpoint: cloud.dynamodb.endpoint,
      iam: cloud.iam,
      clusterName: 'agent-capacity-test',
      vpcId: cloud.ec2.scenario.vpcs['tiny-vpc']!,
      nodeRoleNames: ['ledger-node'],
      operatorRoleNames: ['ledger-operator'],
    });
    dir = mkdtempSync(join(tmpdir(), 'ledger-pool-capacity-'));
  });
  afterAll(async () => {
    await maintainer?.stop();
    await controlPlane?.stop();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a partial grant, backs off after the 409, and keeps serving what it holds', async () => {
    // Prepare
    const node = cloud.nodes[0]!;
    const client = new NodeClient({
      endpoint: controlPlane.endpoint,
      region: cloud.ec2.region,
      instanceId: node.instanceId,
      credentials: cloud.iam.issueRoleCredentials('ledger-node', node.instanceId),
    });
    const registration = await client.register({
      instanceType: 'm5.large',
      availabilityZone: node.availabilityZone,
    });
    const pool = await LeasePool.open({
      instanceId: node.instanceId,
      checkpointPath: join(dir, 'ipam.json'),
      cooldownMs: 30_000,
      assignWaitMs: 200,
    });
    maintainer = new PoolMaintainer({
      pool,
      leases: client,
      rule: { targets: { rule: 'ip', warmIpTarget: 0, minimumIpTarget: 25 }, unit: 'ipv4' },
      capacity: nodeCapacity(registration.limits, 'ipv4', undefined, undefined),
      logger: silentLogger,
      capacityBackoffMs: 60_000,
    });
    const failures: string[] = [];
    pool.events.on('controlPlaneError', (e) => failures.push(e.operation));

    // Act
    await maintainer.runOnce();
    const granted = pool.snapshot().counts.total;
    await maintainer.runOnce();
    await maintainer.runOnce();
    await maintainer.runOnce();
    const served = await Promise.all(
      Array.from({ length: granted }, (_, i) =>
        pool.assign({ containerId: `c${i}`, ifName: 'eth0', namespace: 'default', pod: `p${i}`, netns: '' }),
      ),
    );
    const oneMore = pool.assign({
      containerId: 'extra',
      ifName: 'eth0',
      namespace: 'default',
      pod: 'extra',
      netns: '',
    });

    // Assess
    expect(granted).toBeGreaterThan(0);
    expect(granted).toBeLessThan(11);
    // Three passes after the grant, one 409: the other two were held back by the backoff.
    expect(failures).toEqual(['lease']);
    expect(new Set(served.map((a) => a.ip)).size).toBe(granted);
    await expect(oneMore).rejects.toBeInstanceOf(PoolExhaustedError);
  });
});
