/**
 * The node side of the datapath: secondary ENIs with their route tables, node-wide rules,
 * SNAT and NodePort iptables chains, and the sysctls routing depends on. Every step reads
 * or replaces rather than adds, so applying twice leaves the node exactly as once did.
 */
import { setTimeout } from 'node:timers/promises';
import type { LeasedEni } from '../../core/contract/api';
import { DependencyError, InvalidInputError } from '../../core/errors';
import { isCidr, isIpv4, parseCidr } from '../../core/net/ipv4';
import { ipBatch, ipJson, iptablesRestore, iptablesSave, namedNetns, writeSysctl } from '../ns';
import { hostRuleChanges, type IpRuleJson } from './host-rules';
import { CHAINS, connmarkRules, outboundRules, snatRules, tableRestore } from './iptables-rules';
import { routeTableFor } from './names';
import { type HostNetwork, type HostNetworkSettings, RANDOMIZE_SNAT } from './types';

/** How long a secondary ENI's link may take to appear after its attachment, and how often to look. */
const NEW_LINK_WAIT_MS = 5_000;
const LINK_POLL_MS = 100;

interface IpLinkJson {
  ifname: string;
  address?: string;
}

function validate(settings: HostNetworkSettings): void {
  const cidrLists = {
    vpcCidrs: settings.vpcCidrs,
    excludeSnatCidrs: settings.excludeSnatCidrs,
    externalServiceCidrs: settings.externalServiceCidrs,
  };
  for (const [field, list] of Object.entries(cidrLists)) {
    const bad = list.find((c) => !isCidr(c));
    if (bad !== undefined) throw new InvalidInputError(field, bad, 'IPv4 CIDR blocks such as 10.0.0.0/16');
  }
  if (!isIpv4(settings.primaryIp))
    throw new InvalidInputError('primaryIp', settings.primaryIp, 'a dotted IPv4');
  if (!Object.values(RANDOMIZE_SNAT).includes(settings.randomizeSnat)) {
    throw new InvalidInputError('randomizeSnat', settings.randomizeSnat, 'prng, hashrandom or none');
  }
  if (!Number.isInteger(settings.eniMtu) || settings.eniMtu < 576 || settings.eniMtu > 9001) {
    throw new InvalidInputError('eniMtu', settings.eniMtu, 'an integer from 576 to 9001');
  }
}

export function createHostNetwork(settings: HostNetworkSettings): HostNetwork {
  validate(settings);
  const host = namedNetns(settings.hostNetns);
  const done = new Set<string>();

  async function linkByMac(mac: string, waitMs = 0): Promise<string> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const links = await ipJson<IpLinkJson>(host, ['link', 'show']);
      const link = links.find((l) => (l.address ?? '').toLowerCase() === mac.toLowerCase());
      if (link !== undefined) return link.ifname;
      if (Date.now() >= deadline) {
        throw new DependencyError(`no link with MAC ${mac} in network namespace "${settings.hostNetns}"`);
      }
      await setTimeout(LINK_POLL_MS);
    }
  }

  async function setupEni(eni: LeasedEni, linkWaitMs = 0): Promise<void> {
    if (!isIpv4(eni.primaryIp)) throw new InvalidInputError('primaryIp', eni.primaryIp, 'a dotted IPv4');
    if (!isCidr(eni.subnetCidr)) throw new InvalidInputError('subnetCidr', eni.subnetCidr, 'an IPv4 CIDR');
    const name = await linkByMac(eni.mac, linkWaitMs);
    const table = routeTableFor(eni.deviceIndex);
    const { prefixLength } = parseCidr(eni.subnetCidr);
    await ipBatch(host, [
      `link set dev ${name} mtu ${settings.eniMtu} up`,
      // The ENI's own address, as the AWS VPC CNI sets it: the ARP for the gateway that pod
      // replies need then comes from an address of this ENI, which the VPC accepts. No prefix
      // route, so main keeps reaching the subnet through the primary ENI only.
      `address replace ${eni.primaryIp}/${prefixLength} dev ${name} noprefixroute`,
      `route replace ${eni.gateway} dev ${name} scope link table ${table}`,
      `route replace default via ${eni.gateway} dev ${name} table ${table}`,
    ]);
    done.add(eniKey(eni));
  }

  async function applyIptables(primaryIfName: string): Promise<void> {
    const vethPrefixes = [...new Set([settings.vethPrefix, ...(settings.earlierVethPrefixes ?? [])])];
    const snat = settings.externalSnat
      ? undefined
      : snatRules({
          vpcCidrs: settings.vpcCidrs,
          excludeCidrs: settings.excludeSnatCidrs,
          primaryIp: settings.primaryIp,
          randomize: settings.randomizeSnat,
        });
    const outbound = settings.externalSnat
      ? undefined
      : outboundRules({
          vethPrefixes,
          vpcCidrs: settings.vpcCidrs,
          excludeCidrs: settings.excludeSnatCidrs,
        });
    // Pods' packets get their connection's mark back whenever anything sets one.
    const connmark =
      settings.nodePortSupport || outbound !== undefined
        ? connmarkRules({
            primaryIfName,
            vethPrefixes,
            nodePortSupport: settings.nodePortSupport,
          })
        : undefined;
    for (const [spec, rules] of [
      [CHAINS.snat, snat],
      [CHAINS.outbound, outbound],
      [CHAINS.connmark, connmark],
    ] as const) {
      const text = tableRestore(spec, await iptablesSave(host, spec.table), rules);
      if (text !== undefined) await iptablesRestore(host, text);
    }
  }

  async function apply(enis: LeasedEni[]): Promise<void> {
    const primaryIfName = await linkByMac(settings.primaryMac);
    await writeSysctl(host, 'net/ipv4/ip_forward', '1');
    // Loose reverse-path filtering: NodePort replies and pods on secondary ENIs are asymmetric.
    if (settings.nodePortSupport) await writeSysctl(host, `net/ipv4/conf/${primaryIfName}/rp_filter`, '2');
    for (const eni of enis) if (eni.deviceIndex > 0) await setupEni(eni);
    // AWS_VPC_ENI_MTU is every ENI's, the primary's too, as in the AWS VPC CNI: a path that
    // cannot carry jumbo frames (VPN, transit gateway) needs the node's own traffic at 1500.
    await ipBatch(host, [`link set dev ${primaryIfName} mtu ${settings.eniMtu}`]);
    const rules = await ipJson<IpRuleJson>(host, ['rule', 'show']);
    await ipBatch(
      host,
      hostRuleChanges(rules, {
        nodePortSupport: settings.nodePortSupport,
        externalServiceCidrs: settings.externalServiceCidrs,
      }),
    );
    await applyIptables(primaryIfName);
  }

  return {
    apply,
    async ensureEni(eni) {
      // An ENI attached moments ago may not be a link yet (udev on EC2, the fabric locally).
      if (eni.deviceIndex > 0 && !done.has(eniKey(eni))) await setupEni(eni, NEW_LINK_WAIT_MS);
    },
  };
}

function eniKey(eni: LeasedEni): string {
  return `${eni.eniId}/${eni.mac}/${eni.deviceIndex}/${eni.gateway}`;
}
