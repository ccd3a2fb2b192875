import {
  categoryOf,
  Ec2Budget,
  Ec2BudgetSpentError,
  isFilteredOrPaged,
  TokenBucket,
} from '../../../core/ec2/budget';

describe('Function: categoryOf', () => {
  it.each([
    ['AssignPrivateIpAddresses', 'ip-and-eni'],
    ['CreateNetworkInterface', 'ip-and-eni'],
    ['AttachNetworkInterface', 'mutating'],
    ['DetachNetworkInterface', 'mutating'],
    ['DescribeNetworkInterfaces', 'unfiltered-describe'],
    ['DescribeInstances', 'unfiltered-describe'],
    ['DescribeSubnets', 'non-mutating'],
    ['CreateTags', 'tags'],
  ])('puts %s in the %s bucket', (action, category) => {
    // Act
    const found = categoryOf(action);

    // Assess
    expect(found).toBe(category);
  });
});

describe('Class: TokenBucket', () => {
  it('serves a burst up to its capacity at once, then paces takers at the refill rate', async () => {
    // Prepare
    let now = 0;
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 1000 }, () => now);

    // Act
    const burst = await Promise.all([bucket.take(), bucket.take(), bucket.take()]);
    const before = bucket.available();
    now += 2;
    const after = bucket.available();

    // Assess
    expect(burst).toHaveLength(3);
    expect(before).toBe(0);
    expect(after).toBe(2);
  });

  it('makes the taker beyond capacity wait for a refill', async () => {
    // Prepare
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 20 });
    await bucket.take();

    // Act
    const started = Date.now();
    await bucket.take();
    const waited = Date.now() - started;

    // Assess
    expect(waited).toBeGreaterThanOrEqual(40);
  });

  it('refuses at once, queueing nothing, a taker whose turn would come after its bound', async () => {
    // Prepare: one token, then one every 10 s
    let now = 0;
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 0.1 }, () => now);
    await bucket.take(5_000);

    // Act
    const refused = await bucket.take(5_000).catch((e: unknown) => e);
    const refusedAgain = await bucket.take(5_000).catch((e: unknown) => e);
    now += 10_000;
    const admitted = await bucket.take(5_000).then(() => 'taken');

    // Assess
    expect(refused).toBeInstanceOf(Ec2BudgetSpentError);
    // A taker 5 s from now would wait 5 s, the bound: that is when asking again is worth it.
    expect((refused as Ec2BudgetSpentError).retryAfterSeconds).toBe(5);
    expect((refused as Error).message).toMatch(/served again in about 5 s/);
    expect((refusedAgain as Ec2BudgetSpentError).retryAfterSeconds).toBe(5);
    expect(admitted).toBe('taken');
  });

  it('charges narrowed Describes to the larger bucket, as EC2 does', () => {
    // Act and Assess
    expect(
      categoryOf('DescribeNetworkInterfaces', isFilteredOrPaged({ NetworkInterfaceIds: ['eni-1'] })),
    ).toBe('non-mutating');
    expect(
      categoryOf('DescribeInstances', isFilteredOrPaged({ Filters: [{ Name: 'vpc-id', Values: ['v'] }] })),
    ).toBe('non-mutating');
    expect(categoryOf('DescribeInstances', isFilteredOrPaged({ MaxResults: 5 }))).toBe('non-mutating');
    expect(categoryOf('DescribeInstances', isFilteredOrPaged({ Filters: [] }))).toBe('unfiltered-describe');
    expect(categoryOf('DescribeInstances', isFilteredOrPaged({}))).toBe('unfiltered-describe');
  });
});

describe('Class: Ec2Budget', () => {
  it('keeps a bucket per action, so one action spending its budget leaves the others theirs', async () => {
    // Prepare: one token per action, none refilled within the test
    const budget = new Ec2Budget({ 'ip-and-eni': { capacity: 1, refillPerSecond: 0.01 } }, 1_000);
    await budget.take('CreateNetworkInterface');

    // Act
    const sameAction = await budget.take('CreateNetworkInterface').catch((e: unknown) => e);
    const sameCategory = await budget.take('AssignPrivateIpAddresses').then(() => 'taken');

    // Assess
    expect(sameAction).toBeInstanceOf(Ec2BudgetSpentError);
    expect(sameCategory).toBe('taken');
  });

  it('lets warm-pool calls draw only on what is above the share kept for waiting pods', async () => {
    // Prepare: 8 tokens, none refilled within the test; a quarter (2) is kept for pods
    const budget = new Ec2Budget({ 'ip-and-eni': { capacity: 8, refillPerSecond: 0.01 } }, 1_000);
    const surplusAfterEachTake: boolean[] = [];

    // Act
    for (let i = 0; i < 7; i++) {
      surplusAfterEachTake.push(budget.hasSurplus('AssignPrivateIpAddresses'));
      await budget.take('AssignPrivateIpAddresses');
    }

    // Assess: 6 tokens could go to warm pools, the last 2 only to calls pods wait on
    expect(surplusAfterEachTake).toEqual([true, true, true, true, true, true, false]);
    expect(budget.hasSurplus('CreateNetworkInterface')).toBe(true);
  });
});
