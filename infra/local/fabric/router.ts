/**
 * The "vpc" router namespace and the "outside" namespace beyond it.
 *
 * EC2's source/dest check is the router's strict reverse-path filter on every ENI link: a
 * packet is accepted only when the route back to its source leaves by the link it came in on,
 * and the only routes to VPC addresses are the /32 and /28 routes of what EC2 assigned to
 * that ENI. The routing table is thus the single record of "addresses of this ENI", for
 * delivery and for the check alike. The outside link is exempt (rp_filter 0).
 *
 * Subnet gateways are addresses of the router's loopback, which it answers ARP for on every
 * link; proxy ARP on the ENI links answers for the other addresses of the subnet, which EC2
 * delivers without the instances seeing each other's ARP.
 */

import { InvalidInputError } from '../../../core/errors';
import { formatIpv4, parseCidr } from '../../../core/net/ipv4';
import { addNamespace, ipBatch, setSysctls } from './commands';
import type { FabricNames } from './names';
import { OUTSIDE_LINK, OUTSIDE_ROUTER_LINK } from './names';

export const DEFAULT_OUTSIDE_CIDR = '203.0.113.0/24';

/** Host numbers inside the outside block: the router is .1, the outside host .10 (TEST-NET-3 style). */
const OUTSIDE_ROUTER_HOST = 1;
const OUTSIDE_HOST = 10;

export interface OutsideAddressing {
  readonly cidr: string;
  readonly prefixLength: number;
  readonly routerAddress: string;
  readonly outsideAddress: string;
}

export function outsideAddressing(cidr: string): OutsideAddressing {
  const allowed = 'an IPv4 network of /8 to /28 outside the VPC, e.g. 203.0.113.0/24';
  let parsed: ReturnType<typeof parseCidr>;
  try {
    parsed = parseCidr(cidr);
  } catch {
    throw new InvalidInputError('outsideCidr', cidr, allowed);
  }
  if (parsed.prefixLength < 8 || parsed.prefixLength > 28)
    throw new InvalidInputError('outsideCidr', cidr, allowed);
  return {
    cidr,
    prefixLength: parsed.prefixLength,
    routerAddress: formatIpv4(parsed.network + OUTSIDE_ROUTER_HOST),
    outsideAddress: formatIpv4(parsed.network + OUTSIDE_HOST),
  };
}

/** Settings every namespace inherits from the host for IPv4; set here so the host's choice does not matter. */
const ROUTER_SYSCTLS = {
  'net.ipv4.ip_forward': 1,
  // The effective rp_filter of a link is the larger of `all` and its own; links decide.
  'net.ipv4.conf.all.rp_filter': 0,
  'net.ipv4.conf.default.rp_filter': 1,
  'net.ipv4.conf.default.proxy_arp': 1,
  'net.ipv4.conf.all.arp_ignore': 0,
  'net.ipv4.conf.default.arp_ignore': 0,
  // Instances on one subnet reach each other through the router; a redirect would bypass it.
  'net.ipv4.conf.all.send_redirects': 0,
  'net.ipv4.conf.default.send_redirects': 0,
} as const;

export async function createRouterAndOutside(names: FabricNames, outside: OutsideAddressing): Promise<void> {
  await addNamespace(names.router);
  await addNamespace(names.outside);
  await setSysctls(names.router, ROUTER_SYSCTLS);
  await ipBatch(
    [
      `link add ${OUTSIDE_ROUTER_LINK} type veth peer name ${OUTSIDE_LINK} netns ${names.outside}`,
      `addr add ${outside.routerAddress}/${outside.prefixLength} dev ${OUTSIDE_ROUTER_LINK}`,
      `link set ${OUTSIDE_ROUTER_LINK} up`,
    ],
    { namespace: names.router },
  );
  await setSysctls(names.router, {
    [`net.ipv4.conf.${OUTSIDE_ROUTER_LINK}.rp_filter`]: 0,
    [`net.ipv4.conf.${OUTSIDE_ROUTER_LINK}.proxy_arp`]: 0,
  });
  await ipBatch(
    [
      `addr add ${outside.outsideAddress}/${outside.prefixLength} dev ${OUTSIDE_LINK}`,
      `link set ${OUTSIDE_LINK} up`,
      `route add default via ${outside.routerAddress} dev ${OUTSIDE_LINK}`,
    ],
    { namespace: names.outside },
  );
}
