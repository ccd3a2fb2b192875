/**
 * A reference for the pod paths: the same number of veth crossings and forwarding
 * namespaces, wired with iproute2 alone — static /32 routes and permanent neighbours, no
 * policy rules, no iptables (so no conntrack), no reverse-path filter. The endpoints are set
 * up as the plugin sets up a pod (a /32, a link-local gateway with a permanent entry), so the
 * gap between a pod path and its reference is what Ledger and the fabric add to the kernel's
 * own cost of those hops, and the gap between the reference and the bare pair is the hops.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { addNetns } from '../lib/pods';

const run = promisify(execFile);

const GATEWAY = '169.254.1.1';
const FORWARDER_SYSCTLS = [
  'net.ipv4.ip_forward=1',
  'net.ipv4.conf.all.rp_filter=0',
  'net.ipv4.conf.default.rp_filter=0',
];

export interface PlainChain {
  readonly clientNetns: string;
  readonly serverNetns: string;
  readonly serverIp: string;
  /** Every namespace made, for cleanup (also those made before a failure). */
  readonly namespaces: readonly string[];
}

async function macOf(netns: string, link: string): Promise<string> {
  const { stdout } = await run('ip', ['-n', netns, '-j', 'link', 'show', link]);
  const address = (JSON.parse(stdout) as { address?: string }[])[0]?.address;
  if (!address) throw new Error(`no MAC for ${link} in ${netns}`);
  return address;
}

/**
 * client ─ fwd1 ─ … ─ fwdN ─ server, each ─ a veth pair with `mtu`. Client and server take
 * `clientIp` and `serverIp` as /32s; each forwarder routes both addresses to the link they
 * lie behind, through a permanent neighbour, as the fabric's router and a node do.
 */
export async function plainChain(options: {
  prefix: string;
  forwarders: number;
  mtu: number;
  clientIp: string;
  serverIp: string;
  /** Filled as namespaces are made, so a caller can clean up after a failure. */
  made: string[];
}): Promise<PlainChain> {
  const { prefix, forwarders, mtu, clientIp, serverIp, made } = options;
  const names = [
    `${prefix}c`,
    ...Array.from({ length: forwarders }, (_, i) => `${prefix}f${i + 1}`),
    `${prefix}s`,
  ];
  for (const [i, ns] of names.entries()) {
    await addNetns(ns);
    made.push(ns);
    // Set before any link exists: a link takes `default` when it is made.
    if (i > 0 && i < names.length - 1) {
      await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...FORWARDER_SYSCTLS]);
    }
  }
  const ip = (ns: string, ...args: string[]) => run('ip', ['-n', ns, ...args]);
  // Link i joins names[i] (its "r" side) and names[i+1] (its "l" side).
  for (let i = 0; i + 1 < names.length; i++) {
    const [left, right] = [names[i]!, names[i + 1]!];
    const here = i === 0 ? 'eth0' : `r${i}`;
    const there = i + 1 === names.length - 1 ? 'eth0' : `l${i}`;
    await ip(
      left,
      'link',
      'add',
      here,
      'mtu',
      String(mtu),
      'type',
      'veth',
      'peer',
      'name',
      there,
      'netns',
      right,
      'mtu',
      String(mtu),
    );
    await ip(left, 'link', 'set', here, 'up');
    await ip(right, 'link', 'set', there, 'up');
  }
  for (const ns of names) await ip(ns, 'link', 'set', 'lo', 'up');

  const endpoint = async (ns: string, address: string, gatewayNs: string, gatewayLink: string) => {
    await ip(ns, 'address', 'add', `${address}/32`, 'dev', 'eth0');
    await ip(ns, 'route', 'add', GATEWAY, 'dev', 'eth0', 'scope', 'link');
    await ip(ns, 'route', 'add', 'default', 'via', GATEWAY, 'dev', 'eth0');
    const mac = await macOf(gatewayNs, gatewayLink);
    await ip(ns, 'neighbour', 'replace', GATEWAY, 'dev', 'eth0', 'lladdr', mac, 'nud', 'permanent');
  };
  const last = names.length - 1;
  await endpoint(names[0]!, clientIp, names[1]!, last === 1 ? 'eth0' : 'l0');
  await endpoint(names[last]!, serverIp, names[last - 1]!, last - 1 === 0 ? 'eth0' : `r${last - 1}`);

  for (let f = 1; f < last; f++) {
    const ns = names[f]!;
    const towardClient = {
      link: `l${f - 1}`,
      peerNs: names[f - 1]!,
      peerLink: f - 1 === 0 ? 'eth0' : `r${f - 1}`,
    };
    const towardServer = {
      link: `r${f}`,
      peerNs: names[f + 1]!,
      peerLink: f + 1 === last ? 'eth0' : `l${f}`,
    };
    for (const [dest, side] of [
      [clientIp, towardClient],
      [serverIp, towardServer],
    ] as const) {
      const mac = await macOf(side.peerNs, side.peerLink);
      await ip(ns, 'neighbour', 'replace', GATEWAY, 'dev', side.link, 'lladdr', mac, 'nud', 'permanent');
      await ip(ns, 'route', 'add', `${dest}/32`, 'via', GATEWAY, 'dev', side.link, 'onlink');
    }
  }
  return { clientNetns: names[0]!, serverNetns: names[last]!, serverIp, namespaces: names };
}
