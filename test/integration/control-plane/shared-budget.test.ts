import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { LAMBDA_ENV } from '../../../core/contract/lambda-env';
import { Ec2BudgetSpentError } from '../../../core/ec2/budget';
import { SharedBucket } from '../../../core/ec2/shared-bucket';
import { readBudgetArrival } from '../../../core/ledger';
import { type Ec2Simulator, startEc2Simulator } from '../../../infra/local/ec2';
import { contextFromEnv } from '../../../lambdas/shared/context-from-env';
import { defaultScenario } from './support/cluster';
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

  it('counts takers that would go ahead, as the warm-pool rule asks', async () => {
    // Prepare
    const bucket = new SharedBucket(db.ledger, 'UnassignPrivateIpAddresses', SIZE);
    await bucket.take(0);

    // Act: two tokens left
    const oneAhead = bucket.expectedWaitMs(1);
    const twoAhead = bucket.expectedWaitMs(2);

    // Assess: a taker behind one other still goes now; behind two it waits for a refill
    expect(oneAhead).toBe(0);
    expect(twoAhead).toBeGreaterThan(5_000);
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

  describe("the Lambdas' context", () => {
    let sim: Ec2Simulator;
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

    beforeAll(async () => {
      sim = await startEc2Simulator({ scenario: defaultScenario([]), throttling: false });
      // The Lambdas' EC2 client takes the SDK's default credentials.
      process.env.AWS_ACCESS_KEY_ID = 'local';
      process.env.AWS_SECRET_ACCESS_KEY = 'local';
    });
    afterAll(async () => {
      await sim?.stop();
      for (const [name, value] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it("charges every container's EC2 calls to the one budget in the ledger", async () => {
      // Prepare: two containers of the API function
      const vpcId = Object.values(sim.scenario.vpcs)[0]!;
      const env = {
        AWS_REGION: sim.region,
        [LAMBDA_ENV.tableName]: db.tableName,
        [LAMBDA_ENV.clusterName]: 'shared-budget',
        [LAMBDA_ENV.vpcId]: vpcId,
        [LAMBDA_ENV.ec2Endpoint]: sim.endpoint,
        [LAMBDA_ENV.dynamodbEndpoint]: db.endpoint,
      };
      const containers = [contextFromEnv(env, 'api'), contextFromEnv(env, 'api')];

      // Act
      await containers[0]!.ec2.client.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
      const afterOne = await readBudgetArrival(db.ledger, 'DescribeVpcs');
      await containers[1]!.ec2.client.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
      const afterTwo = await readBudgetArrival(db.ledger, 'DescribeVpcs');

      // Assess: each call moved the shared bucket on by one refill interval or more
      expect(afterOne).toBeDefined();
      expect(afterTwo! - afterOne!).toBeGreaterThan(0);
    });
  });
});
