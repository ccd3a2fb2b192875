import {
  AssignPrivateIpAddressesCommand,
  CreateNetworkInterfaceCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  type EC2Client,
  paginateDescribeNetworkInterfaces,
} from '@aws-sdk/client-ec2';
import { type Ec2Simulator, startEc2Simulator } from '../../../infra/local/ec2';
import { ec2ClientFor, errorCodeOf, TEST_SCENARIO } from './sdk-clients';

describe('EC2 simulator: subnet addresses, tags, filters and paging', () => {
  let sim: Ec2Simulator;
  let ec2: EC2Client;

  beforeAll(async () => {
    sim = await startEc2Simulator({ scenario: TEST_SCENARIO, throttling: false });
    ec2 = ec2ClientFor(sim);
  });

  afterAll(async () => {
    ec2?.destroy();
    await sim?.stop();
  });

  describe('a /28 subnet', () => {
    it('hands out its 11 usable addresses, never the 5 AWS reserves, then InsufficientFreeAddressesInSubnet', async () => {
      // Prepare: 10.0.2.0/28 has 16 addresses; .0-.3 and .15 are AWS's.
      const subnetId = sim.scenario.subnets.tiny!;
      const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId })))
        .NetworkInterface!;
      // Act
      const rest = await ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni.NetworkInterfaceId,
          SecondaryPrivateIpAddressCount: 10,
        }),
      );
      const exhausted = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets![0]!;
      const code = await errorCodeOf(ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId })));
      // Assess
      const handedOut = [
        eni.PrivateIpAddress!,
        ...rest.AssignedPrivateIpAddresses!.map((a) => a.PrivateIpAddress!),
      ];
      const lastOctets = handedOut.map((a) => Number(a.split('.')[3])).sort((x, y) => x - y);
      expect(lastOctets).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
      expect(exhausted.AvailableIpAddressCount).toBe(0);
      expect(code).toBe('InsufficientFreeAddressesInSubnet');
    });

    it('refuses a reserved address asked for by name and changes nothing', async () => {
      // Prepare
      const subnetId = sim.scenario.subnets.a!;
      const before = sim.model.listNetworkInterfaces().length;
      // Act
      const reserved = await errorCodeOf(
        ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, PrivateIpAddress: '10.0.0.255' })),
      );
      const router = await errorCodeOf(
        ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, PrivateIpAddress: '10.0.0.1' })),
      );
      // Assess
      expect(reserved).toBe('InvalidParameterValue');
      expect(router).toBe('InvalidParameterValue');
      expect(sim.model.listNetworkInterfaces()).toHaveLength(before);
    });
  });

  describe('tags, filters and paging', () => {
    const created: string[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 12; i++) {
        const out = await ec2.send(
          new CreateNetworkInterfaceCommand({
            SubnetId: sim.scenario.subnets.b!,
            TagSpecifications: [
              {
                ResourceType: 'network-interface',
                Tags: [{ Key: 'cluster', Value: i % 2 === 0 ? 'even' : 'odd' }],
              },
            ],
          }),
        );
        created.push(out.NetworkInterface!.NetworkInterfaceId!);
      }
    });

    it('filters by tag:K, tag-key, subnet-id and status', async () => {
      // Act
      const even = await ec2.send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'tag:cluster', Values: ['even'] }] }),
      );
      const tagged = await ec2.send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'tag-key', Values: ['cluster'] }] }),
      );
      const combined = await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [
            { Name: 'subnet-id', Values: [sim.scenario.subnets.b!] },
            { Name: 'status', Values: ['available'] },
            { Name: 'tag:cluster', Values: ['odd'] },
          ],
        }),
      );
      // Assess
      expect(even.NetworkInterfaces).toHaveLength(6);
      expect(tagged.NetworkInterfaces).toHaveLength(12);
      expect(combined.NetworkInterfaces!.map((n) => n.NetworkInterfaceId).sort()).toEqual(
        created.filter((_, i) => i % 2 === 1).sort(),
      );
    });

    it('pages with MaxResults and NextToken, the SDK paginator walking every page', async () => {
      // Act
      const first = await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: 'tag-key', Values: ['cluster'] }],
          MaxResults: 5,
        }),
      );
      const seen: string[] = [];
      let pages = 0;
      for await (const page of paginateDescribeNetworkInterfaces(
        { client: ec2, pageSize: 5 },
        { Filters: [{ Name: 'tag-key', Values: ['cluster'] }] },
      )) {
        pages += 1;
        seen.push(...page.NetworkInterfaces!.map((n) => n.NetworkInterfaceId!));
      }
      // Assess
      expect(first.NetworkInterfaces).toHaveLength(5);
      expect(first.NextToken).toBeDefined();
      expect(pages).toBe(3);
      expect(seen.sort()).toEqual([...created].sort());
    });

    it('adds and removes tags with CreateTags and DeleteTags', async () => {
      // Prepare
      const eniId = created[0]!;
      // Act
      await ec2.send(
        new CreateTagsCommand({ Resources: [eniId], Tags: [{ Key: 'owner', Value: 'ledger' }] }),
      );
      const withTag = await ec2.send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'tag:owner', Values: ['ledger'] }] }),
      );
      await ec2.send(new DeleteTagsCommand({ Resources: [eniId], Tags: [{ Key: 'owner' }] }));
      const afterDelete = await ec2.send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'tag:owner', Values: ['ledger'] }] }),
      );
      // Assess
      expect(withTag.NetworkInterfaces!.map((n) => n.NetworkInterfaceId)).toEqual([eniId]);
      expect(afterDelete.NetworkInterfaces).toEqual([]);
    });

    it('answers unknown filters and ids with EC2 error codes', async () => {
      // Act
      const badFilter = await errorCodeOf(
        ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] })),
      );
      const unknownId = await errorCodeOf(
        ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-00000000000000000'] })),
      );
      const badPage = await errorCodeOf(ec2.send(new DescribeNetworkInterfacesCommand({ MaxResults: 2 })));
      // Assess
      expect(badFilter).toBe('InvalidParameterValue');
      expect(unknownId).toBe('InvalidNetworkInterfaceID.NotFound');
      expect(badPage).toBe('InvalidParameterValue');
    });
  });
});
