/** Checks that hold after any sequence of leases: what EC2 holds and what the ledger says agree. */
import type { LeaseResponse } from '../../../../core/contract/api';
import { cidrContains, parseCidr, parseIpv4 } from '../../../../core/net/ipv4';
import type { TestCluster } from './cluster';

export function allAddresses(leases: LeaseResponse[]): string[] {
  return leases.flatMap((l) => l.addresses.map((a) => a.address));
}

export function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const doubled: string[] = [];
  for (const v of values) {
    if (seen.has(v)) doubled.push(v);
    seen.add(v);
  }
  return doubled;
}

/** Per instance: device indices are unique, ENI count within the cap, addresses per ENI within the type's limit. */
export function attachmentProblems(
  cluster: TestCluster,
  instanceIds: string[],
  maxEnis: number,
  perEni: number,
): string[] {
  const problems: string[] = [];
  for (const id of instanceIds) {
    const enis = cluster.sim.model.interfacesOfInstance(id);
    const indices = enis.map((e) => String(e.attachment?.deviceIndex));
    for (const d of duplicates(indices)) problems.push(`${id}: device index ${d} used twice`);
    if (enis.length > maxEnis) problems.push(`${id}: ${enis.length} ENIs > ${maxEnis}`);
    for (const e of enis) {
      const used = 1 + e.secondaryIps.length + e.prefixes.length;
      if (used > perEni) problems.push(`${e.networkInterfaceId}: ${used} addresses > ${perEni}`);
    }
  }
  return problems;
}

/** Every leased address is on the ENI the answer named, in EC2 (a carved one inside one of its prefixes). */
export function leasesMissingInEc2(cluster: TestCluster, leases: LeaseResponse[]): string[] {
  return leases.flatMap((l) =>
    l.addresses
      .filter((a) => {
        const eni = cluster.sim.model.getNetworkInterface(a.eni.eniId);
        if (!eni) return true;
        if (a.kind === 'prefix') return !eni.prefixes.includes(a.address);
        const carved = eni.prefixes.some((p) => cidrContains(parseCidr(p), parseIpv4(a.address)));
        return !eni.secondaryIps.includes(a.address) && !carved;
      })
      .map((a) => `${a.address} on ${a.eni.eniId}`),
  );
}
