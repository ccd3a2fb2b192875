import { EC2Client } from '@aws-sdk/client-ec2';
import type { Ec2Simulator } from '../../../infra/local/ec2';

/** The unmodified SDK client pointed at the simulator, with dummy static credentials. */
export function ec2ClientFor(simulator: Ec2Simulator, maxAttempts = 1): EC2Client {
  return new EC2Client({
    endpoint: simulator.endpoint,
    region: simulator.region,
    credentials: { accessKeyId: 'AKIDLOCALCLOUDTEST', secretAccessKey: 'local-cloud-test-secret' },
    maxAttempts,
  });
}

/** The error name (EC2 code) a rejected SDK call carries, or 'resolved' if it did not fail. */
export async function errorCodeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'resolved';
  } catch (error) {
    return (error as Error).name;
  }
}

export const TEST_SCENARIO = {
  vpcs: [
    {
      name: 'vpc',
      cidrBlock: '10.0.0.0/16',
      subnets: [
        {
          name: 'a',
          cidrBlock: '10.0.0.0/24',
          availabilityZone: 'us-east-1a',
          tags: { 'kubernetes.io/role/cni': '1' },
        },
        {
          name: 'b',
          cidrBlock: '10.0.1.0/24',
          availabilityZone: 'us-east-1b',
          tags: { 'kubernetes.io/role/cni': '1' },
        },
        { name: 'tiny', cidrBlock: '10.0.2.0/28', availabilityZone: 'us-east-1a' },
      ],
      securityGroups: [{ name: 'nodes' }],
    },
  ],
};

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
