/**
 * Write-ahead intents: before an EC2 step whose result the ledger must own (a new ENI, an
 * attachment, assigned addresses), the intent records what is about to happen. A crash
 * between steps leaves the intent behind; the same request retried, or the reconciler,
 * reads it and finishes or rolls back the work.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ITEM_KINDS, keys, ownerIndex } from './keys';
import { recordOf } from './records';
import { queryIndex } from './subnets';
import type { Ledger } from './table';

export const INTENT_STEPS = {
  started: 'started',
  eniCreated: 'eni-created',
  slotClaimed: 'slot-claimed',
  eniAttached: 'eni-attached',
  assigning: 'assigning',
} as const;
export type IntentStep = (typeof INTENT_STEPS)[keyof typeof INTENT_STEPS];

export interface LeaseIntent {
  instanceId: string;
  /** The lease's idempotency key: a retry of the request resumes this intent. */
  intentId: string;
  step: IntentStep;
  /** ClientToken of CreateNetworkInterface, so a repeat after a crash returns the same ENI. */
  clientToken?: string;
  subnetId?: string;
  eniId?: string;
  deviceIndex?: number;
  /**
   * ENIs this lease created and then deleted again (their attach failed): a new ENI needs a
   * new ClientToken, since EC2 answers a repeated one with the deleted ENI.
   */
  enisAbandoned?: number;
  createdAt: string;
  updatedAt: string;
}

export async function putIntent(ledger: Ledger, intent: LeaseIntent): Promise<void> {
  await ledger.doc.send(
    new PutCommand({
      TableName: ledger.tableName,
      Item: {
        ...keys.intent(intent.instanceId, intent.intentId),
        itemKind: ITEM_KINDS.intent,
        gsi1pk: ownerIndex.intents,
        gsi1sk: `${intent.instanceId}#${intent.intentId}`,
        ...intent,
      },
    }),
  );
}

export async function deleteIntent(ledger: Ledger, instanceId: string, intentId: string): Promise<void> {
  await ledger.doc.send(
    new DeleteCommand({ TableName: ledger.tableName, Key: keys.intent(instanceId, intentId) }),
  );
}

export function listIntents(ledger: Ledger): Promise<LeaseIntent[]> {
  return queryIndex<LeaseIntent>(ledger, ownerIndex.intents);
}

export async function getIntent(
  ledger: Ledger,
  instanceId: string,
  intentId: string,
): Promise<LeaseIntent | undefined> {
  const { Item } = await ledger.doc.send(
    new GetCommand({
      TableName: ledger.tableName,
      Key: keys.intent(instanceId, intentId),
      ConsistentRead: true,
    }),
  );
  return Item ? recordOf<LeaseIntent>(Item) : undefined;
}
