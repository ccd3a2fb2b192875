import { InvalidInputError } from '../../../core/errors';
import {
  ADDRESS_STATES,
  type AddressRecord,
  claimSlot,
  findAddressCovering,
  getUsage,
  lockNode,
  markCooling,
  type NodeRegistration,
  notRecordedFor,
  putNode,
  putUsage,
  recordLease,
  renewNodeLock,
  storeAnswer,
  storedAnswer,
  tryLockNode,
  unlockNode,
} from '../../../core/ledger';
import { type LedgerDb, startLedgerDb } from './support/ledger-db';

const nodeId = (n: number) => `i-${String(n).padStart(17, '0')}`;

function registration(instanceId: string): NodeRegistration {
  return {
    instanceId,
    instanceType: 'm5.large',
    availabilityZone: 'us-east-1a',
    vpcCidrs: ['10.0.0.0/16'],
    primaryEni: {
      eniId: 'eni-0aaaaaaaaaaaaaaaa',
      mac: '02:00:00:00:00:01',
      deviceIndex: 0,
      subnetId: 'subnet-1',
      subnetCidr: '10.0.1.0/24',
      gateway: '10.0.1.1',
      securityGroups: ['sg-1'],
      primaryIp: '10.0.1.10',
    },
    limits: { maxEnis: 3, ipv4PerEni: 10, maxPods: 29 },
    eniCap: 3,
    additionalEniTags: {},
    prefixDelegation: false,
    securityGroups: ['sg-1'],
  };
}

function lease(address: string, instanceId: string): AddressRecord {
  return {
    address,
    kind: address.includes('/') ? 'prefix' : 'ipv4',
    state: ADDRESS_STATES.leased,
    instanceId,
    eniId: 'eni-0bbbbbbbbbbbbbbbb',
    subnetId: 'subnet-1',
  };
}

