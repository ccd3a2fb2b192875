import type { LeaseResponse } from '../../../core/contract/api';
import { AZ, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';
import { CrashSwitch } from './support/crash';
import { ledgerAgreesWithEc2 } from './support/ledger-agrees';

const LOCK_TTL_MS = 300;
const LEASE_STEPS_NEW_ENI = [
  'intent-written',
  'eni-created',
  'slot-claimed',
  'eni-attached',
  'eni-recorded',
  'addresses-recorded',
  'answer-stored',
];
const RELEASE_STEPS = ['addresses-cooling', 'addresses-unassigned', 'eni-detached', 'eni-deleted'];

describe('Control plane: a crash between any two steps is repaired by the reconciler', () => {
  let cluster: TestCluster;
  let nodes: string[];
  const crash = new CrashSwitch();

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'], count: 16 },
      ]),
      { lockTtlMs: LOCK_TTL_MS, leakGraceSeconds: 0, afterStep: crash.afterStep },
    );
    nodes = [...cluster.instances.n!];
  });
  afterAll(async () => {
    await cluster?.stop();
    await crash.hungSettled();
  });

  async function freshNode(fillPrimary: boolean): Promise<string> {
    const node = nodes.shift()!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    if (fillPrimary) await client.lease(node, { idempotencyKey: `fill-${node}`, ipv4: 9 });
    return node;
  }

  const dieAt = (step: string, request: () => Promise<unknown>) => crash.dieAt(step, request, LOCK_TTL_MS);

  it.each(LEASE_STEPS_NEW_ENI)('lease needing a new ENI, dying after %s', async (step) => {
    // Prepare
    const node = await freshNode(true);
    const client = cluster.nodeClient(node);
    await dieAt(step, () => client.lease(node, { idempotencyKey: `crash-${step}`, ipv4: 3 }));

    // Act
    await cluster.cp.runReconciler();

    // Assess
    expect(await ledgerAgreesWithEc2(cluster, node)).toEqual([]);
    const retried: LeaseResponse = await client.lease(node, { idempotencyKey: `crash-${step}`, ipv4: 3 });
    expect(retried.addresses).toHaveLength(3);
    await cluster.cp.runReconciler();
    expect(await ledgerAgreesWithEc2(cluster, node)).toEqual([]);
    const leased = (await client.getNode(node)).leased.map((a) => a.address);
    expect(leased).toHaveLength(12);
    for (const a of retried.addresses) expect(leased).toContain(a.address);
  });

  it('lease using room on the primary ENI, dying after the assignment', async () => {
    // Prepare
    const node = await freshNode(false);
    const client = cluster.nodeClient(node);
    await dieAt('addresses-assigned', () => client.lease(node, { idempotencyKey: 'crash-primary', ipv4: 4 }));

    // Act
    const report = await cluster.cp.runReconciler();

    // Assess
    expect(report.addressesRolledBack).toBe(4);
    expect(await ledgerAgreesWithEc2(cluster, node)).toEqual([]);
    expect(cluster.sim.model.interfacesOfInstance(node)[0]!.secondaryIps).toEqual([]);
  });

  it('a retry of the same key before the reconciler finishes the crashed lease', async () => {
    // Prepare
    const node = await freshNode(true);
    const client = cluster.nodeClient(node);
    // The new ENI holds its addresses from creation on; the ledger has not recorded them yet.
    await dieAt('eni-recorded', () => client.lease(node, { idempotencyKey: 'crash-retry-first', ipv4: 3 }));

    // Act
    const retried = await client.lease(node, { idempotencyKey: 'crash-retry-first', ipv4: 3 });

    // Assess
    expect(retried.addresses).toHaveLength(3);
    expect(cluster.sim.model.interfacesOfInstance(node)).toHaveLength(2);
    await cluster.cp.runReconciler();
    expect(await ledgerAgreesWithEc2(cluster, node)).toEqual([]);
    expect((await client.getNode(node)).leased).toHaveLength(12);
  });

  it.each(RELEASE_STEPS)('release emptying an ENI, dying after %s', async (step) => {
    // Prepare
    const node = await freshNode(true);
    const client = cluster.nodeClient(node);
    const lease = await client.lease(node, { idempotencyKey: `rel-lease-${step}`, ipv4: 3 });
    const eniId = lease.addresses[0]!.eni.eniId;
    await dieAt(step, () =>
      client.release(node, {
        idempotencyKey: `rel-${step}`,
        addresses: lease.addresses.map((a) => a.address),
      }),
    );

    // Act
    await cluster.cp.runReconciler();

    // Assess
    expect(await ledgerAgreesWithEc2(cluster, node)).toEqual([]);
    expect(cluster.sim.model.getNetworkInterface(eniId)).toBeUndefined();
    expect(cluster.sim.model.interfacesOfInstance(node)).toHaveLength(1);
  });
});
