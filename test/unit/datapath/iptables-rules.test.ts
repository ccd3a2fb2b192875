/**
 * The connmark chains' restore input: a hot path without xtables matches, jumps that
 * converge, and outbound marking only for pods' connections that leave the VPC.
 */
import {
  CHAINS,
  connmarkRules,
  jumpRule,
  outboundRules,
  tableRestore,
} from '../../../node-agent/datapath/iptables-rules';

describe('Module: iptables rules, outbound connections chain', () => {
  const rules = outboundRules({
    vethPrefixes: ['eni'],
    vpcCidrs: ['10.0.0.0/16'],
    excludeCidrs: ['172.16.0.0/12'],
  });

  it('marks a pod’s new connection unless it stays in the VPC or is excluded from SNAT, then copies the mark to the packet', () => {
    // Assess
    expect(rules).toEqual([
      '-A LEDGER-CONNMARK-OUT -d 10.0.0.0/16 -m comment --comment "ledger-cni: VPC" -j RETURN',
      '-A LEDGER-CONNMARK-OUT -d 172.16.0.0/12 -m comment --comment "ledger-cni: excluded" -j RETURN',
      '-A LEDGER-CONNMARK-OUT -i eni+ -m comment --comment "ledger-cni: leaves the VPC" -j CONNMARK --set-xmark 0x80/0x80',
      '-A LEDGER-CONNMARK-OUT -i eni+ -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
    ]);
    expect(CHAINS.outbound.table).toBe('nat');
  });
});

describe('Module: iptables rules, NodePort chain', () => {
  const rules = connmarkRules({ primaryIfName: 'eth0', vethPrefixes: ['eni'], nodePortSupport: true });

  it('keeps only the restore rule without NodePort support', () => {
    // Act
    const without = connmarkRules({ primaryIfName: 'eth0', vethPrefixes: ['eni'], nodePortSupport: false });

    // Assess
    expect(without).toEqual([
      '-A LEDGER-CONNMARK -i eni+ -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
    ]);
  });
  const oldJump = '-A PREROUTING -m comment --comment "ledger-cni: NodePort" -j LEDGER-CONNMARK';

  it('checks the address type only for a connection’s first packet', () => {
    // Act
    const marking = rules.find((r) => r.includes('--set-xmark'));

    // Assess
    expect(marking).toMatch(/-i eth0 -m conntrack --ctstate NEW -m addrtype --dst-type LOCAL/);
  });

  it('restores the mark on every pod packet with no comment match on the way', () => {
    // Act
    const restore = rules.find((r) => r.includes('--restore-mark'));

    // Assess
    expect(restore).toBe('-A LEDGER-CONNMARK -i eni+ -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80');
    expect(jumpRule(CHAINS.connmark)).toBe('-A PREROUTING -j LEDGER-CONNMARK');
  });

  it('swaps an earlier version’s commented jump for the bare one in one transaction', () => {
    // Prepare
    const saved = `*mangle\n:LEDGER-CONNMARK - [0:0]\n${oldJump}\n`;

    // Act
    const text = tableRestore(CHAINS.connmark, saved, rules)!;

    // Assess
    const lines = text.split('\n');
    expect(lines).toContain(oldJump.replace(/^-A /, '-D '));
    expect(lines).toContain('-A PREROUTING -j LEDGER-CONNMARK');
    expect(lines.at(-2)).toBe('COMMIT');
  });

  it('keeps the wanted jump and drops a duplicate of it', () => {
    // Prepare
    const jump = '-A PREROUTING -j LEDGER-CONNMARK';
    const saved = `*mangle\n:LEDGER-CONNMARK - [0:0]\n${jump}\n${jump}\n`;

    // Act
    const lines = tableRestore(CHAINS.connmark, saved, rules)!.split('\n');

    // Assess
    expect(lines.filter((l) => l === '-D PREROUTING -j LEDGER-CONNMARK')).toHaveLength(1);
    expect(lines).not.toContain(jump);
  });

  it('removes every jump, whatever its shape, with the chain', () => {
    // Prepare
    const saved = `*mangle\n:LEDGER-CONNMARK - [0:0]\n${oldJump}\n-A PREROUTING -j LEDGER-CONNMARK\n`;

    // Act
    const text = tableRestore(CHAINS.connmark, saved, undefined);

    // Assess
    expect(text).toBe(
      `*mangle\n${oldJump.replace(/^-A /, '-D ')}\n-D PREROUTING -j LEDGER-CONNMARK\n:LEDGER-CONNMARK - [0:0]\n-X LEDGER-CONNMARK\nCOMMIT\n`,
    );
  });
});
