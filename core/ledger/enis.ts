/**
 * ENI items under their node, and device-index slots: a slot item per (instance, device
 * index) is claimed with a conditional put, so one index never holds two ENIs.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally } from './conditions';
import type { EniRecord } from './items';
import { ITEM_KINDS, keys, ownerIndex } from './keys';
import { nodePartition } from './nodes';
import { recordOf } from './records';
import { queryIndex } from './subnets';
import type { Ledger } from './table';

export async function putEni(ledger: Ledger, eni: EniRecord): Promise<void> {
  await ledger.doc.send(
    new PutCommand({
      TableName: ledger.tableName,
      Item: {
        ...keys.eni(eni.instanceId, eni.eniId),
        itemKind: ITEM_KINDS.eni,
        gsi1pk: ownerIndex.enis,
        gsi1sk: eni.eniId,
        ...eni,
      },
    }),
  );
}

export async function getEni(
  ledger: Ledger,
  instanceId: string,
  eniId: string,
): Promise<EniRecord | undefined> {
  const { Item } = await ledger.doc.send(
    new GetCommand({ TableName: ledger.tableName, Key: keys.eni(instanceId, eniId), ConsistentRead: true }),
  );
  return Item ? recordOf<EniRecord>(Item) : undefined;
}

export async function deleteEni(ledger: Ledger, instanceId: string, eniId: string): Promise<void> {
  await ledger.doc.send(new DeleteCommand({ TableName: ledger.tableName, Key: keys.eni(instanceId, eniId) }));
}

export async function listNodeEnis(ledger: Ledger, instanceId: string): Promise<EniRecord[]> {
  const items = await nodePartition(ledger, instanceId);
  return items
    .filter((i) => i.itemKind === ITEM_KINDS.eni)
    .map((i) => recordOf<EniRecord>(i))
    .sort((a, b) => a.deviceIndex - b.deviceIndex);
}

/** Every ENI the ledger owns, cluster-wide: what the leak sweeper must not delete. */
export function listAllEnis(ledger: Ledger): Promise<EniRecord[]> {
  return queryIndex<EniRecord>(ledger, ownerIndex.enis);
}

export interface SlotClaim {
  instanceId: string;
  deviceIndex: number;
  eniId: string;
}

/** Claims the device index for the ENI; true if it is now (or already was) this ENI's. */
export function claimSlot(ledger: Ledger, claim: SlotClaim): Promise<boolean> {
  return conditionally(() =>
    ledger.doc.send(
      new PutCommand({
        TableName: ledger.tableName,
        Item: { ...keys.slot(claim.instanceId, claim.deviceIndex), itemKind: ITEM_KINDS.slot, ...claim },
        ConditionExpression: 'attribute_not_exists(pk) OR eniId = :eni',
        ExpressionAttributeValues: { ':eni': claim.eniId },
      }),
    ),
  );
}

export async function freeSlot(ledger: Ledger, claim: SlotClaim): Promise<void> {
  await conditionally(() =>
    ledger.doc.send(
      new DeleteCommand({
        TableName: ledger.tableName,
        Key: keys.slot(claim.instanceId, claim.deviceIndex),
        ConditionExpression: 'eniId = :eni',
        ExpressionAttributeValues: { ':eni': claim.eniId },
      }),
    ),
  );
}

export async function listSlots(ledger: Ledger, instanceId: string): Promise<SlotClaim[]> {
  const items = await nodePartition(ledger, instanceId);
  return items.filter((i) => i.itemKind === ITEM_KINDS.slot).map((i) => recordOf<SlotClaim>(i));
}
