/**
 * Registering a node: EC2 is the source of truth for what the instance is; the request
 * only adds the node's own settings (MAX_ENI, ADDITIONAL_ENI_TAGS, prefix delegation,
 * custom networking). Attached ENIs are recorded so their device indices are never reused.
 * A fresh node costs two EC2 calls (DescribeInstances, CreateTags on its primary ENI) and a
 * re-registering one a single Describe: ENIs are described for their tags only when the
 * instance has more than its primary attached, or when EC2 refuses to tag the primary.
 */
import {
  CreateTagsCommand,
  type Instance,
  type InstanceNetworkInterface,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import type { CustomNetworkConfig, RegisterNodeRequest, RegisterNodeResponse } from '../contract/api';
import { isReservedTagKey, TAGS } from '../contract/tags';
import { InvalidInputError } from '../errors';
import { claimSlot, getNode, type NodeRecord, putEni, putNode } from '../ledger';
import type { ClusterConfig } from '../ledger/items';
import { ec2ErrorCode } from './client';
import type { ControlPlaneContext } from './context';
import {
  describeEnis,
  describeInstance,
  describeSubnets,
  instanceTypeLimits,
  isNoManage,
  tagValue,
  vpcCidrs,
} from './describe';
import { eniRecordOf, leasedEniOf, recordEniPrimary } from './eni-records';
import { cachedView } from './view-cache';

export async function registerNode(
  ctx: ControlPlaneContext,
  instanceId: string,
  request: RegisterNodeRequest,
): Promise<RegisterNodeResponse> {
  for (const key of Object.keys(request.additionalEniTags ?? {})) {
    if (isReservedTagKey(key) || key === TAGS.clusterName) {
      throw new InvalidInputError(
        `additionalEniTags.${key}`,
        key,
        'a tag key outside the reserved prefixes k8s.amazonaws.com, kubernetes.io and aws:',
      );
    }
  }
  const instance = await describeInstance(ctx.ec2, instanceId);
  if (!instance || instance.State?.Name === 'terminated' || instance.State?.Name === 'shutting-down') {
    throw new InvalidInputError('instanceId', instanceId, 'a running instance in the cluster VPC');
  }
  if (instance.VpcId !== ctx.config.vpcId) {
    throw new InvalidInputError(
      'instanceId',
      instanceId,
      `an instance in the cluster VPC ${ctx.config.vpcId}`,
    );
  }
  if (instance.InstanceType !== request.instanceType) {
    throw new InvalidInputError(
      'instanceType',
      request.instanceType,
      `the instance's type, ${instance.InstanceType}`,
    );
  }
  const az = instance.Placement?.AvailabilityZone ?? '';
  if (az !== request.availabilityZone) {
    throw new InvalidInputError('availabilityZone', request.availabilityZone, `the instance's zone, ${az}`);
  }
  const limits = await instanceTypeLimits(ctx.ec2, request.instanceType);
  const customNetwork = request.customNetworking
    ? customNetworkFor(ctx.config, tagValue(instance.Tags, TAGS.eniConfig), az)
    : undefined;
  const eniCap = Math.min(limits.maxEnis, request.maxEni ?? limits.maxEnis);
  // Custom networking keeps pods off the primary ENI, as the AWS VPC CNI does.
  const podEnis = customNetwork ? eniCap - 1 : eniCap;
  const maxPods = podEnis * (limits.ipv4PerEni - 1) + 2;

  const attached = await attachedEnis(ctx, instance);
  const subnetCidrs = await cidrsOf(
    ctx,
    attached.map((e) => e.SubnetId!),
  );
  const primary = attached.find((e) => e.Attachment?.DeviceIndex === 0);
  if (!primary)
    throw new InvalidInputError('instanceId', instanceId, 'an instance with its primary ENI attached');
  const known = await getNode(ctx.ledger, instanceId);
  if (known?.primaryEni.eniId !== primary.NetworkInterfaceId) await claimPrimaryEni(ctx, instanceId, primary);
  const now = ctx.ledger.now().toISOString();
  const primaryRecord = eniRecordOf(
    primary,
    instanceId,
    'primary',
    subnetCidrs.get(primary.SubnetId!) ?? '',
    now,
  );

  const node: NodeRecord = await putNode(ctx.ledger, {
    instanceId,
    instanceType: request.instanceType,
    availabilityZone: az,
    vpcCidrs: await vpcCidrs(ctx.ec2, ctx.config.vpcId),
    primaryEni: leasedEniOf(primaryRecord),
    limits: { maxEnis: eniCap, ipv4PerEni: limits.ipv4PerEni, maxPods },
    eniCap,
    additionalEniTags: request.additionalEniTags ?? {},
    prefixDelegation: request.prefixDelegation ?? false,
    carvesPrefixes:
      (ctx.config.carvePrefixes ?? false) && limits.prefixesSupported && !request.prefixDelegation,
    customNetwork,
    securityGroups: primaryRecord.securityGroups,
  });

  for (const eni of attached) {
    const deviceIndex = eni.Attachment?.DeviceIndex ?? -1;
    await claimSlot(ctx.ledger, { instanceId, deviceIndex, eniId: eni.NetworkInterfaceId! });
    const ours =
      tagValue(eni.TagSet, TAGS.clusterName) === ctx.config.clusterName &&
      tagValue(eni.TagSet, TAGS.instanceId) === instanceId &&
      !isNoManage(eni);
    if (deviceIndex !== 0 && !ours) continue;
    const record = eniRecordOf(
      eni,
      instanceId,
      deviceIndex === 0 ? 'primary' : 'secondary',
      subnetCidrs.get(eni.SubnetId!) ?? '',
      tagValue(eni.TagSet, TAGS.createdAt) ?? now,
    );
    await putEni(ctx.ledger, record);
    await recordEniPrimary(ctx.ledger, record);
  }
  ctx.log.info('node registered', { instanceId, instanceType: request.instanceType, eniCap, maxPods });

  return {
    instanceId,
    instanceType: node.instanceType,
    availabilityZone: node.availabilityZone,
    vpcCidrs: node.vpcCidrs,
    primaryEni: node.primaryEni,
    limits: node.limits,
    ...(customNetwork ? { customNetwork } : {}),
  };
}

/**
 * The instance's attached ENIs. DescribeInstances already tells everything but their tags;
 * those matter only for ENIs besides the primary (which of them are ours, which no_manage),
 * so only those are described.
 */
async function attachedEnis(ctx: ControlPlaneContext, instance: Instance): Promise<NetworkInterface[]> {
  const listed = instance.NetworkInterfaces ?? [];
  const others = listed.filter((n) => n.Attachment?.DeviceIndex !== 0).map((n) => n.NetworkInterfaceId!);
  const described = others.length > 0 ? await describeEnis(ctx.ec2, others) : [];
  const primary = listed.find((n) => n.Attachment?.DeviceIndex === 0);
  return primary ? [networkInterfaceOf(primary, instance), ...described] : described;
}

/** The instance's view of its ENI in the shape of DescribeNetworkInterfaces (without tags). */
function networkInterfaceOf(n: InstanceNetworkInterface, instance: Instance): NetworkInterface {
  return {
    NetworkInterfaceId: n.NetworkInterfaceId,
    MacAddress: n.MacAddress,
    SubnetId: n.SubnetId,
    VpcId: n.VpcId,
    AvailabilityZone: instance.Placement?.AvailabilityZone,
    PrivateIpAddress: n.PrivateIpAddress,
    PrivateIpAddresses: n.PrivateIpAddresses,
    Ipv4Prefixes: n.Ipv4Prefixes,
    Groups: n.Groups,
    Status: n.Status,
    Attachment: n.Attachment && {
      AttachmentId: n.Attachment.AttachmentId,
      DeviceIndex: n.Attachment.DeviceIndex,
      Status: n.Attachment.Status,
      DeleteOnTermination: n.Attachment.DeleteOnTermination,
      InstanceId: instance.InstanceId,
    },
  };
}

/**
 * EC2 made the primary ENI, so it carries none of our tags; the control plane's IAM rights
 * to assign addresses are fenced by the cluster tag, so registering tags it first. Its IAM
 * rights let it tag only an ENI no other cluster claimed; when EC2 refuses, the ENI's tags
 * say why.
 */
async function claimPrimaryEni(ctx: ControlPlaneContext, instanceId: string, primary: NetworkInterface) {
  try {
    await tagAsOurs(ctx, instanceId, primary.NetworkInterfaceId!);
  } catch (error) {
    if (!/^(UnauthorizedOperation|AccessDenied)/.test(ec2ErrorCode(error) ?? '')) throw error;
    const [described] = await describeEnis(ctx.ec2, [primary.NetworkInterfaceId!]);
    refuseForeignPrimary(ctx, instanceId, described ?? primary);
    throw error;
  }
}

function tagAsOurs(ctx: ControlPlaneContext, instanceId: string, eniId: string) {
  return ctx.ec2.client.send(
    new CreateTagsCommand({
      Resources: [eniId],
      Tags: [
        { Key: TAGS.clusterName, Value: ctx.config.clusterName },
        { Key: TAGS.instanceId, Value: instanceId },
      ],
    }),
  );
}

/** EC2 refused to tag the primary: if another cluster claimed it, say so. */
function refuseForeignPrimary(ctx: ControlPlaneContext, instanceId: string, primary: NetworkInterface) {
  const cluster = tagValue(primary.TagSet, TAGS.clusterName);
  if (cluster !== undefined && cluster !== ctx.config.clusterName) {
    throw new InvalidInputError(
      'instanceId',
      instanceId,
      `an instance of cluster ${ctx.config.clusterName}; its primary ENI is tagged for cluster ${cluster}`,
    );
  }
}

/** A subnet's CIDR never changes, so nodes joining together share one answer for an hour. */
const SUBNET_CIDR_MAX_AGE_MS = 3_600_000;

async function cidrsOf(ctx: ControlPlaneContext, subnetIds: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(subnetIds)].sort();
  const view = await cachedView(ctx.ec2, `cidrs/${ids.join(',')}`, SUBNET_CIDR_MAX_AGE_MS, async () =>
    (await describeSubnets(ctx.ec2, [{ Name: 'subnet-id', Values: ids }])).map(
      (s) => [s.SubnetId!, s.CidrBlock!] as const,
    ),
  );
  return new Map(view.value);
}

/** As ENIConfig: the instance's eniConfig tag names the config, else the AZ's name does. */
export function customNetworkFor(
  config: ClusterConfig,
  tagged: string | undefined,
  az: string,
): CustomNetworkConfig {
  const name = tagged ?? az;
  const found = config.customNetworkConfigs[name];
  if (!found) {
    const known = Object.keys(config.customNetworkConfigs);
    throw new InvalidInputError(
      'customNetworking',
      true,
      `a custom network config named ${JSON.stringify(name)} (from ${tagged ? `the instance tag ${TAGS.eniConfig}` : 'the availability zone'}); configured: ${known.length ? known.join(', ') : 'none'}`,
    );
  }
  return { name, ...found };
}
