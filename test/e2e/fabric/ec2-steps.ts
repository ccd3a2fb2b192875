/** The EC2 calls the fabric's tests make, through the real SDK client against the simulator. */
import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  DetachNetworkInterfaceCommand,
  type EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';

export interface LaunchedInstance {
  readonly instanceId: string;
  readonly privateIp: string;
  readonly mac: string;
}

export async function createSubnets(
  ec2: EC2Client,
  zone: string,
  vpcCidr: string,
  subnetCidrs: readonly string[],
): Promise<string[]> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: vpcCidr }));
  const ids: string[] = [];
  for (const cidr of subnetCidrs) {
    const subnet = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: cidr, AvailabilityZone: zone }),
    );
    ids.push(subnet.Subnet!.SubnetId!);
  }
  return ids;
}

export async function launchRunning(
  ec2: EC2Client,
  subnetId: string,
  count: number,
): Promise<LaunchedInstance[]> {
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't3.medium',
      MinCount: count,
      MaxCount: count,
      SubnetId: subnetId,
    }),
  );
  const ids = run.Instances!.map((i) => i.InstanceId!);
  for (;;) {
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    const instances = described.Reservations!.flatMap((r) => r.Instances ?? []);
    if (instances.every((i) => i.State?.Name === 'running')) {
      return ids.map((id) => {
        const instance = instances.find((i) => i.InstanceId === id)!;
        const primary = instance.NetworkInterfaces!.find((n) => n.Attachment?.DeviceIndex === 0)!;
        return { instanceId: id, privateIp: instance.PrivateIpAddress!, mac: primary.MacAddress! };
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface AttachedEni {
  readonly eniId: string;
  readonly mac: string;
  readonly primaryIp: string;
  readonly attachmentId: string;
}

export async function attachNewEni(
  ec2: EC2Client,
  subnetId: string,
  instanceId: string,
  deviceIndex: number,
): Promise<AttachedEni> {
  const created = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }));
  const eni = created.NetworkInterface!;
  const attached = await ec2.send(
    new AttachNetworkInterfaceCommand({
      NetworkInterfaceId: eni.NetworkInterfaceId!,
      InstanceId: instanceId,
      DeviceIndex: deviceIndex,
    }),
  );
  return {
    eniId: eni.NetworkInterfaceId!,
    mac: eni.MacAddress!,
    primaryIp: eni.PrivateIpAddress!,
    attachmentId: attached.AttachmentId!,
  };
}

export async function assignOneAddress(ec2: EC2Client, eniId: string): Promise<string> {
  const out = await ec2.send(
    new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, SecondaryPrivateIpAddressCount: 1 }),
  );
  return out.AssignedPrivateIpAddresses![0]!.PrivateIpAddress!;
}

export async function assignOnePrefix(ec2: EC2Client, eniId: string): Promise<string> {
  const out = await ec2.send(
    new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, Ipv4PrefixCount: 1 }),
  );
  return out.AssignedIpv4Prefixes![0]!.Ipv4Prefix!;
}

export async function unassign(
  ec2: EC2Client,
  eniId: string,
  what: { addresses?: string[]; prefixes?: string[] },
): Promise<void> {
  await ec2.send(
    new UnassignPrivateIpAddressesCommand({
      NetworkInterfaceId: eniId,
      PrivateIpAddresses: what.addresses,
      Ipv4Prefixes: what.prefixes,
    }),
  );
}

export async function detach(ec2: EC2Client, attachmentId: string): Promise<void> {
  await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: attachmentId }));
}

export async function terminate(ec2: EC2Client, instanceId: string): Promise<void> {
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
}
