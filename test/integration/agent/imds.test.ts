import { type Ec2Simulator, startEc2Simulator } from '../../../infra/local/ec2';
import { LocalIam } from '../../../infra/local/iam';
import { type ImdsServer, startImds } from '../../../infra/local/imds';
import { nodeCredentials } from '../../../node-agent/control-plane/credentials';
import { readInstanceIdentity, regionOf } from '../../../node-agent/imds';

const SCENARIO = {
  vpcs: [
    {
      name: 'vpc',
      cidrBlock: '10.20.0.0/16',
      subnets: [{ name: 'a', cidrBlock: '10.20.1.0/24', availabilityZone: 'us-east-1a' }],
      securityGroups: [{ name: 'nodes' }],
    },
  ],
  instances: [{ name: 'node', instanceType: 'm5.large', subnet: 'a', securityGroups: ['nodes'] }],
};

describe('Function: readInstanceIdentity', () => {
  let ec2: Ec2Simulator;
  let imds: ImdsServer;
  let instanceId: string;
  const iam = new LocalIam();

  beforeAll(async () => {
    ec2 = await startEc2Simulator({ scenario: SCENARIO, throttling: false });
    instanceId = ec2.scenario.instances.node![0]!;
    imds = await startImds({ model: ec2.model, instanceId, iam });
  });
  afterAll(async () => {
    await imds?.stop();
    await ec2?.stop();
  });

  it('reads identity, placement, MACs and VPC CIDRs over IMDSv2', async () => {
    // Act
    const identity = await readInstanceIdentity({ endpoint: imds.endpoint });

    // Assess
    expect(identity.instanceId).toBe(instanceId);
    expect(identity.instanceType).toBe('m5.large');
    expect(identity.availabilityZone).toBe('us-east-1a');
    expect(identity.region).toBe('us-east-1');
    expect(identity.vpcCidrs).toEqual(['10.20.0.0/16']);
    expect(identity.primaryIp).toMatch(/^10\.20\.1\.\d+$/);
    expect(identity.primaryMac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(identity.macs[0]).toBe(identity.primaryMac);
  });

  describe('nodeCredentials', () => {
    let saved: NodeJS.ProcessEnv;
    beforeEach(() => {
      // IMDS is found through the SDK's own variable; no shared file may answer instead.
      saved = { ...process.env };
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
        delete process.env[name];
      }
      process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.endpoint;
      process.env.AWS_CONFIG_FILE = '/nonexistent/config';
      process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    });
    afterEach(() => {
      process.env = saved;
    });

    it('gets the instance role’s credentials from IMDS, once while they are fresh', async () => {
      // Prepare
      const credentials = nodeCredentials();

      // Act
      const first = await credentials();
      const second = await credentials();

      // Assess
      expect(iam.lookup(first.accessKeyId)).toBeDefined();
      expect(first.sessionToken).toBeTruthy();
      expect(first.expiration).toBeInstanceOf(Date);
      expect(second).toBe(first);
    });

    it('prefers keys set in the environment', async () => {
      // Prepare
      process.env.AWS_ACCESS_KEY_ID = 'AKIDFROMENVIRONMENT0';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret-from-environment';

      // Act
      const credentials = await nodeCredentials()();

      // Assess
      expect(credentials.accessKeyId).toBe('AKIDFROMENVIRONMENT0');
      expect(credentials.secretAccessKey).toBe('secret-from-environment');
    });

    it('fails when neither the environment nor IMDS has credentials', async () => {
      // Prepare
      process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = 'http://127.0.0.1:9';

      // Act
      const attempt = nodeCredentials()();

      // Assess
      await expect(attempt).rejects.toThrow();
    });
  });

  it('fails with a DependencyError naming the path when IMDS is unreachable', async () => {
    // Act
    const attempt = readInstanceIdentity({ endpoint: 'http://127.0.0.1:9', retries: 0, timeoutMs: 500 });

    // Assess
    await expect(attempt).rejects.toThrow(/IMDS \/latest\/meta-data\/.* failed/);
  });

  it('derives the region from availability zones', () => {
    // Act / Assess
    expect(regionOf('eu-west-1b')).toBe('eu-west-1');
    expect(regionOf('us-east-1-bos-1a')).toBe('us-east-1');
    expect(() => regionOf('moon')).toThrow(/region of availability zone moon/);
  });
});
