/** Pure planning of the datapath (names, ip lines, iptables input, rule diffs) and the server's lock. */

import { podTeardownLines } from '../../../core/contract/pod-datapath';
import { hostRuleChanges } from '../../../node-agent/datapath/host-rules';
import { CHAINS, snatRules, tableRestore } from '../../../node-agent/datapath/iptables-rules';
import { hostVethName, randomMac, routeTableFor } from '../../../node-agent/datapath/names';
import { hostSetupLines, ruleTeardownLines } from '../../../node-agent/datapath/pod-commands';

describe('Module: datapath names', () => {
  it('names the host veth like the AWS VPC CNI: prefix and 11 hex of sha1("ns.pod")', () => {
    // Act
    const name = hostVethName('eni', 'kube-system', 'coredns-5d78c9869d-abcde');

    // Assess
    expect(name).toBe('eni4d5f75c480c');
  });

  it('puts the primary ENI in main and device N in table N+1', () => {
    // Assess
    expect([routeTableFor(0), routeTableFor(1), routeTableFor(4)]).toEqual([254, 2, 5]);
  });

  it('makes unicast, locally administered MACs', () => {
    // Act
    const first = Number.parseInt(randomMac().slice(0, 2), 16);

    // Assess
    expect(first & 0x01).toBe(0);
    expect(first & 0x02).toBe(2);
  });
});

describe('Module: pod commands', () => {
  const plan = {
    hostIfName: 'eni0123456789a',
    hostMac: '02:00:00:00:00:01',
    podIfName: 'eth0',
    podMac: '02:00:00:00:00:02',
    netnsPath: '/run/netns/pod',
    ip: '10.0.1.17',
    mtu: 9001,
    routeTable: 2,
  };

  it('adds one from-rule for every destination, only for pods on a secondary ENI', () => {
    // Act
    const secondary = hostSetupLines(plan);
    const primary = hostSetupLines({ ...plan, routeTable: 254 });

    // Assess
    expect(secondary.filter((l) => l.includes('priority 1536'))).toEqual([
      'rule add from 10.0.1.17/32 lookup 2 priority 1536',
    ]);
    expect(primary.some((l) => l.includes('priority 1536'))).toBe(false);
    expect(primary).toContain('route replace 10.0.1.17/32 dev eni0123456789a scope link table 4096');
    expect(primary).toContain('route replace 10.0.1.17/32 dev eni0123456789a scope link');
    expect(primary.some((l) => l.includes('priority 512'))).toBe(false);
    expect(primary[0]).toContain('peer name eth0 address 02:00:00:00:00:02 mtu 9001 netns /run/netns/pod');
  });

  it('plugin without agent: deletes exactly the rules the pod has, and spares a link that belongs to another sandbox', () => {
    // Prepare
    const rules = [
      { priority: 512, src: 'all', dst: '10.0.1.17', table: 'main' },
      { priority: 512, src: 'all', dst: '10.0.1.18', table: 'main' },
      { priority: 1536, src: '10.0.1.17', dst: '10.0.0.0', dstlen: 16, table: '2' },
      { priority: 1536, src: '10.0.1.17', dst: '192.168.0.0', dstlen: 24, table: '2' },
      { priority: 1536, src: '10.0.1.170', table: '2' },
    ];

    // Act
    const lines = podTeardownLines(undefined, '10.0.1.17', rules);

    // Assess
    expect(lines).toEqual([
      'rule del to 10.0.1.17/32 priority 512 lookup main',
      'rule del from 10.0.1.17/32 to 10.0.0.0/16 priority 1536',
      'rule del from 10.0.1.17/32 to 192.168.0.0/24 priority 1536',
    ]);
    expect(podTeardownLines('eni0123456789a', undefined, rules)).toEqual(['link del dev eni0123456789a']);
  });

  it('plugin without agent: removes the pods-table route through its own link before the link, and never the node rule', () => {
    // Prepare
    const rules = [
      { priority: 512, src: 'all', table: '4096' },
      { priority: 1536, src: '10.0.1.17', table: '2' },
    ];

    // Act
    const lines = podTeardownLines('eni0123456789a', '10.0.1.17', rules);

    // Assess
    expect(lines).toEqual([
      'route del 10.0.1.17/32 dev eni0123456789a table 4096',
      'link del dev eni0123456789a',
      'rule del from 10.0.1.17/32 priority 1536',
    ]);
  });

  it('agent: removes the pods-table route through the link and flushes the pod rules by selector', () => {
    // Act
    const lines = ruleTeardownLines('10.0.1.17', 'eni0123456789a');
    const linkOfAnotherSandbox = ruleTeardownLines('10.0.1.17');

    // Assess
    expect(lines).toEqual([
      'route del 10.0.1.17/32 dev eni0123456789a table 4096',
      'rule flush to 10.0.1.17/32 priority 512',
      'rule flush from 10.0.1.17/32 priority 1536',
    ]);
    expect(linkOfAnotherSandbox).toEqual([
      'rule flush to 10.0.1.17/32 priority 512',
      'rule flush from 10.0.1.17/32 priority 1536',
    ]);
  });
});

