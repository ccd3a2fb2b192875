import {
  type _InstanceType,
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  type CreateNetworkInterfaceCommandInput,
  DeleteNetworkInterfaceCommand,
  DescribeInstanceTypesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DetachNetworkInterfaceCommand,
  type EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  RunInstancesCommand,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import { type Ec2ChangeEvent, type Ec2Simulator, startEc2Simulator } from '../../../infra/local/ec2';
import { ec2ClientFor, errorCodeOf, TEST_SCENARIO, waitFor } from './sdk-clients';

describe('EC2 simulator: network interfaces through @aws-sdk/client-ec2', () => {
  let sim: Ec2Simulator;
  let ec2: EC2Client;
  let subnetA: string;
  let groupId: string;

  beforeAll(async () => {
    sim = await startEc2Simulator({ scenario: TEST_SCENARIO, attachDelayMs: 150, detachDelayMs: 150 });
    ec2 = ec2ClientFor(sim);
    subnetA = sim.scenario.subnets.a!;
    groupId = sim.scenario.securityGroups.nodes!;
  });

  afterAll(async () => {
    ec2?.destroy();
    await sim?.stop();
  });

  async function launch(instanceType: _InstanceType): Promise<string> {
    const out = await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-1',
        InstanceType: instanceType,
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnetA,
      }),
    );
    const id = out.Instances![0]!.InstanceId!;
    await waitFor(async () => (sim.model.getInstance(id)?.state === 'running' ? true : undefined));
    return id;
  }

  async function newEni(extra: Partial<CreateNetworkInterfaceCommandInput> = {}) {
    const out = await ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: subnetA, Groups: [groupId], ...extra }),
    );
    return out.NetworkInterface!;
  }

  describe('limits per instance type', () => {
    it('serves the TSV limits through DescribeInstanceTypes', async () => {
      // Act
      const out = await ec2.send(
        new DescribeInstanceTypesCommand({ InstanceTypes: ['m5.large', 't3.nano'] }),
      );
      // Assess
      const byType = Object.fromEntries(out.InstanceTypes!.map((t) => [t.InstanceType, t.NetworkInfo]));
      expect(byType['m5.large']).toMatchObject({
        MaximumNetworkInterfaces: 3,
        Ipv4AddressesPerInterface: 10,
      });
      expect(byType['t3.nano']).toMatchObject({ MaximumNetworkInterfaces: 2, Ipv4AddressesPerInterface: 2 });
    });

    it('refuses a third interface on a t3.nano with AttachmentLimitExceeded', async () => {
      // Prepare
      const instanceId = await launch('t3.nano');
      const first = await newEni();
      const second = await newEni();
      await ec2.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: first.NetworkInterfaceId,
          InstanceId: instanceId,
          DeviceIndex: 1,
        }),
      );
      // Act
      const code = await errorCodeOf(
        ec2.send(
          new AttachNetworkInterfaceCommand({
            NetworkInterfaceId: second.NetworkInterfaceId,
            InstanceId: instanceId,
            DeviceIndex: 2,
          }),
        ),
      );
      // Assess
      expect(code).toBe('AttachmentLimitExceeded');
      expect(sim.model.getNetworkInterface(second.NetworkInterfaceId!)?.attachment).toBeUndefined();
    });

    it('refuses addresses beyond Ipv4AddressesPerInterface with PrivateIpAddressLimitExceeded', async () => {
      // Prepare: m5.large allows 10 addresses per interface, the primary included.
      const instanceId = await launch('m5.large');
      const eni = await newEni();
      await ec2.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: eni.NetworkInterfaceId,
          InstanceId: instanceId,
          DeviceIndex: 1,
        }),
      );
      await ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni.NetworkInterfaceId,
          SecondaryPrivateIpAddressCount: 9,
        }),
      );
      // Act
      const code = await errorCodeOf(
        ec2.send(
          new AssignPrivateIpAddressesCommand({
            NetworkInterfaceId: eni.NetworkInterfaceId,
            SecondaryPrivateIpAddressCount: 1,
          }),
        ),
      );
      // Assess
      expect(code).toBe('PrivateIpAddressLimitExceeded');
      expect(sim.model.getNetworkInterface(eni.NetworkInterfaceId!)?.secondaryIps).toHaveLength(9);
    });

    it('refuses a device index already taken', async () => {
      // Prepare
      const instanceId = await launch('m5.large');
      // Act
      const code = await errorCodeOf(
        ec2.send(
          new AttachNetworkInterfaceCommand({
            NetworkInterfaceId: (await newEni()).NetworkInterfaceId,
            InstanceId: instanceId,
            DeviceIndex: 0,
          }),
        ),
      );
      // Assess
      expect(code).toBe('InvalidParameterValue');
    });
  });

  describe('attach and detach', () => {
    it('goes attaching → attached and detaching → available, announcing each end state', async () => {
      // Prepare
      const instanceId = await launch('m5.large');
      const eni = await newEni();
      const events: Ec2ChangeEvent[] = [];
      const record = (e: Ec2ChangeEvent) => events.push(e);
      sim.model.on('change', record);
      const statusOf = async () =>
        (
          await ec2.send(
            new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni.NetworkInterfaceId!] }),
          )
        ).NetworkInterfaces![0]!;
      // Act
      const { AttachmentId } = await ec2.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: eni.NetworkInterfaceId,
          InstanceId: instanceId,
          DeviceIndex: 1,
        }),
      );
      const during = await statusOf();
      const after = await waitFor(async () => {
        const s = await statusOf();
        return s.Attachment?.Status === 'attached' ? s : undefined;
      });
      await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId }));
      const detaching = await statusOf();
      const detached = await waitFor(async () => {
        const s = await statusOf();
        return s.Status === 'available' ? s : undefined;
      });
      sim.model.off('change', record);
      // Assess
      expect(during.Attachment?.Status).toBe('attaching');
      expect(after).toMatchObject({
        Status: 'in-use',
        Attachment: { InstanceId: instanceId, DeviceIndex: 1 },
      });
      expect(detaching.Attachment?.Status).toBe('detaching');
      expect(detached.Attachment).toBeUndefined();
      expect(events).toEqual(
        expect.arrayContaining([
          { kind: 'eni-attached', eniId: eni.NetworkInterfaceId, instanceId, deviceIndex: 1 },
          { kind: 'eni-detached', eniId: eni.NetworkInterfaceId, instanceId, deviceIndex: 1 },
        ]),
      );
    });

    it('refuses to delete an attached interface and to detach device 0', async () => {
      // Prepare
      const instanceId = await launch('m5.large');
      const primary = sim.model.interfacesOfInstance(instanceId)[0]!;
      // Act
      const deleteCode = await errorCodeOf(
        ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: primary.networkInterfaceId })),
      );
      const detachCode = await errorCodeOf(
        ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: primary.attachment!.attachmentId })),
      );
      // Assess
      expect(deleteCode).toBe('InvalidNetworkInterface.InUse');
      expect(detachCode).toBe('OperationNotPermitted');
      expect(sim.model.getNetworkInterface(primary.networkInterfaceId)?.attachment?.status).toBe('attached');
    });

    it('changes DeleteOnTermination, SourceDestCheck and groups through ModifyNetworkInterfaceAttribute', async () => {
      // Prepare
      const instanceId = await launch('m5.large');
      const primary = sim.model.interfacesOfInstance(instanceId)[0]!;
      // Act
      await ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: primary.networkInterfaceId,
          Attachment: { AttachmentId: primary.attachment!.attachmentId, DeleteOnTermination: false },
        }),
      );
      await ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: primary.networkInterfaceId,
          SourceDestCheck: { Value: false },
        }),
      );
      await ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: primary.networkInterfaceId,
          Groups: [groupId],
        }),
      );
      // Assess
      const seen = (
        await ec2.send(
          new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [primary.networkInterfaceId] }),
        )
      ).NetworkInterfaces![0]!;
      expect(seen.Attachment?.DeleteOnTermination).toBe(false);
      expect(seen.SourceDestCheck).toBe(false);
      expect(seen.Groups?.map((g) => g.GroupId)).toEqual([groupId]);
    });
  });

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
