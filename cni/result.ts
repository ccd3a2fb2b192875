/** CNI results from the agent's wiring, per spec version, and the way back from prevResult. */
import type { PodWiring, PreviousWiring } from '../core/contract/agent-socket';
import { validIfName } from './env';
import type { CniVersion } from './versions';

const DOTTED_IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function toResult(wiring: PodWiring, version: CniVersion): Record<string, unknown> {
  // Interface mtu is a 1.1.0 field; older runtimes may reject what they do not know.
  const mtu = version === '1.1.0' ? { mtu: wiring.mtu } : {};
  return {
    cniVersion: version,
    interfaces: [
      { name: wiring.hostInterface.name, mac: wiring.hostInterface.mac, ...mtu },
      {
        name: wiring.podInterface.name,
        mac: wiring.podInterface.mac,
        ...mtu,
        sandbox: wiring.podInterface.sandbox,
      },
    ],
    ips: [
      {
        ...(version === '0.4.0' ? { version: '4' } : {}),
        address: `${wiring.ip}/32`,
        gateway: wiring.gateway,
        interface: 1,
      },
    ],
    routes: [{ dst: '0.0.0.0/0', gw: wiring.gateway }],
    dns: {},
  };
}

interface ResultInterface {
  name?: unknown;
  mac?: unknown;
  sandbox?: unknown;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What prevResult says about our pod: the host interface has no sandbox, the pod interface
 * named `ifName` has one. Anything missing or odd is simply absent: DEL must still succeed.
 */
export function previousFrom(
  prevResult: Record<string, unknown> | undefined,
  ifName: string,
): PreviousWiring {
  if (prevResult === undefined) return {};
  const interfaces = (Array.isArray(prevResult.interfaces) ? prevResult.interfaces : []) as ResultInterface[];
  const podIndex = interfaces.findIndex((i) => i?.name === ifName && text(i.sandbox) !== undefined);
  const pod = interfaces[podIndex];
  const host = interfaces.find((i) => text(i?.name) !== undefined && text(i?.sandbox) === undefined);
  const ips = (Array.isArray(prevResult.ips) ? prevResult.ips : []) as {
    address?: unknown;
    interface?: unknown;
  }[];
  const ip = ips.find((i) => i?.interface === podIndex) ?? ips[0];
  // Only well-formed values leave here: they become `ip` command lines on DEL.
  const address = text(ip?.address)?.split('/')[0];
  const hostIfName = text(host?.name);
  return {
    hostIfName: hostIfName !== undefined && validIfName(hostIfName) ? hostIfName : undefined,
    hostMac: text(host?.mac),
    podMac: text(pod?.mac),
    ip: address !== undefined && DOTTED_IPV4.test(address) ? address : undefined,
    sandbox: text(pod?.sandbox),
  };
}
