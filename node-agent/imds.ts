/**
 * What the node agent learns about its instance from IMDSv2 (tokens via the SDK's
 * MetadataService): identity, placement, its ENIs' MACs and the VPC's CIDR blocks. The
 * endpoint follows the SDK's AWS_EC2_METADATA_SERVICE_ENDPOINT, which local mode points
 * at the IMDS simulator of the simulated node.
 */
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { DependencyError } from '../core/errors';
import { isCidr, isIpv4 } from '../core/net/ipv4';

export interface InstanceIdentity {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  region: string;
  primaryMac: string;
  primaryIp: string;
  /** Every attached ENI's MAC, primary first. */
  macs: string[];
  /** The VPC's IPv4 CIDR blocks, as the primary ENI reports them. */
  vpcCidrs: string[];
}

export interface ImdsOptions {
  /** Overrides AWS_EC2_METADATA_SERVICE_ENDPOINT. */
  endpoint?: string;
  timeoutMs?: number;
  retries?: number;
}

const BASE = '/latest/meta-data';
/** MetadataService joins the endpoint's pathname ("/") and the request path as they are. */
const REQUEST_BASE = BASE.slice(1);

export async function readInstanceIdentity(options: ImdsOptions = {}): Promise<InstanceIdentity> {
  const imds = new MetadataService({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    httpOptions: { timeout: options.timeoutMs ?? 2_000 },
    retries: options.retries ?? 3,
    ec2MetadataV1Disabled: true,
  });
  const get = async (path: string): Promise<string> => {
    try {
      return (await imds.request(`${REQUEST_BASE}/${path}`, {})).trim();
    } catch (error) {
      throw new DependencyError(`IMDS ${BASE}/${path} failed: ${(error as Error).message}`, { cause: error });
    }
  };

  const [instanceId, instanceType, availabilityZone, primaryMac, primaryIp, macList] = await Promise.all([
    get('instance-id'),
    get('instance-type'),
    get('placement/availability-zone'),
    get('mac'),
    get('local-ipv4'),
    get('network/interfaces/macs/'),
  ]);
  const vpcCidrs = (await get(`network/interfaces/macs/${primaryMac}/vpc-ipv4-cidr-blocks`))
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '');

  const bad = vpcCidrs.find((c) => !isCidr(c));
  if (bad !== undefined) throw new DependencyError(`IMDS gave a VPC CIDR block that is not one: ${bad}`);
  if (!isIpv4(primaryIp))
    throw new DependencyError(`IMDS gave a local-ipv4 that is not an address: ${primaryIp}`);

  const others = macList
    .split('\n')
    .map((s) => s.trim().replace(/\/$/, ''))
    .filter((s) => s !== '' && s !== primaryMac);
  return {
    instanceId,
    instanceType,
    availabilityZone,
    region: regionOf(availabilityZone),
    primaryMac,
    primaryIp,
    macs: [primaryMac, ...others],
    vpcCidrs,
  };
}

/** eu-west-1a → eu-west-1; local-zone and wavelength names keep their region prefix too. */
export function regionOf(availabilityZone: string): string {
  const match = /^([a-z]{2}(?:-[a-z]+)+-\d+)/.exec(availabilityZone);
  if (match === null)
    throw new DependencyError(`cannot tell the region of availability zone ${availabilityZone}`);
  return match[1]!;
}