describe('Module: iptables rules', () => {
  const rules = snatRules({
    vpcCidrs: ['10.0.0.0/16'],
    excludeCidrs: [],
    primaryIp: '10.0.0.10',
    randomize: 'prng',
  });

  it('adds the jump only when iptables-save lacks it', () => {
    // Prepare
    const withJump =
      '*nat\n:LEDGER-SNAT - [0:0]\n-A POSTROUTING -m comment --comment "ledger-cni: SNAT" -j LEDGER-SNAT\n';

    // Act
    const fresh = tableRestore(CHAINS.snat, '*nat\n', rules)!;
    const again = tableRestore(CHAINS.snat, withJump, rules)!;

    // Assess
    expect(fresh).toContain('-A POSTROUTING -m comment --comment "ledger-cni: SNAT" -j LEDGER-SNAT');
    expect(again).not.toContain('-A POSTROUTING');
    expect(again).toContain('--to-source 10.0.0.10 --random-fully');
  });

  it('removes the chain and its jump when no longer wanted, and writes nothing when already gone', () => {
    // Prepare
    const withJump =
      '*nat\n:LEDGER-SNAT - [0:0]\n-A POSTROUTING -m comment --comment "ledger-cni: SNAT" -j LEDGER-SNAT\n';

    // Act
    const removal = tableRestore(CHAINS.snat, withJump, undefined);
    const nothing = tableRestore(CHAINS.snat, '*nat\n', undefined);

    // Assess
    expect(removal).toBe(
      '*nat\n-D POSTROUTING -m comment --comment "ledger-cni: SNAT" -j LEDGER-SNAT\n:LEDGER-SNAT - [0:0]\n-X LEDGER-SNAT\nCOMMIT\n',
    );
    expect(nothing).toBeUndefined();
  });
});

describe('Function: hostRuleChanges', () => {
  it('adds what is missing, deletes duplicates and unwanted, keeps the rest', () => {
    // Prepare
    const present = [
      { priority: 512, src: 'all', table: '4096' },
      { priority: 1024, fwmark: '0x80', fwmask: '0x80', table: 'main' },
      { priority: 1535, dst: '172.20.0.0', dstlen: 16, table: 'main' },
      { priority: 1535, dst: '172.20.0.0', dstlen: 16, table: 'main' },
      { priority: 1535, dst: '172.30.0.0', dstlen: 16, table: 'main' },
      { priority: 0, src: 'all', table: 'local' },
    ];

    // Act
    const lines = hostRuleChanges(present, {
      nodePortSupport: true,
      externalServiceCidrs: ['172.20.0.0/16', '172.21.0.0/16'],
    });

    // Assess
    expect(lines).toEqual([
      'rule del to 172.20.0.0/16 priority 1535 lookup main',
      'rule del to 172.30.0.0/16 priority 1535 lookup main',
      'rule add to 172.21.0.0/16 lookup main priority 1535',
    ]);
  });

  it('is empty when everything is in place', () => {
    // Assess
    expect(
      hostRuleChanges(
        [
          { priority: 512, src: 'all', table: '4096' },
          { priority: 1024, fwmark: '0x80', fwmask: '0x80', table: 'main' },
        ],
        { nodePortSupport: true, externalServiceCidrs: [] },
      ),
    ).toEqual([]);
  });

  it('adds the node-wide pods-table rule once, drops a duplicate, and leaves per-pod rules of an earlier version alone', () => {
    // Prepare
    const oldPodRule = { priority: 512, src: 'all', dst: '10.0.1.17', table: 'main' };
    const nodeRule = { priority: 512, src: 'all', table: '4096' };

    // Act
    const fresh = hostRuleChanges([oldPodRule], { nodePortSupport: false, externalServiceCidrs: [] });
    const doubled = hostRuleChanges([nodeRule, oldPodRule, nodeRule], {
      nodePortSupport: false,
      externalServiceCidrs: [],
    });

    // Assess
    expect(fresh).toEqual(['rule add from all lookup 4096 priority 512']);
    expect(doubled).toEqual(['rule del from all priority 512 lookup 4096']);
  });
});
