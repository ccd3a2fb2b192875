import { categoryOf, TokenBucket } from '../../../core/ec2/budget';

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
});