describe('Ledger on dynalite', () => {
  let db: LedgerDb;

  beforeAll(async () => {
    db = await startLedgerDb();
  });
  afterAll(async () => {
    await db?.stop();
  });

  describe('Function: recordLease', () => {
    it('lets exactly one of 10 nodes lease the same address when they race', async () => {
      // Prepare
      const racers = Array.from({ length: 10 }, (_, i) => nodeId(100 + i));

      // Act
      const outcomes = await Promise.all(racers.map((id) => recordLease(db.ledger, lease('10.0.1.50', id))));

      // Assess
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const holder = racers[outcomes.indexOf(true)];
      expect((await findAddressCovering(db.ledger, '10.0.1.50'))?.instanceId).toBe(holder);
    });

    it('lets another node take an address only once its holder no longer leases it', async () => {
      // Prepare
      await recordLease(db.ledger, lease('10.0.1.60', nodeId(1)));

      // Act
      const whileLeased = await recordLease(db.ledger, lease('10.0.1.60', nodeId(2)));
      await markCooling(db.ledger, nodeId(1), '10.0.1.60', 0);
      const afterRelease = await recordLease(db.ledger, lease('10.0.1.60', nodeId(2)));

      // Assess
      expect(whileLeased).toBe(false);
      expect(afterRelease).toBe(true);
    });
  });

  describe('Function: notRecordedFor', () => {
    it('keeps only the addresses the table holds no record of for the node', async () => {
      // Prepare: one address of this node, one of another node, one of nobody
      await recordLease(db.ledger, lease('10.0.1.70', nodeId(1)));
      await recordLease(db.ledger, lease('10.0.1.71', nodeId(2)));

      // Act
      const unrecorded = await notRecordedFor(db.ledger, nodeId(1), ['10.0.1.70', '10.0.1.71', '10.0.1.72']);

      // Assess
      expect(unrecorded).toEqual(['10.0.1.71', '10.0.1.72']);
    });
  });

  describe('Function: findAddressCovering', () => {
    it('finds the delegated /28 an address falls in', async () => {
      // Prepare
      await recordLease(db.ledger, lease('10.0.2.32/28', nodeId(3)));

      // Act
      const inside = await findAddressCovering(db.ledger, '10.0.2.40');
      const outside = await findAddressCovering(db.ledger, '10.0.2.48');

      // Assess
      expect(inside?.address).toBe('10.0.2.32/28');
      expect(outside).toBeUndefined();
    });
  });

  describe('Function: claimSlot', () => {
    it('gives one device index to one ENI only, under concurrent claims', async () => {
      // Prepare
      const enis = Array.from({ length: 8 }, (_, i) => `eni-0${String(i).padStart(16, '0')}`);

      // Act
      const outcomes = await Promise.all(
        enis.map((eniId) => claimSlot(db.ledger, { instanceId: nodeId(4), deviceIndex: 1, eniId })),
      );
      const winner = enis[outcomes.indexOf(true)]!;
      const again = await claimSlot(db.ledger, { instanceId: nodeId(4), deviceIndex: 1, eniId: winner });

      // Assess
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect(again).toBe(true);
    });
  });

  describe('Function: lockNode', () => {
    it('serializes holders and lets a waiter in after unlock', async () => {
      // Prepare
      await putNode(db.ledger, registration(nodeId(5)));
      const first = await lockNode(db.ledger, nodeId(5));

      // Act
      const blocked = await tryLockNode(db.ledger, nodeId(5));
      const waiting = lockNode(db.ledger, nodeId(5), { waitMs: 5_000 });
      await unlockNode(db.ledger, first);
      const second = await waiting;

      // Assess
      expect(blocked).toBeUndefined();
      expect(second.owner).not.toBe(first.owner);
      await unlockNode(db.ledger, second);
    });

    it('lets a new holder in once a dead holder lock expired', async () => {
      // Prepare
      await putNode(db.ledger, registration(nodeId(6)));
      await lockNode(db.ledger, nodeId(6), { ttlMs: 1_000 });

      // Act
      const beforeExpiry = await tryLockNode(db.ledger, nodeId(6));
      db.advance(1_500);
      const afterExpiry = await tryLockNode(db.ledger, nodeId(6));

      // Assess
      expect(beforeExpiry).toBeUndefined();
      expect(afterExpiry).toBeDefined();
    });

    it('lets a holder renew only while it still owns the lock', async () => {
      // Prepare
      await putNode(db.ledger, registration(nodeId(11)));
      const slow = await lockNode(db.ledger, nodeId(11), { ttlMs: 1_000 });
      const renewedInTime = await renewNodeLock(db.ledger, slow, 1_000);
      db.advance(1_500);
      const takeover = await tryLockNode(db.ledger, nodeId(11));

      // Act
      const renewedLate = await renewNodeLock(db.ledger, slow, 1_000);

      // Assess
      expect(renewedInTime).toBe(true);
      expect(takeover).toBeDefined();
      expect(renewedLate).toBe(false);
    });

    it('refuses to lock a node that was never registered', async () => {
      // Act
      const lock = await tryLockNode(db.ledger, nodeId(7));

      // Assess
      expect(lock).toBeUndefined();
    });
  });

  describe('Idempotency', () => {
    it('returns the stored answer for the same key and body, and refuses a different body', async () => {
      // Prepare
      await storeAnswer(db.ledger, nodeId(8), 'lease', 'key-00000001', { ipv4: 2 }, { leaseId: 'a' });

      // Act
      const same = await storedAnswer(db.ledger, nodeId(8), 'lease', 'key-00000001', { ipv4: 2 });
      const other = await storedAnswer(db.ledger, nodeId(8), 'lease', 'key-00000001', { ipv4: 3 }).catch(
        (e: unknown) => e,
      );
      const unknown = await storedAnswer(db.ledger, nodeId(8), 'lease', 'key-00000002', { ipv4: 2 });

      // Assess
      expect(same).toEqual({ leaseId: 'a' });
      expect(other).toBeInstanceOf(InvalidInputError);
      expect((other as Error).message).toMatch(/idempotencyKey="key-00000001"/);
      expect(unknown).toBeUndefined();
    });

    it('treats an expired record as absent', async () => {
      // Prepare
      await storeAnswer(db.ledger, nodeId(9), 'lease', 'key-00000003', {}, { leaseId: 'b' });

      // Act
      db.advance(25 * 3600 * 1000);
      const answer = await storedAnswer(db.ledger, nodeId(9), 'lease', 'key-00000003', {});

      // Assess
      expect(answer).toBeUndefined();
    });
  });

  describe('Function: putUsage', () => {
    it('ignores a report older than the stored one', async () => {
      // Prepare
      const newer = { instanceId: nodeId(10), assignments: [], reportedAt: '2026-01-01T00:00:10.000Z' };
      await putUsage(db.ledger, newer);

      // Act
      const stale = await putUsage(db.ledger, {
        instanceId: nodeId(10),
        assignments: [{ ip: '10.0.1.5', namespace: 'a', pod: 'b', containerId: 'c' }],
        reportedAt: '2026-01-01T00:00:05.000Z',
      });

      // Assess
      expect(stale).toBe(false);
      expect(await getUsage(db.ledger, nodeId(10))).toEqual(newer);
    });
  });
});
