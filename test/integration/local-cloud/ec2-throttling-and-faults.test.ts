import {
  CreateNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { type Ec2Simulator, startEc2Simulator } from '../../../infra/local/ec2';
import { ec2ClientFor, errorCodeOf, TEST_SCENARIO } from './sdk-clients';

async function post(sim: Ec2Simulator, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(sim.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

async function admin(sim: Ec2Simulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.endpoint}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('EC2 simulator: throttling', () => {
  let sim: Ec2Simulator | undefined;

  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('throttles a burst over the documented unfiltered-Describe bucket (50, 10/s) with RequestLimitExceeded and 503', async () => {
    // Prepare
    sim = await startEc2Simulator({ scenario: TEST_SCENARIO });
    const ec2 = ec2ClientFor(sim, 1);
    try {
      // Act
      const started = performance.now();
      const codes = await Promise.all(
        Array.from({ length: 100 }, () => errorCodeOf(ec2.send(new DescribeNetworkInterfacesCommand({})))),
      );
      const elapsedSeconds = (performance.now() - started) / 1000;
      sim.setThrottling({ unfilteredDescribe: { capacity: 1, refillPerSecond: 0 } });
      await post(sim, 'Action=DescribeNetworkInterfaces&Version=2016-11-15');
      const raw = await post(sim, 'Action=DescribeNetworkInterfaces&Version=2016-11-15');
      // Assess: 50 in the bucket plus what 10 per second refilled while the burst ran.
      const served = codes.filter((c) => c === 'resolved').length;
      const throttled = codes.filter((c) => c === 'RequestLimitExceeded').length;
      expect(served + throttled).toBe(100);
      expect(served).toBeGreaterThanOrEqual(50);
      expect(served).toBeLessThanOrEqual(50 + Math.ceil(elapsedSeconds * 10) + 1);
      expect(raw.status).toBe(503);
      expect(raw.text).toContain('<Code>RequestLimitExceeded</Code>');
      expect(sim.stats().actions.DescribeNetworkInterfaces?.throttled).toBe(throttled + 1);
    } finally {
      ec2.destroy();
    }
  });

  it('lets the SDK retry recover from throttling', async () => {
    // Prepare: a small bucket that refills quickly, so the retries get through.
    sim = await startEc2Simulator({
      scenario: TEST_SCENARIO,
      throttling: { nonMutating: { capacity: 5, refillPerSecond: 20 } },
    });
    const ec2 = ec2ClientFor(sim, 8);
    try {
      // Act
      const codes = await Promise.all(
        Array.from({ length: 15 }, () => errorCodeOf(ec2.send(new DescribeVpcsCommand({ MaxResults: 5 })))),
      );
      // Assess
      expect(codes.every((c) => c === 'resolved')).toBe(true);
      expect(sim.stats().actions.DescribeVpcs?.throttled).toBeGreaterThan(0);
    } finally {
      ec2.destroy();
    }
  });

  it('stops throttling when turned off through the admin route', async () => {
    // Prepare
    sim = await startEc2Simulator({ throttling: { mutating: { capacity: 1, refillPerSecond: 0 } } });
    // Act
    const off = await admin(sim, 'PUT', '/_sim/throttling', { enabled: false });
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        post(sim!, 'Action=CreateVpc&Version=2016-11-15&CidrBlock=10.1.0.0%2F16'),
      ),
    );
    // Assess
    expect(off.body.enabled).toBe(false);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });
});

describe('EC2 simulator: faults, latency, stats and malformed requests', () => {
  let sim: Ec2Simulator;

  beforeAll(async () => {
    sim = await startEc2Simulator({ scenario: TEST_SCENARIO, throttling: false });
  });

  afterAll(async () => {
    await sim?.stop();
  });

  beforeEach(() => {
    sim.faults.clear();
    sim.resetStats();
    sim.setLatency(0);
  });

  it('fails the next N calls of an action with the injected code, then serves again', async () => {
    // Prepare
    const ec2 = ec2ClientFor(sim, 1);
    const set = await admin(sim, 'POST', '/_sim/faults', {
      action: 'CreateNetworkInterface',
      count: 2,
      code: 'Unavailable',
    });
    const before = sim.model.listNetworkInterfaces().length;
    try {
      // Act
      const codes = [];
      for (let i = 0; i < 3; i++) {
        codes.push(
          await errorCodeOf(
            ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: sim.scenario.subnets.a! })),
          ),
        );
      }
      const stats = await admin(sim, 'GET', '/_sim/stats');
      // Assess
      expect(set.status).toBe(200);
      expect(codes).toEqual(['Unavailable', 'Unavailable', 'resolved']);
      expect(sim.model.listNetworkInterfaces()).toHaveLength(before + 1);
      expect(stats.body.actions).toMatchObject({
        CreateNetworkInterface: { calls: 3, faults: 2, errors: { Unavailable: 2 } },
      });
    } finally {
      ec2.destroy();
    }
  });

  it('fails a fraction of calls until the fault is cleared', async () => {
    // Prepare
    sim.faults.failFraction('DescribeVpcs', 1, 'InternalError');
    // Act
    const during = await post(sim, 'Action=DescribeVpcs&Version=2016-11-15');
    await admin(sim, 'DELETE', '/_sim/faults');
    const after = await post(sim, 'Action=DescribeVpcs&Version=2016-11-15');
    // Assess
    expect(during.status).toBe(500);
    expect(during.text).toContain('<Code>InternalError</Code>');
    expect(after.status).toBe(200);
  });

  it('adds the configured latency to every call, or to one action', async () => {
    // Prepare
    const timed = async (action: string) => {
      const started = performance.now();
      await post(sim, `Action=${action}&Version=2016-11-15`);
      return performance.now() - started;
    };
    await admin(sim, 'PUT', '/_sim/latency', { ms: 150 });
    try {
      // Act
      const everyCall = await timed('DescribeRegions');
      await admin(sim, 'PUT', '/_sim/latency', { ms: 0 });
      const answer = await admin(sim, 'PUT', '/_sim/latency', { ms: 300, action: 'DescribeVpcs' });
      const slowAction = await timed('DescribeVpcs');
      const otherAction = await timed('DescribeRegions');
      // Assess
      expect(everyCall).toBeGreaterThanOrEqual(140);
      expect(answer.body).toEqual({ ms: 0, actions: { DescribeVpcs: 300 } });
      expect(slowAction).toBeGreaterThanOrEqual(290);
      expect(otherAction).toBeLessThan(slowAction);
    } finally {
      sim.setLatency(0, 'DescribeVpcs');
    }
  });

  it('rejects bad admin input naming the field and changes nothing', async () => {
    // Act
    const bad = await admin(sim, 'POST', '/_sim/faults', { action: 'DescribeVpcs', count: 0 });
    const latency = await admin(sim, 'PUT', '/_sim/latency', { ms: -1 });
    // Assess
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toContain('count');
    expect(latency.status).toBe(400);
    expect(String(latency.body.error)).toContain('ms');
    expect(sim.faults.list()).toEqual([]);
  });

  it.each([
    ['Version=2016-11-15', 'MissingAction'],
    ['Action=LaunchRockets&Version=2016-11-15', 'InvalidAction'],
    [
      'Action=AssignPrivateIpAddresses&Version=2016-11-15&SecondaryPrivateIpAddressCount=2',
      'MissingParameter',
    ],
    [
      'Action=CreateNetworkInterface&Version=2016-11-15&SubnetId=SUBNET&SecondaryPrivateIpAddressCount=two',
      'InvalidParameterValue',
    ],
    [
      'Action=CreateNetworkInterface&Version=2016-11-15&SubnetId=subnet-0ffffffffffffffff',
      'InvalidSubnetID.NotFound',
    ],
    [
      'Action=CreateNetworkInterface&Version=2016-11-15&SubnetId=SUBNET&PrivateIpAddress=10.0.9.9',
      'InvalidParameterValue',
    ],
    [
      'Action=AttachNetworkInterface&Version=2016-11-15&NetworkInterfaceId=eni-0ffffffffffffffff&InstanceId=i-0ffffffffffffffff&DeviceIndex=1',
      'InvalidNetworkInterfaceID.NotFound',
    ],
    ['Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F33', 'InvalidParameterValue'],
  ])('answers %s with %s in EC2 error document and changes nothing', async (body, code) => {
    // Prepare
    const interfaces = sim.model.listNetworkInterfaces().length;
    const free = sim.model.availableAddressCount(sim.model.getSubnet(sim.scenario.subnets.a!)!);
    // Act
    const res = await post(sim, body.replace('SUBNET', sim.scenario.subnets.a!));
    // Assess
    expect(res.status).toBe(400);
    expect(res.text).toMatch(
      new RegExp(
        `^<\\?xml[^>]*>\\s*<Response><Errors><Error><Code>${code.replace('.', '\\.')}</Code><Message>[^<]+</Message></Error></Errors><RequestID>[0-9a-f-]{36}</RequestID></Response>$`,
      ),
    );
    expect(sim.model.listNetworkInterfaces()).toHaveLength(interfaces);
    expect(sim.model.availableAddressCount(sim.model.getSubnet(sim.scenario.subnets.a!)!)).toBe(free);
  });
});
