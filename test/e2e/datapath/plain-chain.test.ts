/**
 * The datapath benchmark's reference paths against the real kernel: a chain of forwarding
 * namespaces that carries traffic end to end with none of the datapath's rules. Needs root.
 */
import { plainChain } from '../../../bench/datapath/plain-chain';
import { delNs, inNs, ipIn, isRoot, ping } from './netns';

const TAG = `lpc${process.pid % 100000}`;

const suite = isRoot ? describe : describe.skip;
if (!isRoot) console.warn('reference chain e2e skipped: it needs root to create network namespaces');

suite('Function: plainChain', () => {
  const made: string[] = [];

  afterEach(() => {
    for (const ns of made.splice(0)) delNs(ns);
  });

  it.each([1, 3])('carries traffic across %i forwarder(s) with plain routing only', async (forwarders) => {
    // Arrange
    const options = { prefix: `${TAG}-${forwarders}`, forwarders, mtu: 9001, made };

    // Act
    const chain = await plainChain({ ...options, clientIp: '198.51.100.9', serverIp: '198.51.100.10' });

    // Assess
    expect(chain.namespaces).toHaveLength(forwarders + 2);
    expect(ping(chain.clientNetns, chain.serverIp)).toBe(true);
    for (const ns of chain.namespaces.slice(1, -1)) {
      expect(ipIn<{ priority: number }>(ns, ['rule', 'show']).map((r) => r.priority)).toEqual([
        0, 32766, 32767,
      ]);
      expect(inNs(ns, ['iptables-save']).trim()).toBe('');
      expect(inNs(ns, ['cat', '/proc/sys/net/ipv4/conf/all/rp_filter']).trim()).toBe('0');
    }
    const mtus = ipIn<{ ifname: string; mtu: number }>(chain.clientNetns, ['link', 'show', 'dev', 'eth0']);
    expect(mtus[0]?.mtu).toBe(9001);
  });
});
