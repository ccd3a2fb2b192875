/**
 * The node side of the datapath against the real kernel: secondary ENI tables, node rules,
 * SNAT and NodePort chains, sysctls; and that a second apply changes nothing. Needs root.
 */
import { InvalidInputError } from '../../../core/errors';
import { createHostNetwork, type HostNetworkSettings } from '../../../node-agent/datapath';
import { inNs, ipIn, isRoot, sh, snapshot } from './netns';
import { createNode, type Node } from './topology';

const TAG = `lch${process.pid % 100000}`;
/** The jump into the NodePort chain as versions before the comment-free hot path wrote it. */
const OLD_JUMP =
  '*mangle\n-A PREROUTING -m comment --comment "ledger-cni: NodePort" -j LEDGER-CONNMARK\nCOMMIT\n';

const suite = isRoot ? describe : describe.skip;
if (!isRoot) console.warn('host datapath e2e skipped: it needs root to create network namespaces');

suite('Function: createHostNetwork', () => {
  let node: Node;
  const nat = () => inNs(node.host, ['iptables-save', '-t', 'nat']);
  const mangle = () => inNs(node.host, ['iptables-save', '-t', 'mangle']);
  const apply = (settings: Partial<HostNetworkSettings> = {}) =>
    createHostNetwork({ ...node.hostSettings, ...settings }).apply([node.primary, node.secondary]);

  beforeEach(() => {
    node = createNode(TAG);
  });

  afterEach(() => {
    node.destroy();
  });

  describe('Method: apply', () => {
    it('sets up the secondary ENI, node rules, SNAT, NodePort marks and sysctls', async () => {
      // Act
      await apply();

      // Assess
      const table = ipIn<{ dst: string; gateway?: string; dev: string }>(node.host, [
        'route',
        'show',
        'table',
        '2',
      ]);
      expect(table).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ dst: 'default', gateway: '10.77.1.1', dev: 'eth1' }),
          expect.objectContaining({ dst: '10.77.1.1', dev: 'eth1' }),
        ]),
      );
      const eth1 = ipIn<{ mtu: number; flags: string[] }>(node.host, ['link', 'show', 'dev', 'eth1'])[0]!;
      expect(eth1.mtu).toBe(9001);
      expect(eth1.flags).toContain('UP');
      const rules = ipIn<Record<string, unknown>>(node.host, ['rule', 'show']);
      expect(rules).toEqual(
        expect.arrayContaining([
          { priority: 512, src: 'all', table: '4096' },
          expect.objectContaining({ priority: 1024, fwmark: '0x80', fwmask: '0x80', table: 'main' }),
          expect.objectContaining({ priority: 1535, dst: '172.20.0.0', dstlen: 16, table: 'main' }),
        ]),
      );
      const natRules = nat();
      expect(natRules).toContain('-A POSTROUTING -m comment --comment "ledger-cni: SNAT" -j LEDGER-SNAT');
      expect(natRules).toMatch(/-A LEDGER-SNAT -d 10\.77\.0\.0\/16 .*-j RETURN/);
      expect(natRules).toMatch(/-A LEDGER-SNAT -d 192\.168\.50\.0\/24 .*-j RETURN/);
      expect(natRules).toMatch(/-A LEDGER-SNAT .*-j SNAT --to-source 10\.77\.0\.10 --random-fully/);
      expect(mangle()).toMatch(/-A LEDGER-CONNMARK -i eth0 .*--set-xmark 0x80\/0x80/);
      expect(mangle()).toMatch(/-A LEDGER-CONNMARK -i eni\+ .*--restore-mark --nfmask 0x80 --ctmask 0x80/);
      expect(inNs(node.host, ['cat', '/proc/sys/net/ipv4/conf/eth0/rp_filter']).trim()).toBe('2');
      expect(inNs(node.host, ['cat', '/proc/sys/net/ipv4/ip_forward']).trim()).toBe('1');
    });

    it('changes nothing when applied a second time', async () => {
      // Prepare
      await apply();
      const once = snapshot(node.host);

      // Act
      await apply();

      // Assess
      expect(snapshot(node.host)).toBe(once);
      expect(nat().match(/-j LEDGER-SNAT/g)).toHaveLength(1);
    });

    it('removes what the new settings no longer want, and then stays put', async () => {
      // Prepare
      await apply();

      // Act
      const settings = {
        externalSnat: true,
        nodePortSupport: false,
        externalServiceCidrs: ['172.21.0.0/16'],
      };
      await apply(settings);
      const once = snapshot(node.host);
      await apply(settings);

      // Assess
      expect(nat()).not.toContain('LEDGER-SNAT');
      expect(mangle()).not.toContain('LEDGER-CONNMARK');
      const rules = ipIn<{ priority: number; dst?: string }>(node.host, ['rule', 'show']);
      expect(rules.filter((r) => r.priority === 1024)).toEqual([]);
      expect(rules.filter((r) => r.priority === 1535).map((r) => r.dst)).toEqual(['172.21.0.0']);
      expect(snapshot(node.host)).toBe(once);
    });

    it('marks a connection to the node once, on its first packet through the primary ENI', async () => {
      // Prepare
      await apply();

      // Act: one ping flow of three echoes from beyond the primary ENI to the node's address
      inNs(node.vpc, ['ping', '-c', '3', '-i', '0.2', '-W', '2', '10.77.0.10']);

      // Assess: the rule ran for the flow's first packet only; later ones stopped at its state test
      const marked = inNs(node.host, ['iptables-save', '-c', '-t', 'mangle'])
        .split('\n')
        .find((l) => l.includes('--set-xmark 0x80/0x80'));
      expect(marked).toMatch(/^\[1:84\] -A LEDGER-CONNMARK -i eth0 -m conntrack --ctstate NEW /);
    });

    it('keeps the per-packet mangle path free of comment matches', async () => {
      // Act
      await apply();

      // Assess
      const hot = mangle()
        .split('\n')
        .filter((l) => l.startsWith('-A PREROUTING') || l.includes('--restore-mark'));
      expect(hot).toEqual([
        '-A PREROUTING -j LEDGER-CONNMARK',
        '-A LEDGER-CONNMARK -i eni+ -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
      ]);
    });

    it('replaces the commented jump an earlier version left with the bare one', async () => {
      // Prepare
      await apply();
      sh('ip', ['netns', 'exec', node.host, 'iptables-restore', '--noflush'], OLD_JUMP);

      // Act
      await apply();

      // Assess
      expect(
        mangle()
          .split('\n')
          .filter((l) => l.startsWith('-A PREROUTING')),
      ).toEqual(['-A PREROUTING -j LEDGER-CONNMARK']);
    });

    it.each([
      ['hashrandom', / --random$/m],
      ['none', /--to-source 10\.77\.0\.10$/m],
    ] as const)('honours AWS_VPC_K8S_CNI_RANDOMIZESNAT=%s', async (randomizeSnat, expected) => {
      // Act
      await apply({ randomizeSnat });

      // Assess
      expect(nat()).toMatch(expected);
      expect(nat()).not.toContain('--random-fully');
    });

    it('names the missing link when an ENI MAC matches none', async () => {
      // Prepare
      const before = snapshot(node.host);
      const ghost = { ...node.secondary, mac: '02:42:de:ad:be:ef' };

      // Act
      const applying = createHostNetwork(node.hostSettings).apply([node.primary, ghost]);

      // Assess
      await expect(applying).rejects.toThrow('no link with MAC 02:42:de:ad:be:ef');
      expect(snapshot(node.host)).toBe(before);
    });
  });

  describe('Constructor checks', () => {
    it.each([
      ['vpcCidrs', { vpcCidrs: ['10.77.0.1/16'] }],
      ['excludeSnatCidrs', { excludeSnatCidrs: ['nope'] }],
      ['externalServiceCidrs', { externalServiceCidrs: ['172.20.0.0/33'] }],
      ['primaryIp', { primaryIp: '10.77.0' }],
      ['eniMtu', { eniMtu: 10000 }],
    ] as [string, Partial<HostNetworkSettings>][])(
      'rejects a bad %s by name and touches nothing',
      (field, bad) => {
        // Prepare
        const before = snapshot(node.host);

        // Act
        const create = () => createHostNetwork({ ...node.hostSettings, ...bad });

        // Assess
        expect(create).toThrow(InvalidInputError);
        expect(create).toThrow(field);
        expect(snapshot(node.host)).toBe(before);
      },
    );
  });
});
