import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SubnetRecord } from './items';
import { ITEM_KINDS, keys, ownerIndex } from './keys';
import { recordOf } from './records';
import { type Ledger, OWNER_INDEX } from './table';

export async function putSubnet(ledger: Ledger, subnet: SubnetRecord): Promise<void> {
  await ledger.doc.send(
    new PutCommand({
      TableName: ledger.tableName,
      Item: {
        ...keys.subnet(subnet.subnetId),
        itemKind: ITEM_KINDS.subnet,
        gsi1pk: ownerIndex.subnets,
        gsi1sk: subnet.subnetId,
        ...subnet,
      },
    }),
  );
}

export async function getSubnet(ledger: Ledger, subnetId: string): Promise<SubnetRecord | undefined> {
  const { Item } = await ledger.doc.send(
    new GetCommand({ TableName: ledger.tableName, Key: keys.subnet(subnetId) }),
  );
  return Item ? recordOf<SubnetRecord>(Item) : undefined;
}

export async function listSubnets(ledger: Ledger): Promise<SubnetRecord[]> {
  return queryIndex<SubnetRecord>(ledger, ownerIndex.subnets);
}

/** Every item of one byOwner partition, following pages. */
export async function queryIndex<T>(ledger: Ledger, partition: string): Promise<T[]> {
  const out: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ledger.doc.send(
      new QueryCommand({
        TableName: ledger.tableName,
        IndexName: OWNER_INDEX,
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': partition },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) out.push(recordOf<T>(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
