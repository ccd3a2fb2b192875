/**
 * Turns "what the fabric is" and "what it should be" into the ordered iproute2 work that gets
 * from one to the other. Pure, so the ordering rules below are unit-tested without root.
 *
 * Ordering: removals first and tolerant (a route or link may already be gone with its
 * namespace), so that a name or address that moves (an ENI re-attached at another device
 * index, an address moved to another ENI) is free before it is added again.
 */
import { parseCidr } from '../../../core/net/ipv4';
import type { FabricSpec, LinkSpec } from './desired-state';
import type { FabricNames } from './names';
import { instanceLinkName, routerLinkName } from './names';

/**
 * The router reaches every ENI at its MAC without ARP, as the VPC does: routes point at this
 * link-local next hop, which each link resolves to its ENI's MAC through a permanent entry.
 * Addresses of a pod behind a node are never configured on the node, so ARP could not find them.
 */
export const ENI_NEXT_HOP = '169.254.0.1';

/** EC2 carries jumbo frames inside a VPC; an instance's ENIs come up with this MTU. */
export const ENI_MTU = 9001;

export type Operation =
  | {
      readonly kind: 'batch';
      readonly namespace: string;
      readonly lines: string[];
      readonly tolerant: boolean;
    }
  | { readonly kind: 'add-namespace'; readonly namespace: string }
  | { readonly kind: 'delete-namespaces'; readonly namespaces: string[] };

function sameLink(a: LinkSpec, b: LinkSpec): boolean {
  return (
    a.instanceId === b.instanceId &&
    a.deviceIndex === b.deviceIndex &&
    a.mac === b.mac &&
    a.subnetCidr === b.subnetCidr &&
    a.primaryAddress === b.primaryAddress
  );
}

function routeLines(link: LinkSpec, routes: readonly string[], verb: 'replace' | 'del'): string[] {
  const dev = routerLinkName(link.eniId);
  return routes.map((route) =>
    verb === 'replace'
      ? `route replace ${route} via ${ENI_NEXT_HOP} dev ${dev} onlink`
      : `route del ${route} dev ${dev}`,
  );
}

function createLinkLines(link: LinkSpec, names: FabricNames): string[] {
  const dev = routerLinkName(link.eniId);
  const peer = instanceLinkName(link.deviceIndex);
  return [
    `link add ${dev} mtu ${ENI_MTU} type veth peer name ${peer} mtu ${ENI_MTU} address ${link.mac} netns ${names.node(link.instanceId)}`,
    `link set ${dev} up`,
    // Proxy ARP answers a broadcast request only after a random delay of up to 0.8 s by default.
    `ntable change name arp_cache dev ${dev} proxy_delay 0`,
    `neigh replace ${ENI_NEXT_HOP} lladdr ${link.mac} dev ${dev} nud permanent`,
  ];
}

/** Device 0 is configured by the instance itself (DHCP on EC2); other ENIs are left to the node agent. */
function instanceLinkLines(link: LinkSpec): string[] {
  const dev = instanceLinkName(link.deviceIndex);
  const lines = [`link set ${dev} up`];
  if (link.deviceIndex === 0) {
    const { prefixLength } = parseCidr(link.subnetCidr);
    lines.push(`addr add ${link.primaryAddress}/${prefixLength} dev ${dev}`);
    lines.push(`route replace default via ${link.gateway} dev ${dev}`);
  }
  return lines;
}

export function planChanges(current: FabricSpec, desired: FabricSpec, names: FabricNames): Operation[] {
  const removedLinks: LinkSpec[] = [];
  const addedLinks: LinkSpec[] = [];
  const routeRemovals: string[] = [];
  const routeAdditions: string[] = [];

  for (const [eniId, link] of current.links) {
    const wanted = desired.links.get(eniId);
    if (!wanted || !sameLink(link, wanted)) {
      removedLinks.push(link);
      continue;
    }
    const keep = new Set(wanted.routes);
    const had = new Set(link.routes);
    routeRemovals.push(
      ...routeLines(
        link,
        link.routes.filter((r) => !keep.has(r)),
        'del',
      ),
    );
    routeAdditions.push(
      ...routeLines(
        wanted,
        wanted.routes.filter((r) => !had.has(r)),
        'replace',
      ),
    );
  }
  for (const [eniId, link] of desired.links) {
    const had = current.links.get(eniId);
    if (!had || !sameLink(had, link)) addedLinks.push(link);
  }

  const removedNodes = [...current.nodes].filter((id) => !desired.nodes.has(id));
  const addedNodes = [...desired.nodes].filter((id) => !current.nodes.has(id));
  const gateways = [...new Set(addedLinks.map((link) => link.gateway))];

  const operations: Operation[] = [];
  const teardown = [
    ...removedLinks.map((link) => `link del ${routerLinkName(link.eniId)}`),
    ...routeRemovals,
  ];
  if (teardown.length > 0) {
    operations.push({ kind: 'batch', namespace: names.router, lines: teardown, tolerant: true });
  }
  if (removedNodes.length > 0) {
    operations.push({ kind: 'delete-namespaces', namespaces: removedNodes.map((id) => names.node(id)) });
  }
  for (const id of addedNodes) operations.push({ kind: 'add-namespace', namespace: names.node(id) });

  const setup = [
    // Re-adding an existing address is an error; `replace` keeps the router's gateways idempotent.
    ...gateways.map((gateway) => `addr replace ${gateway}/32 dev lo`),
    ...addedLinks.flatMap((link) => createLinkLines(link, names)),
    ...addedLinks.flatMap((link) => routeLines(link, link.routes, 'replace')),
    ...routeAdditions,
  ];
  if (setup.length > 0)
    operations.push({ kind: 'batch', namespace: names.router, lines: setup, tolerant: false });

  const byNode = new Map<string, string[]>();
  for (const link of [...addedLinks].sort((a, b) => a.deviceIndex - b.deviceIndex)) {
    const lines = byNode.get(link.instanceId) ?? [];
    lines.push(...instanceLinkLines(link));
    byNode.set(link.instanceId, lines);
  }
  for (const [instanceId, lines] of byNode) {
    operations.push({ kind: 'batch', namespace: names.node(instanceId), lines, tolerant: false });
  }
  return operations;
}
