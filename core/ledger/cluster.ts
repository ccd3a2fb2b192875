import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ClusterConfig } from './items';
import { ITEM_KINDS, keys } from './keys';
import type { Ledger } from './table';

export async function putClusterConfig(ledger: Ledger, config: ClusterConfig): Promise<void> {
  await ledger.doc.send(
    new PutCommand({
      TableName: ledger.tableName,
      Item: { ...keys.cluster(), itemKind: ITEM_KINDS.cluster, ...config },
    }),
  );
}

export async function getClusterConfig(ledger: Ledger): Promise<ClusterConfig | undefined> {
  const { Item } = await ledger.doc.send(
    new GetCommand({ TableName: ledger.tableName, Key: keys.cluster() }),
  );
  if (!Item) return undefined;
  const { pk: _pk, sk: _sk, itemKind: _kind, ...config } = Item;
  return config as ClusterConfig;
}
