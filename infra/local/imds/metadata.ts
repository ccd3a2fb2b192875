import type { Ec2Model } from '../ec2/model/ec2-model';
import type { NetworkInterfaceRecord } from '../ec2/model/records';
import type { IssuedRoleCredentials, LocalIam } from '../iam';

/**
 * The instance metadata tree of one simulated instance, read from the EC2 model on every
 * request so that it follows attach, detach, assign and unassign as real IMDS does.
 */

export interface MetadataSource {
  readonly model: Ec2Model;
  readonly instanceId: string;
  readonly roleName: string;
  /** Current credentials for the role, renewed before they expire. */
  credentials(): IssuedRoleCredentials;
}

export type MetadataAnswer =
  | { readonly kind: 'text'; readonly body: string }
  | { readonly kind: 'json'; readonly body: unknown };

const text = (body: string): MetadataAnswer => ({ kind: 'text', body });
const json = (body: unknown): MetadataAnswer => ({ kind: 'json', body });
const listing = (entries: readonly string[]): MetadataAnswer => text(entries.join('\n'));

/** Interfaces IMDS shows: those attached (or still detaching) to the instance. */
function visibleInterfaces(source: MetadataSource): NetworkInterfaceRecord[] {
  return source.model
    .interfacesOfInstance(source.instanceId)
    .filter((n) => n.attachment?.status === 'attached' || n.attachment?.status === 'detaching');
}

function hostnameOf(source: MetadataSource, ip: string): string {
  const suffix =
    source.model.region === 'us-east-1' ? 'ec2.internal' : `${source.model.region}.compute.internal`;
  return `ip-${ip.replace(/\./g, '-')}.${suffix}`;
}

function interfaceAnswer(
  source: MetadataSource,
  eni: NetworkInterfaceRecord,
  leaf: string,
): MetadataAnswer | undefined {
  const subnet = source.model.getSubnet(eni.subnetId);
  const vpc = source.model.getVpc(eni.vpcId);
  switch (leaf) {
    case '':
      return listing([
        'device-number',
        'interface-id',
        ...(eni.prefixes.length > 0 ? ['ipv4-prefix'] : []),
        'local-hostname',
        'local-ipv4s',
        'mac',
        'owner-id',
        'security-group-ids',
        'subnet-id',
        'subnet-ipv4-cidr-block',
        'vpc-id',
        'vpc-ipv4-cidr-block',
        'vpc-ipv4-cidr-blocks',
      ]);
    case 'device-number':
      return text(String(eni.attachment?.deviceIndex ?? 0));
    case 'interface-id':
      return text(eni.networkInterfaceId);
    case 'local-hostname':
      return text(hostnameOf(source, eni.primaryIp));
    case 'local-ipv4s':
      return listing([eni.primaryIp, ...eni.secondaryIps]);
    case 'ipv4-prefix':
      return eni.prefixes.length > 0 ? listing(eni.prefixes) : undefined;
    case 'mac':
      return text(eni.macAddress);
    case 'owner-id':
      return text(source.model.ownerId);
    case 'security-group-ids':
      return listing(eni.groupIds);
    case 'subnet-id':
      return text(eni.subnetId);
    case 'subnet-ipv4-cidr-block':
      return subnet && text(subnet.cidrBlock);
    case 'vpc-id':
      return text(eni.vpcId);
    case 'vpc-ipv4-cidr-block':
    case 'vpc-ipv4-cidr-blocks':
      return vpc && text(vpc.cidrBlock);
    default:
      return undefined;
  }
}

function credentialsDocument(credentials: IssuedRoleCredentials): unknown {
  return {
    Code: 'Success',
    LastUpdated: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Type: 'AWS-HMAC',
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    Token: credentials.sessionToken,
    Expiration: credentials.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/** Answers a GET below /latest/; undefined means 404. */
export function answerMetadata(source: MetadataSource, path: string): MetadataAnswer | undefined {
  const instance = source.model.getInstance(source.instanceId);
  if (!instance) return undefined;
  const primary = source.model.getNetworkInterface(instance.primaryEniId);
  const trimmed = path.replace(/\/+$/, '');
  const macs = /^meta-data\/network\/interfaces\/macs\/([0-9a-f:]{17})(?:\/(.*))?$/.exec(trimmed);
  if (macs) {
    const eni = visibleInterfaces(source).find((n) => n.macAddress === macs[1]);
    return eni && interfaceAnswer(source, eni, macs[2] ?? '');
  }
  switch (trimmed) {
    case '':
      return listing(['dynamic', 'meta-data']);
    case 'meta-data':
      return listing([
        'ami-id',
        'hostname',
        'iam/',
        'instance-id',
        'instance-type',
        'local-hostname',
        'local-ipv4',
        'mac',
        'network/',
        'placement/',
      ]);
    case 'meta-data/ami-id':
      return text(instance.imageId);
    case 'meta-data/instance-id':
      return text(instance.instanceId);
    case 'meta-data/instance-type':
      return text(instance.limits.instanceType);
    case 'meta-data/hostname':
    case 'meta-data/local-hostname':
      return text(hostnameOf(source, instance.privateIpAddress));
    case 'meta-data/local-ipv4':
      return text(instance.privateIpAddress);
    case 'meta-data/mac':
      return primary && text(primary.macAddress);
    case 'meta-data/placement':
      return listing(['availability-zone', 'availability-zone-id', 'region']);
    case 'meta-data/placement/availability-zone':
      return text(instance.availabilityZone);
    case 'meta-data/placement/availability-zone-id':
      return text(source.model.zones.find((z) => z.zoneName === instance.availabilityZone)?.zoneId ?? '');
    case 'meta-data/placement/region':
      return text(source.model.region);
    case 'meta-data/network':
      return listing(['interfaces/']);
    case 'meta-data/network/interfaces':
      return listing(['macs/']);
    case 'meta-data/network/interfaces/macs':
      return listing(visibleInterfaces(source).map((n) => `${n.macAddress}/`));
    case 'meta-data/iam':
      return listing(['info', 'security-credentials/']);
    case 'meta-data/iam/info':
      return json({
        Code: 'Success',
        LastUpdated: new Date().toISOString(),
        InstanceProfileArn: `arn:aws:iam::${source.model.ownerId}:instance-profile/${source.roleName}`,
        InstanceProfileId: 'AIPALOCALINSTANCEPROFILE',
      });
    case 'meta-data/iam/security-credentials':
      return text(source.roleName);
    case `meta-data/iam/security-credentials/${source.roleName}`:
      return json(credentialsDocument(source.credentials()));
    case 'dynamic':
      return listing(['instance-identity/']);
    case 'dynamic/instance-identity':
      return listing(['document']);
    case 'dynamic/instance-identity/document':
      return json({
        accountId: source.model.ownerId,
        architecture: 'x86_64',
        availabilityZone: instance.availabilityZone,
        imageId: instance.imageId,
        instanceId: instance.instanceId,
        instanceType: instance.limits.instanceType,
        pendingTime: instance.launchTime.toISOString(),
        privateIp: instance.privateIpAddress,
        region: source.model.region,
        version: '2017-09-30',
      });
    default:
      return undefined;
  }
}

/** Credentials for the role, issued once and renewed when less than five minutes remain. */
export function renewingCredentials(
  iam: LocalIam,
  roleName: string,
  sessionName: string,
): () => IssuedRoleCredentials {
  let current: IssuedRoleCredentials | undefined;
  return () => {
    if (!current || current.expiration.getTime() - Date.now() < 5 * 60_000) {
      current = iam.issueRoleCredentials(roleName, sessionName, 21_600);
    }
    return current;
  };
}
