import { previousFrom, toResult } from '../../../cni/result';
import type { PodWiring } from '../../../core/contract/agent-socket';

const wiring: PodWiring = {
  hostInterface: { name: 'eni0123456789a', mac: '02:00:00:00:00:01' },
  podInterface: { name: 'eth0', mac: '02:00:00:00:00:02', sandbox: '/run/netns/pod' },
  ip: '10.0.1.17',
  gateway: '169.254.1.1',
  mtu: 9001,
  routeTable: 2,
};

describe('Module: cni/result', () => {
  describe('Function: toResult', () => {
    it('writes a 1.1.0 result with interface MTUs and the pod interface index', () => {
      // Act
      const result = toResult(wiring, '1.1.0');

      // Assess
      expect(result).toEqual({
        cniVersion: '1.1.0',
        interfaces: [
          { name: 'eni0123456789a', mac: '02:00:00:00:00:01', mtu: 9001 },
          { name: 'eth0', mac: '02:00:00:00:00:02', mtu: 9001, sandbox: '/run/netns/pod' },
        ],
        ips: [{ address: '10.0.1.17/32', gateway: '169.254.1.1', interface: 1 }],
        routes: [{ dst: '0.0.0.0/0', gw: '169.254.1.1' }],
        dns: {},
      });
    });

    it('adds the IP version for 0.4.0 and leaves 1.1.0-only fields out', () => {
      // Act
      const result = toResult(wiring, '0.4.0') as {
        ips: { version?: string }[];
        interfaces: { mtu?: number }[];
      };

      // Assess
      expect(result.ips[0]!.version).toBe('4');
      expect(result.interfaces.map((i) => i.mtu)).toEqual([undefined, undefined]);
    });
  });

  describe('Function: previousFrom', () => {
    it('recovers what DEL and CHECK need from a result it wrote', () => {
      // Act
      const previous = previousFrom(toResult(wiring, '1.0.0'), 'eth0');

      // Assess
      expect(previous).toEqual({
        hostIfName: 'eni0123456789a',
        hostMac: '02:00:00:00:00:01',
        podMac: '02:00:00:00:00:02',
        ip: '10.0.1.17',
        sandbox: '/run/netns/pod',
      });
    });

    it('drops names and addresses that could not be ours rather than pass them to ip', () => {
      // Act
      const previous = previousFrom(
        {
          interfaces: [{ name: 'eni0 up\nlink del eth0' }, { name: 'eth0', sandbox: '/run/netns/p' }],
          ips: [{ address: '10.0.1.17 priority 1\nlink del eth0/32', interface: 1 }],
        },
        'eth0',
      );

      // Assess
      expect([previous.hostIfName, previous.ip]).toEqual([undefined, undefined]);
    });

    it('returns what it can from a malformed prevResult instead of failing', () => {
      // Act
      const previous = previousFrom({ interfaces: 'x', ips: [{ address: 5 }] }, 'eth0');

      // Assess
      expect(previous).toEqual({
        hostIfName: undefined,
        hostMac: undefined,
        podMac: undefined,
        ip: undefined,
        sandbox: undefined,
      });
    });
  });
});
