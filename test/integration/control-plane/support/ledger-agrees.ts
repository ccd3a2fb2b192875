/** The invariant every crash test checks once the reconciler ran. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { TAGS } from '../../../../core/contract/tags';
import type { TestCluster } from './cluster';

/**
 * What must hold for a node after the reconciler ran: every ENI EC2 has for the node is
 * attached and in the ledger, EC2 and the ledger agree on every secondary address, no
 * ENI of the node sits `available`, and no intent is left.
 */
export async function ledgerAgreesWithEc2(cluster: TestCluster, node: string): Promise<string[]> {
  const problems: string[] = [];
  const tagged = cluster.sim.model.listNetworkInterfaces([
    { name: `tag:${TAGS.instanceId}`, values: [node] },
  ]);
  for (const eni of tagged) {
    if (eni.status === 'available') problems.push(`${eni.networkInterfaceId} left available`);
  }
  const state = await cluster.operatorClient().getNode(node);
  const inEc2 = cluster.sim.model.interfacesOfInstance(node);
  const ledgerEnis = new Set(state.enis.map((e) => e.eniId));
  for (const eni of inEc2) {
    if (!ledgerEnis.has(eni.networkInterfaceId))
      problems.push(`${eni.networkInterfaceId} attached but not in the ledger`);
    const ledgerView = state.enis.find((e) => e.eniId === eni.networkInterfaceId);
    const ec2Addresses = [...eni.secondaryIps, ...eni.prefixes].sort();
    const ledgerAddresses = [...(ledgerView?.addresses ?? []), ...(ledgerView?.prefixes ?? [])].sort();
    if (JSON.stringify(ec2Addresses) !== JSON.stringify(ledgerAddresses)) {
      problems.push(
        `${eni.networkInterfaceId}: EC2 holds ${ec2Addresses.join(',')} but the ledger ${ledgerAddresses.join(',')}`,
      );
    }
  }
  for (const e of state.enis) {
    if (!inEc2.some((x) => x.networkInterfaceId === e.eniId))
      problems.push(`${e.eniId} in the ledger but not attached`);
  }
  const intents = await cluster.cp.context.ledger.doc.send(
    new QueryCommand({
      TableName: cluster.cp.context.ledger.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :i)',
      ExpressionAttributeValues: { ':pk': `NODE#${node}`, ':i': 'INTENT#' },
    }),
  );
  if (intents.Items?.length) problems.push(`${intents.Items.length} intents left`);
  return problems;
}
