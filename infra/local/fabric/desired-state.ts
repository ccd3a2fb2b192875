/**
 * What the fabric should look like for the EC2 simulator's current state: which instances
 * have a namespace, which ENIs have a link, and which addresses and prefixes the router
 * sends down each link. This is the only module that reads the simulator's model.
 */

import { PREFIX_LENGTH, parseCidr, subnetGateway } from '../../../core/net/ipv4';
import type { Ec2ChangeEvent, InstanceStateName } from '../ec2/events';

/** The reads of the EC2 simulator's model that the fabric needs. */
export interface FabricModel {
  on(event: 'change', listener: (event: Ec2ChangeEvent) => void): unknown;
  off(event: 'change', listener: (event: Ec2ChangeEvent) => void): unknown;
  listInstances(): Iterable<{ readonly instanceId: string; readonly state: InstanceStateName }>;
  listNetworkInterfaces(): Iterable<{
    readonly networkInterfaceId: string;
    readonly subnetId: string;
    readonly macAddress: string;
    readonly primaryIp: string;
    readonly secondaryIps: readonly string[];
    readonly prefixes: readonly string[];
    readonly attachment?: {
      readonly instanceId: string;
      readonly deviceIndex: number;
      readonly status: string;
    };
  }>;
  getSubnet(subnetId: string): { readonly cidrBlock: string } | undefined;
}

/** One attached ENI as its link in the fabric. */
export interface LinkSpec {
  readonly eniId: string;
  readonly instanceId: string;
  readonly deviceIndex: number;
  readonly mac: string;
  /** The subnet's CIDR block, e.g. 10.0.1.0/24. */
  readonly subnetCidr: string;
  readonly gateway: string;
  readonly primaryAddress: string;
  /** Every address (/32) and delegated prefix (/28) EC2 assigned to the ENI, sorted. */
  readonly routes: readonly string[];
}

export interface FabricSpec {
  /** Instance ids that have a namespace. */
  readonly nodes: ReadonlySet<string>;
  /** By ENI id. */
  readonly links: ReadonlyMap<string, LinkSpec>;
}

export const EMPTY_FABRIC: FabricSpec = { nodes: new Set(), links: new Map() };

/**
 * An instance gets its namespace once it is running and loses it when terminated; while it
 * shuts down an existing namespace stays, as a real instance keeps its network until it is gone.
 */
function wantsNamespace(state: InstanceStateName, hasNamespace: boolean): boolean {
  return state === 'running' || (state === 'shutting-down' && hasNamespace);
}

export function readFabricSpec(model: FabricModel, current: FabricSpec): FabricSpec {
  const nodes = new Set<string>();
  for (const instance of model.listInstances()) {
    if (wantsNamespace(instance.state, current.nodes.has(instance.instanceId)))
      nodes.add(instance.instanceId);
  }
  const links = new Map<string, LinkSpec>();
  for (const eni of model.listNetworkInterfaces()) {
    const attachment = eni.attachment;
    if (attachment?.status !== 'attached' || !nodes.has(attachment.instanceId)) continue;
    const subnet = model.getSubnet(eni.subnetId);
    if (!subnet) continue;
    links.set(eni.networkInterfaceId, {
      eniId: eni.networkInterfaceId,
      instanceId: attachment.instanceId,
      deviceIndex: attachment.deviceIndex,
      mac: eni.macAddress,
      subnetCidr: subnet.cidrBlock,
      gateway: subnetGateway(parseCidr(subnet.cidrBlock)),
      primaryAddress: eni.primaryIp,
      routes: routesOf(eni.primaryIp, eni.secondaryIps, eni.prefixes),
    });
  }
  return { nodes, links };
}

function routesOf(primary: string, secondary: readonly string[], prefixes: readonly string[]): string[] {
  const hosts = [primary, ...secondary].map((address) => `${address}/32`);
  const delegated = prefixes.map((prefix) => {
    // A prefix is routed as EC2 delegated it; anything else would be a simulator bug.
    if (parseCidr(prefix).prefixLength !== PREFIX_LENGTH) throw new RangeError(`not a /28 prefix: ${prefix}`);
    return prefix;
  });
  return [...new Set([...hosts, ...delegated])].sort();
}
