import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { type Ec2ChangeEvent, type Ec2Simulator, startEc2Simulator } from '../../../infra/local/ec2';
import { ec2ClientFor, errorCodeOf, waitFor } from './sdk-clients';

describe('EC2 simulator: a scenario built through the API, instances and termination', () => {
  let sim: Ec2Simulator;
  let ec2: EC2Client;
  let vpcId: string;
  let subnetId: string;
  let groupId: string;

  beforeAll(async () => {
    sim = await startEc2Simulator({ region: 'eu-west-1', attachDelayMs: 20, detachDelayMs: 20 });
    ec2 = ec2ClientFor(sim);
  });

  afterAll(async () => {
    ec2?.destroy();
    await sim?.stop();
  });

  it('creates a VPC, a subnet and a security group, and describes Regions and zones', async () => {
    // Act
    const regions = await ec2.send(new DescribeRegionsCommand({}));
    const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.8.0.0/16' }))).Vpc!.VpcId!;
    subnetId = (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.8.1.0/24', AvailabilityZone: 'eu-west-1b' }),
      )
    ).Subnet!.SubnetId!;
    groupId = (
      await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'nodes', Description: 'n' }))
    ).GroupId!;
    const overlap = await errorCodeOf(
      ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.8.1.0/25' })),
    );
    // Assess
    expect(regions.Regions!.map((r) => r.RegionName)).toEqual(['eu-west-1']);
    expect(zones.AvailabilityZones!.map((z) => z.ZoneName)).toEqual([
      'eu-west-1a',
      'eu-west-1b',
      'eu-west-1c',
    ]);
    expect((await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs![0]!.CidrBlock).toBe(
      '10.8.0.0/16',
    );
    expect(
      (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups![0]!
        .GroupName,
    ).toBe('nodes');
    expect(overlap).toBe('InvalidSubnet.Conflict');
  });

  it('launches instances with a primary interface at device 0 and reports them with their interfaces', async () => {
    // Act
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-1',
        InstanceType: 'c5.xlarge',
        MinCount: 2,
        MaxCount: 2,
        SubnetId: subnetId,
        SecurityGroupIds: [groupId],
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'node' }] }],
      }),
    );
    const ids = run.Instances!.map((i) => i.InstanceId!);
    await waitFor(async () =>
      ids.every((id) => sim.model.getInstance(id)?.state === 'running') ? true : undefined,
    );
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    // Assess
    expect(run.Instances!.map((i) => i.State?.Name)).toEqual(['pending', 'pending']);
    const instances = described.Reservations!.flatMap((r) => r.Instances!);
    expect(instances).toHaveLength(2);
    for (const instance of instances) {
      expect(instance).toMatchObject({
        State: { Name: 'running', Code: 16 },
        InstanceType: 'c5.xlarge',
        SubnetId: subnetId,
      });
      expect(instance.Placement?.AvailabilityZone).toBe('eu-west-1b');
      expect(instance.Tags).toEqual([{ Key: 'Name', Value: 'node' }]);
      expect(instance.NetworkInterfaces).toHaveLength(1);
      expect(instance.NetworkInterfaces![0]).toMatchObject({
        PrivateIpAddress: instance.PrivateIpAddress,
        Attachment: { DeviceIndex: 0, Status: 'attached', DeleteOnTermination: true },
        Groups: [{ GroupId: groupId, GroupName: 'nodes' }],
      });
    }
  });

  it('on termination deletes interfaces marked DeleteOnTermination and frees the others', async () => {
    // Prepare
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-1',
        InstanceType: 'm5.large',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnetId,
      }),
    );
    const instanceId = run.Instances![0]!.InstanceId!;
    const primaryId = run.Instances![0]!.NetworkInterfaces![0]!.NetworkInterfaceId!;
    await waitFor(async () => (sim.model.getInstance(instanceId)?.state === 'running' ? true : undefined));
    const extra = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId })))
      .NetworkInterface!;
    await ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: extra.NetworkInterfaceId,
        InstanceId: instanceId,
        DeviceIndex: 1,
      }),
    );
    const events: Ec2ChangeEvent[] = [];
    const record = (e: Ec2ChangeEvent) => events.push(e);
    sim.model.on('change', record);
    // Act
    const out = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    await waitFor(async () => (sim.model.getInstance(instanceId)?.state === 'terminated' ? true : undefined));
    sim.model.off('change', record);
    // Assess
    expect(out.TerminatingInstances![0]).toMatchObject({
      CurrentState: { Name: 'shutting-down' },
      PreviousState: { Name: 'running' },
    });
    const gone = await errorCodeOf(
      ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [primaryId] })),
    );
    expect(gone).toBe('InvalidNetworkInterfaceID.NotFound');
    const kept = (
      await ec2.send(
        new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [extra.NetworkInterfaceId!] }),
      )
    ).NetworkInterfaces![0]!;
    expect(kept.Status).toBe('available');
    expect(kept.Attachment).toBeUndefined();
    expect(
      events.filter((e) => e.kind === 'instance-state').map((e) => e.kind === 'instance-state' && e.state),
    ).toEqual(['shutting-down', 'terminated']);
    expect(events).toContainEqual({ kind: 'eni-deleted', eniId: primaryId });
    const terminated = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['terminated'] }] }),
    );
    expect(terminated.Reservations!.flatMap((r) => r.Instances!).map((i) => i.InstanceId)).toEqual([
      instanceId,
    ]);
  });

  it('answers unknown and malformed instance ids as EC2 does', async () => {
    // Act
    const unknown = await errorCodeOf(
      ec2.send(new TerminateInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })),
    );
    const malformed = await errorCodeOf(ec2.send(new TerminateInstancesCommand({ InstanceIds: ['node-1'] })));
    const badType = await errorCodeOf(
      ec2.send(
        new RunInstancesCommand({
          ImageId: 'ami-1',
          InstanceType: 'no.such' as never,
          MinCount: 1,
          MaxCount: 1,
          SubnetId: subnetId,
        }),
      ),
    );
    // Assess
    expect(unknown).toBe('InvalidInstanceID.NotFound');
    expect(malformed).toBe('InvalidInstanceID.Malformed');
    expect(badType).toBe('InvalidParameterValue');
  });
});
