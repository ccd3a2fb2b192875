/**
 * The pool and its maintainer against the real local control plane: dynalite, the EC2
 * simulator, local IAM and the API host running the api Lambda's handler, all on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiUnavailableError } from '../../../core/api-client';
import { LEASE_NOT_STARTED, type LeaseRequest } from '../../../core/contract/api';
import { cidrContains, parseCidr, parseIpv4 } from '../../../core/net/ipv4';
import { type LocalCloud, type LocalNode, startLocalCloud } from '../../../infra/local/cloud';
import {
  type LocalControlPlane,
  type LocalControlPlaneOptions,
  startLocalControlPlane,
} from '../../../infra/local/host';
import { NodeClient } from '../../../node-agent/control-plane/node-client';
import type { NodeLeases } from '../../../node-agent/control-plane/types';
import { silentLogger } from '../../../node-agent/logging';
import { LeasePool } from '../../../node-agent/pool/lease-pool';
import { PoolMaintainer } from '../../../node-agent/pool/pool-maintainer';
import { PoolExhaustedError } from '../../../node-agent/pool/types';
import { nodeCapacity, type WarmPoolRule } from '../../../node-agent/pool/warm-math';

const ROLE = 'ledger-node';

describe('Pool with the local control plane', () => {
  let cloud: LocalCloud;
  let controlPlane: LocalControlPlane;
  let dir: string;
  const running: PoolMaintainer[] = [];

  const startControlPlane = (budget?: LocalControlPlaneOptions['budget']) =>
    startLocalControlPlane({
      budget,
      ec2: { endpoint: cloud.ec2.endpoint, region: cloud.ec2.region, model: cloud.ec2.model },
      dynamodbEndpoint: cloud.dynamodb.endpoint,
      iam: cloud.iam,
      clusterName: 'agent-pool-test',
      vpcId: Object.values(cloud.ec2.scenario.vpcs)[0]!,
      nodeRoleNames: [ROLE],
      operatorRoleNames: ['ledger-operator'],
      coolingSeconds: 0,
    });

  beforeAll(async () => {
    cloud = await startLocalCloud({ nodes: 0, throttling: false, attachDelayMs: 10, detachDelayMs: 10 });
    controlPlane = await startControlPlane();
    dir = mkdtempSync(join(tmpdir(), 'ledger-pool-cp-'));
  });
  afterEach(async () => {
    for (const m of running.splice(0)) await m.stop();
  });
  afterAll(async () => {
    await controlPlane?.stop();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh node, registered, with a pool and a maintainer that only runs when asked. */
  async function nodeWithPool(
    rule: WarmPoolRule,
    options: { cooldownMs?: number; settleMs?: number; controlPlane?: LocalControlPlane } = {},
  ) {
    const node: LocalNode = await cloud.addNode();
    const client = new NodeClient({
      endpoint: (options.controlPlane ?? controlPlane).endpoint,
      region: cloud.ec2.region,
      instanceId: node.instanceId,
      credentials: cloud.iam.issueRoleCredentials(ROLE, node.instanceId),
    });
    const registration = await client.register({
      instanceType: 'm5.large',
      availabilityZone: node.availabilityZone,
      prefixDelegation: rule.unit === 'prefix',
    });
    const checkpointPath = join(dir, node.instanceId, 'ipam.json');
    const openPool = () =>
      LeasePool.open({
        instanceId: node.instanceId,
        checkpointPath,
        cooldownMs: options.cooldownMs ?? 60_000,
        assignWaitMs: 300,
      });
    const pool = await openPool();
    const capacity = nodeCapacity(registration.limits, rule.unit, undefined, undefined);
    const maintainerFor = (p: LeasePool, leases: NodeLeases = client) => {
      const m = new PoolMaintainer({
        pool: p,
        leases,
        rule,
        capacity,
        logger: silentLogger,
        intervalMs: 50,
        usageIntervalMs: 0,
        release: { settleMs: options.settleMs ?? 0, intervalMs: 0 },
      });
      running.push(m);
      return m;
    };
    return { node, client, pool, maintainer: maintainerFor(pool), openPool, maintainerFor };
  }

  const pod = (n: number) => ({
    containerId: `container-${n}`,
    ifName: 'eth0',
    namespace: 'default',
    pod: `pod-${n}`,
    netns: '',
  });
  const ipRule = (warmIpTarget: number, minimumIpTarget: number): WarmPoolRule => ({
    targets: { rule: 'ip', warmIpTarget, minimumIpTarget },
    unit: 'ipv4',
  });

  it('leases MINIMUM_IP_TARGET in one batch, then tops up to WARM_IP_TARGET as pods arrive', async () => {
    // Prepare
    const { pool, maintainer, client } = await nodeWithPool(ipRule(5, 10));

    // Act
    await maintainer.runOnce();
    const afterStart = pool.snapshot().counts.total;
    for (let i = 0; i < 8; i++) await pool.assign(pod(i));
    await maintainer.runOnce();

    // Assess
    expect(afterStart).toBe(10);
    expect(pool.snapshot().counts).toEqual({ total: 13, assigned: 8, cooling: 0, waiting: 0 });
    const state = await client.state();
    expect(state.leased).toHaveLength(13);
    expect(new Set(state.leased.map((l) => l.address))).toEqual(
      new Set(pool.snapshot().leases.map((l) => l.address)),
    );
  });

  it('reports the pod↔IP map to the control plane', async () => {
    // Prepare
    const { pool, maintainer, client } = await nodeWithPool(ipRule(2, 2));
    await maintainer.runOnce();
    const assigned = await pool.assign(pod(1));

    // Act
    await maintainer.runOnce();

    // Assess
    const state = await client.state();
    expect(state.assignments).toEqual([
      { ip: assigned.ip, namespace: 'default', pod: 'pod-1', containerId: 'container-1' },
    ]);
  });

  it('gives back the excess only after cooldown and once it has persisted', async () => {
    // Prepare
    const { pool, maintainer, client } = await nodeWithPool(ipRule(2, 4), { cooldownMs: 300, settleMs: 200 });
    await maintainer.runOnce();
    for (let i = 0; i < 4; i++) await pool.assign(pod(i));
    await maintainer.runOnce();
    for (let i = 4; i < 6; i++) await pool.assign(pod(i));
    await maintainer.runOnce();
    for (let i = 0; i < 6; i++) await pool.unassign(`container-${i}`, 'eth0');

    // Act
    await maintainer.runOnce();
    const whileCooling = (await client.state()).leased.length;
    await new Promise((r) => setTimeout(r, 350));
    await maintainer.runOnce();
    const beforeSettled = (await client.state()).leased.length;
    await new Promise((r) => setTimeout(r, 250));
    await maintainer.runOnce();

    // Assess
    expect(whileCooling).toBe(8);
    expect(beforeSettled).toBe(8);
    expect((await client.state()).leased).toHaveLength(4);
    expect(pool.snapshot().counts).toEqual({ total: 4, assigned: 0, cooling: 0, waiting: 0 });
  });

  it('keeps addresses out of use when a release answer is lost, and retries it with the same key', async () => {
    // Prepare: the first release reaches the control plane, but its answer never comes back
    const { client, pool, maintainerFor } = await nodeWithPool(ipRule(2, 4), { cooldownMs: 0 });
    const keys: string[] = [];
    let loseAnswer = true;
    const lossy: NodeLeases = {
      lease: (r) => client.lease(r),
      reportUsage: (r) => client.reportUsage(r),
      release: async (r) => {
        keys.push(r.idempotencyKey);
        const answer = await client.release(r);
        if (loseAnswer) {
          loseAnswer = false;
          throw new ApiUnavailableError('connection reset before the answer');
        }
        return answer;
      },
    };
    const maintainer = maintainerFor(pool, lossy);
    await maintainer.runOnce();
    for (let i = 0; i < 4; i++) await pool.assign(pod(i));
    await maintainer.runOnce();
    for (let i = 0; i < 4; i++) await pool.unassign(`container-${i}`, 'eth0');

    // Act
    await maintainer.runOnce();
    const afterLostAnswer = pool.snapshot().counts.total;
    const ledgerAfterLostAnswer = (await client.state()).leased.length;
    const reassigned = await Promise.all([0, 1, 2, 3].map((i) => pool.assign(pod(10 + i))));
    // An unanswered release is retried after a backoff (250 ms the first time), not every pass.
    await new Promise((r) => setTimeout(r, 300));
    await maintainer.runOnce();

    // Assess: the two released addresses never came back into use, and the retry reused the key
    expect(ledgerAfterLostAnswer).toBe(4);
    expect(afterLostAnswer).toBe(4);
    const ledgerHeld = new Set((await client.state()).leased.map((l) => l.address));
    expect(reassigned.every((a) => ledgerHeld.has(a.ip))).toBe(true);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });

  it('asks again for a lease whose answer was lost, same key and count, so no address is held for nobody', async () => {
    // Prepare: the first lease is granted, but its answer never reaches the node
    const { client, pool, maintainerFor } = await nodeWithPool(ipRule(0, 6));
    const leases: { key: string; ipv4?: number }[] = [];
    let loseAnswer = true;
    const lossy: NodeLeases = {
      release: (r) => client.release(r),
      reportUsage: (r) => client.reportUsage(r),
      lease: async (r) => {
        leases.push({ key: r.idempotencyKey, ipv4: r.ipv4 });
        const answer = await client.lease(r);
        if (loseAnswer) {
          loseAnswer = false;
          throw new ApiUnavailableError('no answer within 30000 ms');
        }
        return answer;
      },
    };
    const maintainer = maintainerFor(pool, lossy);

    // Act
    await maintainer.runOnce();
    const afterLostAnswer = pool.snapshot().counts.total;
    await new Promise((r) => setTimeout(r, 300));
    await maintainer.runOnce();

    // Assess: one grant in the ledger, and the node holds exactly it
    expect(afterLostAnswer).toBe(0);
    expect(leases).toHaveLength(2);
    expect(leases[1]).toEqual(leases[0]);
    const ledger = (await client.state()).leased.map((l) => l.address).sort();
    expect(ledger).toHaveLength(6);
    expect(
      pool
        .snapshot()
        .leases.map((l) => l.address)
        .sort(),
    ).toEqual(ledger);
  });

  it('leases on demand for a waiting pod when the pool is empty', async () => {
    // Prepare: no warm targets at all; only a waiting pod asks for an address.
    const { pool, maintainer } = await nodeWithPool(ipRule(0, 0));
    maintainer.start();

    // Act
    const assignment = await pool.assign(pod(1));

    // Assess
    expect(assignment.ip).toMatch(/^10\.0\./);
    expect(pool.snapshot().counts.assigned).toBe(1);
  });

  it('leases /28 prefixes in prefix delegation mode', async () => {
    // Prepare
    const { pool, maintainer } = await nodeWithPool({
      targets: { rule: 'prefix', warmPrefixTarget: 1 },
      unit: 'prefix',
    });

    // Act
    await maintainer.runOnce();
    const assignment = await pool.assign(pod(1));
    await maintainer.runOnce();

    // Assess
    const { leases, counts } = pool.snapshot();
    expect(leases.map((l) => l.kind)).toEqual(['prefix', 'prefix']);
    expect(leases.every((l) => /\/28$/.test(l.address))).toBe(true);
    expect(counts.total).toBe(32);
    expect(leases.some((l) => cidrContains(parseCidr(l.address), parseIpv4(assignment.ip)))).toBe(true);
  });

  it('restarts from the checkpoint without leasing again or reusing an address in use', async () => {
    // Prepare
    const { pool, maintainer, openPool, maintainerFor, client } = await nodeWithPool(ipRule(2, 4));
    await maintainer.runOnce();
    const before = [await pool.assign(pod(1)), await pool.assign(pod(2))];
    await maintainer.runOnce();
    await maintainer.stop();

    // Act
    const restarted = await openPool();
    await maintainerFor(restarted).runOnce();
    const fresh = await restarted.assign(pod(3));

    // Assess
    expect(restarted.assignments().filter((a) => a.containerId !== 'container-3')).toEqual(before);
    expect(before.map((a) => a.ip)).not.toContain(fresh.ip);
    expect((await client.state()).leased.length).toBe(restarted.snapshot().counts.total);
  });

  it('adopts what the ledger says the node holds when the checkpoint is lost, and drops what it does not', async () => {
    // Prepare
    const { pool, maintainer, client, openPool, node } = await nodeWithPool(ipRule(0, 4));
    await maintainer.runOnce();
    const held = pool
      .snapshot()
      .leases.map((l) => l.address)
      .sort();
    await maintainer.stop();
    rmSync(join(dir, node.instanceId), { recursive: true, force: true });
    const blank = await openPool();
    const stranger = {
      ...pool.snapshot().leases[0]!,
      address: '10.0.250.250',
      leasedAt: new Date().toISOString(),
    };
    await blank.addLeases([stranger]);

    // Act
    const result = await blank.adoptLeases((await client.state()).leased);

    // Assess
    expect(result).toEqual({ added: 4, dropped: 1, kept: [] });
    expect(
      blank
        .snapshot()
        .leases.map((l) => l.address)
        .sort(),
    ).toEqual(held);
  });

  it('says how many addresses waiting pods need, and a deferred warm-pool top-up does not hold back a pod', async () => {
    // Prepare: an address budget of 2 tokens, refilling one per 5 s, of which 1 is kept for
    // calls pods wait on
    const budgeted = await startControlPlane({ 'ip-and-eni': { capacity: 2, refillPerSecond: 0.2 } });
    try {
      const { client, pool, maintainerFor } = await nodeWithPool(ipRule(2, 0), { controlPlane: budgeted });
      const asked: LeaseRequest[] = [];
      const refusals: unknown[] = [];
      let deferrals = 0;
      pool.events.on('leaseDeferred', () => deferrals++);
      const maintainer = maintainerFor(pool, {
        release: (r) => client.release(r),
        reportUsage: (r) => client.reportUsage(r),
        lease: (r) => {
          asked.push(r);
          return client.lease(r).catch((error: unknown) => {
            refusals.push(error);
            throw error;
          });
        },
      });
      await maintainer.runOnce();
      await pool.assign(pod(1));
      await pool.assign(pod(2));
      await maintainer.runOnce();

      // Act
      maintainer.start();
      const third = await pool.assign(pod(3));

      // Assess
      expect(third.ip).toMatch(/^10\.0\./);
      expect(asked.map(({ ipv4, forPods }) => ({ ipv4, forPods }))).toEqual([
        { ipv4: 2, forPods: 0 },
        { ipv4: 2, forPods: 0 },
        { ipv4: 3, forPods: 1 },
      ]);
      expect(refusals).toHaveLength(1);
      expect((refusals[0] as ApiUnavailableError).body?.code).toBe(LEASE_NOT_STARTED);
      expect(deferrals).toBe(1);
      // Nothing was leased by the refused request, so the next one is a new request.
      expect(asked[2]!.idempotencyKey).not.toBe(asked[1]!.idempotencyKey);
    } finally {
      await budgeted.stop();
    }
  });

  it('serves from its cache with the control plane stopped, then PoolExhaustedError; DEL still works', async () => {
    // Prepare
    const { pool, maintainer } = await nodeWithPool(ipRule(0, 3));
    await maintainer.runOnce();
    maintainer.start();
    await controlPlane.stop();

    try {
      // Act
      const served = [await pool.assign(pod(1)), await pool.assign(pod(2)), await pool.assign(pod(3))];
      const fourth = pool.assign(pod(4));
      await expect(fourth).rejects.toBeInstanceOf(PoolExhaustedError);
      const removed = await pool.unassign('container-1', 'eth0');

      // Assess
      expect(new Set(served.map((a) => a.ip)).size).toBe(3);
      expect(removed?.ip).toBe(served[0]!.ip);
      expect(pool.snapshot().counts).toEqual({ total: 3, assigned: 2, cooling: 1, waiting: 0 });
    } finally {
      controlPlane = await startControlPlane();
    }
  });
});
