/**
 * The ordering rules of the fabric's plan, as pure logic (no root needed); the kernel side is
 * covered by fabric.test.ts.
 */
import { EMPTY_FABRIC, type FabricSpec, type LinkSpec } from '../../../infra/local/fabric/desired-state';
import { fabricNames } from '../../../infra/local/fabric/names';
import { ENI_NEXT_HOP, type Operation, planChanges } from '../../../infra/local/fabric/plan';

const names = fabricNames('plan');

function link(overrides: Partial<LinkSpec> = {}): LinkSpec {
  return {
    eniId: 'eni-0aaaaaaaaaaaaaaaa',
    instanceId: 'i-0aaaaaaaaaaaaaaaa',
    deviceIndex: 0,
    mac: '02:00:00:00:00:01',
    subnetCidr: '10.0.1.0/24',
    gateway: '10.0.1.1',
    primaryAddress: '10.0.1.10',
    routes: ['10.0.1.10/32'],
    ...overrides,
  };
}

function spec(links: LinkSpec[], nodes = links.map((l) => l.instanceId)): FabricSpec {
  return { nodes: new Set(nodes), links: new Map(links.map((l) => [l.eniId, l])) };
}

/** Every line of every batch, prefixed with its namespace, in execution order. */
function flatten(operations: Operation[]): string[] {
  return operations.flatMap((op) => {
    if (op.kind === 'batch') return op.lines.map((line) => `${op.namespace}: ${line}`);
    if (op.kind === 'add-namespace') return [`netns add ${op.namespace}`];
    return op.namespaces.map((ns) => `netns del ${ns}`);
  });
}

describe('Function: planChanges', () => {
  it('creates the namespace, the link with the ENI MAC, routes and the primary address of a new instance', () => {
    // Prepare
    const primary = link({ routes: ['10.0.1.10/32', '10.0.1.32/28'] });

    // Act
    const lines = flatten(planChanges(EMPTY_FABRIC, spec([primary]), names));

    // Assess
    expect(lines).toEqual([
      'netns add plan-i-0aaaaaaaaaaaaaaaa',
      'plan-vpc: addr replace 10.0.1.1/32 dev lo',
      'plan-vpc: link add eni-aaaaaaaaaaa mtu 9001 type veth peer name eth0 mtu 9001 address 02:00:00:00:00:01 netns plan-i-0aaaaaaaaaaaaaaaa',
      'plan-vpc: link set eni-aaaaaaaaaaa up',
      'plan-vpc: ntable change name arp_cache dev eni-aaaaaaaaaaa proxy_delay 0',
      `plan-vpc: neigh replace ${ENI_NEXT_HOP} lladdr 02:00:00:00:00:01 dev eni-aaaaaaaaaaa nud permanent`,
      `plan-vpc: route replace 10.0.1.10/32 via ${ENI_NEXT_HOP} dev eni-aaaaaaaaaaa onlink`,
      `plan-vpc: route replace 10.0.1.32/28 via ${ENI_NEXT_HOP} dev eni-aaaaaaaaaaa onlink`,
      'plan-i-0aaaaaaaaaaaaaaaa: link set eth0 up',
      'plan-i-0aaaaaaaaaaaaaaaa: addr add 10.0.1.10/24 dev eth0',
      'plan-i-0aaaaaaaaaaaaaaaa: route replace default via 10.0.1.1 dev eth0',
    ]);
  });

  it('leaves a secondary ENI without address or route on the instance side', () => {
    // Prepare
    const primary = link();
    const secondary = link({ eniId: 'eni-0bbbbbbbbbbbbbbbb', deviceIndex: 2, primaryAddress: '10.0.1.20' });

    // Act
    const lines = flatten(planChanges(spec([primary]), spec([primary, secondary]), names));

    // Assess
    expect(lines.filter((l) => l.startsWith('plan-i-'))).toEqual([
      'plan-i-0aaaaaaaaaaaaaaaa: link set eth2 up',
    ]);
    expect(lines).toContain(
      'plan-vpc: link add eni-bbbbbbbbbbb mtu 9001 type veth peer name eth2 mtu 9001 address 02:00:00:00:00:01 netns plan-i-0aaaaaaaaaaaaaaaa',
    );
  });

  it('removes a route before adding it to the ENI an address moved to, and tolerates it being gone', () => {
    // Prepare
    const a = link({ routes: ['10.0.1.10/32', '10.0.1.50/32'] });
    const b = link({ eniId: 'eni-0bbbbbbbbbbbbbbbb', deviceIndex: 1, routes: ['10.0.1.20/32'] });
    const after = [link({ routes: ['10.0.1.10/32'] }), { ...b, routes: ['10.0.1.20/32', '10.0.1.50/32'] }];

    // Act
    const operations = planChanges(spec([a, b]), spec(after), names);

    // Assess
    expect(operations).toEqual([
      {
        kind: 'batch',
        namespace: 'plan-vpc',
        tolerant: true,
        lines: ['route del 10.0.1.50/32 dev eni-aaaaaaaaaaa'],
      },
      {
        kind: 'batch',
        namespace: 'plan-vpc',
        tolerant: false,
        lines: [`route replace 10.0.1.50/32 via ${ENI_NEXT_HOP} dev eni-bbbbbbbbbbb onlink`],
      },
    ]);
  });

  it('deletes the links of a terminated instance before its namespace', () => {
    // Prepare
    const primary = link();
    const secondary = link({ eniId: 'eni-0bbbbbbbbbbbbbbbb', deviceIndex: 1 });

    // Act
    const lines = flatten(planChanges(spec([primary, secondary]), EMPTY_FABRIC, names));

    // Assess
    expect(lines).toEqual([
      'plan-vpc: link del eni-aaaaaaaaaaa',
      'plan-vpc: link del eni-bbbbbbbbbbb',
      'netns del plan-i-0aaaaaaaaaaaaaaaa',
    ]);
  });

  it('re-creates the link of an ENI re-attached at another device index', () => {
    // Prepare
    const before = link({ eniId: 'eni-0bbbbbbbbbbbbbbbb', deviceIndex: 1 });
    const after = { ...before, deviceIndex: 2 };

    // Act
    const lines = flatten(planChanges(spec([before]), spec([after]), names));

    // Assess
    expect(lines[0]).toBe('plan-vpc: link del eni-bbbbbbbbbbb');
    expect(lines).toContain(
      'plan-vpc: link add eni-bbbbbbbbbbb mtu 9001 type veth peer name eth2 mtu 9001 address 02:00:00:00:00:01 netns plan-i-0aaaaaaaaaaaaaaaa',
    );
  });

  it('does nothing when the model did not change', () => {
    // Prepare
    const current = spec([link()]);

    // Act
    const operations = planChanges(current, spec([link()]), names);

    // Assess
    expect(operations).toEqual([]);
  });
});

describe('Function: fabricNames', () => {
  it('rejects a prefix that cannot start a namespace name, naming the field and what is allowed', () => {
    // Act / Assess
    expect(() => fabricNames('Bad Prefix!')).toThrow(
      /prefix="Bad Prefix!" is not valid: a namespace name prefix/,
    );
  });
});
