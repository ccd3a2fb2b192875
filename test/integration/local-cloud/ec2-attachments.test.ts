import {
  type _InstanceType,
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  type CreateNetworkInterfaceCommandInput,
  DeleteNetworkInterfaceCommand,
  DescribeInstanceTypesCommand,
  DescribeNetworkInterfacesCommand,
  DetachNetworkInterfaceCommand,
  type EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
} from '@aws-sdk/client-ec2';
import { type Ec2ChangeEvent, type Ec2Simulator, startEc2Simulator } from '../../../infra/local/ec2';
import { createEni, launchRunning } from './ec2-steps';
import { ec2ClientFor, errorCodeOf, TEST_SCENARIO, waitFor } from './sdk-clients';

describe('EC2 simulator: instance limits, attach and detach through @aws-sdk/client-ec2', () => {
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

  const launch = (instanceType: _InstanceType) => launchRunning(sim, ec2, subnetA, instanceType);
  const newEni = (extra: Partial<CreateNetworkInterfaceCommandInput> = {}) =>
    createEni(ec2, { SubnetId: subnetA, Groups: [groupId], ...extra });

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
});
