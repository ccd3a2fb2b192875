/** Pure logic of the simulator (token buckets, fault rules, Query parameters), with a fake clock where time matters. */
import { FaultInjector } from '../../../infra/local/ec2/faults';
import { Ec2Model } from '../../../infra/local/ec2/model/ec2-model';
import { QueryParams } from '../../../infra/local/ec2/query/params';
import { categoryOf, EC2_BUCKETS, Throttler } from '../../../infra/local/ec2/throttling';

describe('Class: Throttler', () => {
  it('admits a full bucket, refuses the next call, and refills at the documented rate', () => {
    // Prepare
    let now = 0;
    const throttler = new Throttler(() => now);
    // Act
    const burst = Array.from({ length: 51 }, () => throttler.admit('AttachNetworkInterface', false));
    now += 1000; // mutating refills 5 per second
    const afterOneSecond = Array.from({ length: 6 }, () => throttler.admit('AttachNetworkInterface', false));
    // Assess
    expect(burst.filter(Boolean)).toHaveLength(50);
    expect(burst[50]).toBe(false);
    expect(afterOneSecond).toEqual([true, true, true, true, true, false]);
  });

  it('keeps a bucket per action, sized by its category', () => {
    // Prepare
    const throttler = new Throttler(() => 0);
    throttler.configure({ mutating: { capacity: 1 } });
    // Act
    const first = throttler.admit('AttachNetworkInterface', false);
    const again = throttler.admit('AttachNetworkInterface', false);
    const sameCategory = throttler.admit('DetachNetworkInterface', false);
    const other = throttler.admit('CreateTags', false);
    // Assess
    expect([first, again, sameCategory, other]).toEqual([true, false, true, true]);
  });

  it('charges an unfiltered Describe to its own smaller bucket, apart from the narrowed one', () => {
    // Prepare
    const throttler = new Throttler(() => 0);
    throttler.configure({ unfilteredDescribe: { capacity: 1 } });
    // Act
    const unfiltered = [false, false].map(() => throttler.admit('DescribeInstances', false));
    const narrowed = throttler.admit('DescribeInstances', true);
    // Assess
    expect(unfiltered).toEqual([true, false]);
    expect(narrowed).toBe(true);
  });

  it.each([
    ['DescribeNetworkInterfaces', false, 'unfilteredDescribe'],
    ['DescribeNetworkInterfaces', true, 'nonMutating'],
    ['DescribeSubnets', false, 'nonMutating'],
    ['AssignPrivateIpAddresses', false, 'networkInterface'],
    ['CreateNetworkInterface', false, 'networkInterface'],
    ['AttachNetworkInterface', false, 'mutating'],
    ['CreateTags', false, 'tags'],
    ['RunInstances', false, 'runInstances'],
  ] as const)('puts %s (filtered=%s) in the %s bucket', (action, filtered, category) => {
    // Act
    const found = categoryOf(action, filtered);
    // Assess
    expect(found).toBe(category);
    expect(EC2_BUCKETS[found]).toBeDefined();
  });
});

describe('Class: FaultInjector', () => {
  it('fails exactly the next N calls of the named action', () => {
    // Prepare
    const faults = new FaultInjector();
    faults.failNext('AssignPrivateIpAddresses', 2, 'InsufficientFreeAddressesInSubnet');
    // Act
    const results = [
      faults.check('DescribeSubnets'),
      faults.check('AssignPrivateIpAddresses'),
      faults.check('AssignPrivateIpAddresses'),
      faults.check('AssignPrivateIpAddresses'),
    ];
    // Assess
    expect(results.map((e) => e?.code)).toEqual([
      undefined,
      'InsufficientFreeAddressesInSubnet',
      'InsufficientFreeAddressesInSubnet',
      undefined,
    ]);
    expect(results[1]?.status).toBe(400);
  });

  it('fails the given fraction of calls', () => {
    // Prepare: a fixed sequence stands in for the random source.
    const draws = [0.1, 0.9, 0.2, 0.8];
    const faults = new FaultInjector(() => draws.shift() ?? 1);
    faults.failFraction('*', 0.5);
    // Act
    const codes = Array.from({ length: 4 }, () => faults.check('DescribeVpcs')?.code);
    // Assess
    expect(codes).toEqual(['InternalError', undefined, 'InternalError', undefined]);
  });

  it('rejects a rule with neither or both of count and fraction', () => {
    // Prepare
    const faults = new FaultInjector();
    // Act
    const neither = () => faults.add({ action: 'X' });
    const both = () => faults.add({ action: 'X', count: 1, fraction: 0.5 });
    // Assess
    expect(neither).toThrow(/exactly one of count/);
    expect(both).toThrow(/exactly one of count/);
    expect(faults.list()).toEqual([]);
  });
});

describe('Class: QueryParams', () => {
  it('reads lists, filters and tag specifications as the SDK serializes them', () => {
    // Prepare
    const params = new QueryParams(
      'Action=CreateNetworkInterface&SecurityGroupId.2=sg-b&SecurityGroupId.1=sg-a&Filter.1.Name=tag%3Ak' +
        '&Filter.1.Value.1=a&Filter.1.Value.2=b&TagSpecification.1.ResourceType=network-interface' +
        '&TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=v',
    );
    // Act
    const groups = params.list('SecurityGroupId');
    const filters = params.filters();
    const tags = params.tagSpecifications('network-interface');
    // Assess
    expect(params.action).toBe('CreateNetworkInterface');
    expect(groups).toEqual(['sg-a', 'sg-b']);
    expect(filters).toEqual([{ name: 'tag:k', values: ['a', 'b'] }]);
    expect(tags).toEqual({ 'network-interface': [{ key: 'k', value: 'v' }] });
  });

  it('names the parameter and value it cannot use', () => {
    // Prepare
    const params = new QueryParams('DeviceIndex=one&DeleteOnTermination=yes');
    // Act
    const badInt = () => params.int('DeviceIndex');
    const badBool = () => params.bool('DeleteOnTermination');
    const missing = () => params.required('NetworkInterfaceId');
    // Assess
    expect(badInt).toThrow(/Value \(one\) for parameter DeviceIndex is invalid/);
    expect(badBool).toThrow(/Value \(yes\) for parameter DeleteOnTermination is invalid/);
    expect(missing).toThrow(expect.objectContaining({ code: 'MissingParameter' }));
  });
});

describe('Class: Ec2Model', () => {
  it('keeps serving when a change listener throws, reports it, and honours once()', () => {
    // Prepare
    const failures: string[] = [];
    const model = new Ec2Model({
      onListenerError: (error, event) => failures.push(`${event.kind}: ${String(error)}`),
    });
    const seen: string[] = [];
    model.on('change', () => {
      throw new Error('listener bug');
    });
    model.once('change', (e) => seen.push(e.kind));
    try {
      // Act
      const vpc = model.createVpc({ cidrBlock: '10.0.0.0/16' });
      const subnet = model.createSubnet({ vpcId: vpc.vpcId, cidrBlock: '10.0.0.0/24' });
      const eni = model.createNetworkInterface({
        subnetId: subnet.subnetId,
        groupIds: [],
        secondaryPrivateIpAddresses: [],
        ipv4Prefixes: [],
        tags: new Map(),
      });
      // Assess
      expect(model.getNetworkInterface(eni.networkInterfaceId)).toBeDefined();
      expect(seen).toEqual(['eni-created']);
      expect(failures).toContain('eni-created: Error: listener bug');
    } finally {
      model.dispose();
    }
  });
});
