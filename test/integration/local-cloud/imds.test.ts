import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { fromInstanceMetadata } from '@aws-sdk/credential-providers';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { type Ec2Simulator, startEc2Simulator } from '../../../infra/local/ec2';
import { LocalIam } from '../../../infra/local/iam';
import { type ImdsServer, startImds } from '../../../infra/local/imds';
import { ec2ClientFor, TEST_SCENARIO, waitFor } from './sdk-clients';

describe('IMDS simulator', () => {
  let sim: Ec2Simulator;
  let ec2: EC2Client;
  let iam: LocalIam;
  let imds: ImdsServer;
  let instanceId: string;
  const savedEndpoint = process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;

  beforeAll(async () => {
    sim = await startEc2Simulator({ scenario: TEST_SCENARIO, attachDelayMs: 30 });
    ec2 = ec2ClientFor(sim);
    iam = new LocalIam();
    const [instance] = sim.model.runInstances({
      imageId: 'ami-1',
      instanceType: 'm5.large',
      count: 1,
      minCount: 1,
      subnetId: sim.scenario.subnets.a!,
      groupIds: [sim.scenario.securityGroups.nodes!],
      instanceTags: new Map(),
      interfaceTags: new Map(),
    });
    instanceId = instance!.instanceId;
    await waitFor(async () => (sim.model.getInstance(instanceId)?.state === 'running' ? true : undefined));
    imds = await startImds({ model: sim.model, instanceId, iam });
  });

  afterAll(async () => {
    if (savedEndpoint === undefined) delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    else process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = savedEndpoint;
    ec2?.destroy();
    await imds?.stop();
    await sim?.stop();
  });

  async function token(ttl: string): Promise<Response> {
    return fetch(`${imds.endpoint}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': ttl },
    });
  }

  async function get(path: string, sessionToken?: string): Promise<Response> {
    return fetch(`${imds.endpoint}${path}`, {
      headers: sessionToken ? { 'x-aws-ec2-metadata-token': sessionToken } : {},
    });
  }

  describe('IMDSv2 token rules', () => {
    it('issues tokens for TTLs of 1 to 21600 seconds and refuses others with 400', async () => {
      // Act
      const statuses = await Promise.all(
        ['0', '21601', 'abc', '1', '21600'].map(async (t) => (await token(t)).status),
      );
      const missing = await fetch(`${imds.endpoint}/latest/api/token`, { method: 'PUT' });
      // Assess
      expect(statuses).toEqual([400, 400, 400, 200, 200]);
      expect(missing.status).toBe(400);
    });

    it('answers 401 without a token, with an unknown token and with an expired one', async () => {
      // Prepare
      const shortLived = await (await token('1')).text();
      const valid = await (await token('60')).text();
      // Act
      const none = await get('/latest/meta-data/instance-id');
      const unknown = await get('/latest/meta-data/instance-id', 'not-a-token');
      const fresh = await get('/latest/meta-data/instance-id', shortLived);
      await new Promise((r) => setTimeout(r, 1100));
      const expired = await get('/latest/meta-data/instance-id', shortLived);
      const stillValid = await get('/latest/meta-data/instance-id', valid);
      // Assess
      expect(none.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(fresh.status).toBe(200);
      expect(expired.status).toBe(401);
      expect(await stillValid.text()).toBe(instanceId);
    });
  });

  describe('through @aws-sdk/ec2-metadata-service', () => {
    it('answers the instance and interface paths from the EC2 state', async () => {
      // Prepare
      const metadata = new MetadataService({ endpoint: imds.endpoint });
      const instance = sim.model.getInstance(instanceId)!;
      const primary = sim.model.getNetworkInterface(instance.primaryEniId)!;
      const base = `/latest/meta-data/network/interfaces/macs/${primary.macAddress}`;
      // Act
      const seen = {
        id: await metadata.request('/latest/meta-data/instance-id', {}),
        type: await metadata.request('/latest/meta-data/instance-type', {}),
        zone: await metadata.request('/latest/meta-data/placement/availability-zone', {}),
        mac: await metadata.request('/latest/meta-data/mac', {}),
        device: await metadata.request(`${base}/device-number`, {}),
        eni: await metadata.request(`${base}/interface-id`, {}),
        ips: await metadata.request(`${base}/local-ipv4s`, {}),
        subnet: await metadata.request(`${base}/subnet-id`, {}),
        subnetCidr: await metadata.request(`${base}/subnet-ipv4-cidr-block`, {}),
        vpcCidrs: await metadata.request(`${base}/vpc-ipv4-cidr-blocks`, {}),
        groups: await metadata.request(`${base}/security-group-ids`, {}),
      };
      // Assess
      expect(seen).toEqual({
        id: instanceId,
        type: 'm5.large',
        zone: 'us-east-1a',
        mac: primary.macAddress,
        device: '0',
        eni: primary.networkInterfaceId,
        ips: primary.primaryIp,
        subnet: sim.scenario.subnets.a,
        subnetCidr: '10.0.0.0/24',
        vpcCidrs: '10.0.0.0/16',
        groups: sim.scenario.securityGroups.nodes,
      });
    });

    it('follows an attach and an assign made through the EC2 API', async () => {
      // Prepare
      const metadata = new MetadataService({ endpoint: imds.endpoint });
      const eni = (
        await ec2.send(
          new CreateNetworkInterfaceCommand({
            SubnetId: sim.scenario.subnets.a!,
            SecondaryPrivateIpAddressCount: 1,
          }),
        )
      ).NetworkInterface!;
      // Act
      await ec2.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: eni.NetworkInterfaceId,
          InstanceId: instanceId,
          DeviceIndex: 1,
        }),
      );
      const macs = await waitFor(async () => {
        const list = (await metadata.request('/latest/meta-data/network/interfaces/macs/', {})).split('\n');
        return list.length === 2 ? list : undefined;
      });
      const assigned = await ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni.NetworkInterfaceId,
          SecondaryPrivateIpAddressCount: 2,
        }),
      );
      await ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni.NetworkInterfaceId,
          Ipv4PrefixCount: 1,
        }),
      );
      const base = `/latest/meta-data/network/interfaces/macs/${eni.MacAddress}`;
      const ips = (await metadata.request(`${base}/local-ipv4s`, {})).split('\n');
      const prefixes = await metadata.request(`${base}/ipv4-prefix`, {});
      const device = await metadata.request(`${base}/device-number`, {});
      // Assess
      expect(macs).toContain(`${eni.MacAddress}/`);
      expect(device).toBe('1');
      expect(ips).toEqual([
        eni.PrivateIpAddress,
        ...eni.PrivateIpAddresses!.filter((a) => !a.Primary).map((a) => a.PrivateIpAddress),
        ...assigned.AssignedPrivateIpAddresses!.map((a) => a.PrivateIpAddress),
      ]);
      expect(prefixes).toBe(sim.model.getNetworkInterface(eni.NetworkInterfaceId!)!.prefixes[0]);
    });
  });

  describe('instance-role credentials', () => {
    it('gives fromInstanceMetadata credentials that LocalIam knows as the instance', async () => {
      // Prepare
      process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.endpoint;
      const provider = fromInstanceMetadata({ timeout: 2000 });
      // Act
      const credentials = await provider();
      // Assess
      const known = iam.lookup(credentials.accessKeyId);
      expect(known).toMatchObject({
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
        roleName: 'ledger-node',
        sessionName: instanceId,
        arn: `arn:aws:sts::111122223333:assumed-role/ledger-node/${instanceId}`,
      });
      expect(credentials.expiration!.getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);
    });

    it('lists the role under security-credentials/', async () => {
      // Prepare
      const metadata = new MetadataService({ endpoint: imds.endpoint });
      // Act
      const roles = await metadata.request('/latest/meta-data/iam/security-credentials/', {});
      // Assess
      expect(roles).toBe('ledger-node');
    });
  });
});

describe('Class: LocalIam', () => {
  it('issues credentials with an assumed-role ARN and refuses bad names without issuing', () => {
    // Prepare
    const iam = new LocalIam('444455556666');
    // Act
    const issued = iam.issueRoleCredentials('ledger-node', 'i-0123456789abcdef0');
    const bad = () => iam.issueRoleCredentials('bad role', 'x');
    // Assess
    expect(issued.arn).toBe('arn:aws:sts::444455556666:assumed-role/ledger-node/i-0123456789abcdef0');
    expect(issued.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(iam.lookup(issued.accessKeyId)?.secretAccessKey).toBe(issued.secretAccessKey);
    expect(bad).toThrow(/roleName="bad role"/);
    expect(iam.lookup('ASIAUNKNOWN')).toBeUndefined();
  });
});
