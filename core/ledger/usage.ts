import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally } from './conditions';
import type { UsageRecord } from './items';
import { ITEM_KINDS, keys } from './keys';
import { recordOf } from './records';
import type { Ledger } from './table';

/**
 * Replaces the node's pod↔IP map. A report older than the stored one is ignored (false),
 * so a delayed retry cannot roll the map back.
 */
export function putUsage(ledger: Ledger, usage: UsageRecord): Promise<boolean> {
  return conditionally(() =>
    ledger.doc.send(
      new PutCommand({
        TableName: ledger.tableName,
        Item: { ...keys.usage(usage.instanceId), itemKind: ITEM_KINDS.usage, ...usage },
        ConditionExpression: 'attribute_not_exists(pk) OR reportedAt <= :at',
        ExpressionAttributeValues: { ':at': usage.reportedAt },
      }),
    ),
  );
}

export async function getUsage(ledger: Ledger, instanceId: string): Promise<UsageRecord | undefined> {
  const { Item } = await ledger.doc.send(
    new GetCommand({ TableName: ledger.tableName, Key: keys.usage(instanceId) }),
  );
  return Item ? recordOf<UsageRecord>(Item) : undefined;
}
