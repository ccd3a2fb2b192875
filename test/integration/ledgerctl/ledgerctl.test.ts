/**
 * ledgerctl against a real local control plane (EC2 simulator, dynalite, SigV4-verified
 * API), called as the operator with credentials LocalIam issued.
 */
import { ApiClient } from '../../../core/api-client';
import { runLedgerctl, UsageError } from '../../../infra/cli/ledgerctl/commands';
import {
  AZ,
  defaultScenario,
  OPERATOR_ROLE,
  startTestCluster,
  type TestCluster,
} from '../control-plane/support/cluster';

describe('CLI: ledgerctl', () => {
  let cluster: TestCluster;
  let node: string;
  let leased: string;
  let operator: ApiClient;

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([{ name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] }]),
    );
    node = cluster.instances.n![0]!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    leased = (await client.lease(node, { idempotencyKey: 'ledgerctl-0001', ipv4: 4 })).addresses[0]!.address;
    await client.reportUsage(node, {
      assignments: [{ ip: leased, namespace: 'shop', pod: 'cart-7', containerId: 'feedbeef00' }],
      reportedAt: new Date().toISOString(),
    });
    operator = new ApiClient({
      endpoint: cluster.cp.endpoint,
      region: cluster.sim.region,
      credentials: cluster.iam.issueRoleCredentials(OPERATOR_ROLE, 'operator'),
    });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function run(argv: string[]) {
    let out = '';
    const code = await runLedgerctl({ argv, env: {}, out: (t) => (out += `${t}\n`), client: operator });
    return { code, out };
  }

  it('prints subnet capacity as JSON for scripts, with the lease and the pod counted', async () => {
    // Act
    const { code, out } = await run(['subnets', '--json']);

    // Assess
    expect(code).toBe(0);
    const nodes = JSON.parse(out).subnets.find((s: { cidr: string }) => s.cidr === '10.0.0.0/24');
    expect(nodes).toMatchObject({ size: 251, leasedToNodes: 4, assignedToPods: 1, idleInWarmPools: 3 });
  });

  it('lists nodes and shows one node with its pods', async () => {
    // Act
    const nodes = await run(['nodes']);
    const one = await run(['node', node]);

    // Assess
    expect(nodes.out).toMatch(new RegExp(`^${node}\\s+m5\\.large\\s+${AZ}\\s+1\\s+4\\s+1$`, 'm'));
    expect(one.out).toContain('shop/cart-7');
    expect(one.out).toContain(leased);
  });

  it('traces an address to its node and pod', async () => {
    // Act
    const { out } = await run(['ip', leased]);

    // Assess
    expect(out).toContain(`node   ${node}`);
    expect(out).toContain('pod    shop/cart-7');
  });

  it.each([
    [['ip', '10.0.0.300'], /dotted IPv4 address/],
    [['node', 'node-1'], /instance id/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('refuses %j with a usage error naming what is allowed', async (argv, message) => {
    // Act
    const error = await run(argv).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses to run without an endpoint, naming the flag and the variable', async () => {
    // Act
    const error = await runLedgerctl({ argv: ['subnets'], env: {}, out: () => undefined }).catch(
      (e: unknown) => e,
    );

    // Assess
    expect((error as Error).message).toBe('no API endpoint: pass --endpoint or set LEDGER_API_ENDPOINT');
  });
});
