import { Ec2BudgetSpentError } from '../../../core/ec2/budget';
import { SharedBucket } from '../../../core/ec2/shared-bucket';
import { type LedgerDb, startLedgerDb } from './support/ledger-db';

/** Three tokens, one more every 10 s: no refill within a test. */
const SIZE = { capacity: 3, refillPerSecond: 0.1 };

describe('Class: SharedBucket (the EC2 budget shared by control-plane processes)', () => {
  let db: LedgerDb;

  beforeAll(async () => {
    db = await startLedgerDb();
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('gives two processes one budget between them, not one each', async () => {
    // Prepare: two Lambda containers, each with its own view of the same bucket
    const first = new SharedBucket(db.ledger, 'CreateNetworkInterface', SIZE);
    const second = new SharedBucket(db.ledger, 'CreateNetworkInterface', SIZE);

    // Act
    await first.take(0);
    await first.take(0);
    await second.take(0);
    const fourth = await second.take(1_000).catch((e: unknown) => e);
    const fifth = await first.take(1_000).catch((e: unknown) => e);

    // Assess
    expect(fourth).toBeInstanceOf(Ec2BudgetSpentError);
    expect(fifth).toBeInstanceOf(Ec2BudgetSpentError);
    expect((fifth as Ec2BudgetSpentError).retryAfterSeconds).toBeGreaterThan(5);
  });

  it('keeps a bucket per action', async () => {
    // Prepare
    const attach = new SharedBucket(db.ledger, 'AttachNetworkInterface', SIZE);
    for (let i = 0; i < 3; i++) await attach.take(0);
    const assign = new SharedBucket(db.ledger, 'AssignPrivateIpAddresses', SIZE);

    // Act
    const taken = await assign.take(0).then(() => 'taken');

    // Assess
    expect(taken).toBe('taken');
    expect(attach.expectedWaitMs()).toBeGreaterThan(5_000);
  });

  it('serves concurrent takers from several processes exactly up to the capacity', async () => {
    // Prepare: five processes racing for three tokens
    const processes = Array.from(
      { length: 5 },
      () => new SharedBucket(db.ledger, 'DeleteNetworkInterface', SIZE),
    );

    // Act
    const outcomes = await Promise.all(
      processes.map((p) =>
        p.take(0).then(
          () => 'taken',
          () => 'refused',
        ),
      ),
    );

    // Assess
    expect(outcomes.filter((o) => o === 'taken')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(2);
  });
});
