import {
  AssignPrivateIpAddressesCommand,
  CreateNetworkInterfaceCommand,
  type CreateNetworkInterfaceCommandInput,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  type EC2Client,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import { type Ec2Simulator, startEc2Simulator } from '../../../infra/local/ec2';
import { createEni } from './ec2-steps';
import { ec2ClientFor, errorCodeOf, TEST_SCENARIO } from './sdk-clients';

describe('EC2 simulator: addresses, prefixes and ClientToken through @aws-sdk/client-ec2', () => {
  let sim: Ec2Simulator;
  let ec2: EC2Client;
  let subnetA: string;
  let groupId: string;

  beforeAll(async () => {
    sim = await startEc2Simulator({ scenario: TEST_SCENARIO, throttling: false });
    ec2 = ec2ClientFor(sim);
    subnetA = sim.scenario.subnets.a!;
    groupId = sim.scenario.securityGroups.nodes!;
  });

  afterAll(async () => {
    ec2?.destroy();
    await sim?.stop();
  });

  const newEni = (extra: Partial<CreateNetworkInterfaceCommandInput> = {}) =>
    createEni(ec2, { SubnetId: subnetA, Groups: [groupId], ...extra });

  describe('addresses and prefixes', () => {
    it('lists only the new addresses in the answer and moves AvailableIpAddressCount', async () => {
      // Prepare
      const eni = await newEni({ SecondaryPrivateIpAddressCount: 2 });
      const before = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetA] }))).Subnets![0]!
        .AvailableIpAddressCount!;
      // Act
      const out = await ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni.NetworkInterfaceId,
          SecondaryPrivateIpAddressCount: 3,
        }),
      );
      // Assess
      const after = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetA] }))).Subnets![0]!
        .AvailableIpAddressCount!;
      const newOnes = out.AssignedPrivateIpAddresses!.map((a) => a.PrivateIpAddress);
      expect(newOnes).toHaveLength(3);
      expect(newOnes).not.toContain(eni.PrivateIpAddress);
      for (const old of eni.PrivateIpAddresses!) expect(newOnes).not.toContain(old.PrivateIpAddress);
      expect(after).toBe(before - 3);
    });

    it('hands out aligned /28 prefixes that overlap no address in use', async () => {
      // Prepare: a few single addresses first, so a naive allocator would overlap them.
      const eni = await newEni({ SecondaryPrivateIpAddressCount: 5 });
      // Act
      const out = await ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni.NetworkInterfaceId,
          Ipv4PrefixCount: 3,
        }),
      );
      // Assess
      const prefixes = out.AssignedIpv4Prefixes!.map((p) => p.Ipv4Prefix!);
      expect(prefixes).toHaveLength(3);
      const all = (
        await ec2.send(
          new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: [subnetA] }] }),
        )
      ).NetworkInterfaces!;
      const singles = all.flatMap((n) => n.PrivateIpAddresses!.map((a) => a.PrivateIpAddress!));
      const toInt = (ip: string) => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
      for (const p of prefixes) {
        const [network, length] = p.split('/');
        expect(length).toBe('28');
        expect(toInt(network!) % 16).toBe(0);
        for (const s of singles)
          expect(toInt(s) >= toInt(network!) && toInt(s) < toInt(network!) + 16).toBe(false);
      }
      expect(new Set(prefixes).size).toBe(3);
    });

    it('unassigns addresses and prefixes but never the primary', async () => {
      // Prepare
      const eni = await newEni({ SecondaryPrivateIpAddressCount: 1, Ipv4PrefixCount: 1 });
      const secondary = eni.PrivateIpAddresses!.find((a) => !a.Primary)!.PrivateIpAddress!;
      const prefix = eni.Ipv4Prefixes![0]!.Ipv4Prefix!;
      // Act
      const primaryCode = await errorCodeOf(
        ec2.send(
          new UnassignPrivateIpAddressesCommand({
            NetworkInterfaceId: eni.NetworkInterfaceId,
            PrivateIpAddresses: [eni.PrivateIpAddress!],
          }),
        ),
      );
      await ec2.send(
        new UnassignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni.NetworkInterfaceId,
          PrivateIpAddresses: [secondary],
          Ipv4Prefixes: [prefix],
        }),
      );
      // Assess
      expect(primaryCode).toBe('InvalidParameterValue');
      const record = sim.model.getNetworkInterface(eni.NetworkInterfaceId!)!;
      expect(record.secondaryIps).toEqual([]);
      expect(record.prefixes).toEqual([]);
      expect(record.primaryIp).toBe(eni.PrivateIpAddress);
    });
  });

  describe('ClientToken', () => {
    it('returns the same interface for a retried create and refuses the token with other parameters', async () => {
      // Prepare
      const input = {
        SubnetId: subnetA,
        Groups: [groupId],
        ClientToken: 'retry-token-1',
        Description: 'first',
      };
      const count = sim.model.listNetworkInterfaces().length;
      // Act
      const first = await ec2.send(new CreateNetworkInterfaceCommand(input));
      const again = await ec2.send(new CreateNetworkInterfaceCommand(input));
      const mismatch = await errorCodeOf(
        ec2.send(new CreateNetworkInterfaceCommand({ ...input, Description: 'other' })),
      );
      // Assess
      expect(again.NetworkInterface!.NetworkInterfaceId).toBe(first.NetworkInterface!.NetworkInterfaceId);
      expect(sim.model.listNetworkInterfaces()).toHaveLength(count + 1);
      expect(mismatch).toBe('IdempotentParameterMismatch');
    });
  });
});
