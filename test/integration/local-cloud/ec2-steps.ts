import {
  type _InstanceType,
  CreateNetworkInterfaceCommand,
  type CreateNetworkInterfaceCommandInput,
  type EC2Client,
  type NetworkInterface,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { Ec2Simulator } from '../../../infra/local/ec2';
import { waitFor } from './sdk-clients';

/** Launches one instance through the API and waits until the simulator has it running. */
export async function launchRunning(
  sim: Ec2Simulator,
  ec2: EC2Client,
  subnetId: string,
  instanceType: _InstanceType,
): Promise<string> {
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-1',
      InstanceType: instanceType,
      MinCount: 1,
      MaxCount: 1,
      SubnetId: subnetId,
    }),
  );
  const id = out.Instances![0]!.InstanceId!;
  await waitFor(async () => (sim.model.getInstance(id)?.state === 'running' ? true : undefined));
  return id;
}

export async function createEni(
  ec2: EC2Client,
  input: CreateNetworkInterfaceCommandInput,
): Promise<NetworkInterface> {
  return (await ec2.send(new CreateNetworkInterfaceCommand(input))).NetworkInterface!;
}
