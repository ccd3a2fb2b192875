/**
 * Idempotency records keyed by (node, operation, key): a retry with the same key and body
 * gets the stored answer; the same key with a different body is the caller's mistake.
 * Records past `expiresAt` are treated as absent (dynalite does not delete by TTL).
 */
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidInputError } from '../errors';
import { ITEM_KINDS, keys } from './keys';
import type { Ledger } from './table';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/** The stored answer for this key, or undefined when the request has not completed before. */
export async function storedAnswer<T>(
  ledger: Ledger,
  instanceId: string,
  operation: string,
  key: string,
  body: unknown,
): Promise<T | undefined> {
  const { Item } = await ledger.doc.send(
    new GetCommand({
      TableName: ledger.tableName,
      Key: keys.idempotency(instanceId, operation, key),
      ConsistentRead: true,
    }),
  );
  if (!Item || (Item.expiresAt as number) <= ledger.now().getTime() / 1000) return undefined;
  if (Item.requestHash !== requestHash(body)) {
    throw new InvalidInputError(
      'idempotencyKey',
      key,
      'a key already used for a different request; use a new key for a new request',
    );
  }
  return Item.answer as T;
}

export async function storeAnswer(
  ledger: Ledger,
  instanceId: string,
  operation: string,
  key: string,
  body: unknown,
  answer: unknown,
): Promise<void> {
  await ledger.doc.send(
    new PutCommand({
      TableName: ledger.tableName,
      Item: {
        ...keys.idempotency(instanceId, operation, key),
        itemKind: ITEM_KINDS.idempotency,
        requestHash: requestHash(body),
        answer,
        expiresAt: Math.floor(ledger.now().getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
      },
    }),
  );
}

/** Whether the request under this key completed (whatever its body): a finished lease must not be undone. */
export async function hasStoredAnswer(
  ledger: Ledger,
  instanceId: string,
  operation: string,
  key: string,
): Promise<boolean> {
  const { Item } = await ledger.doc.send(
    new GetCommand({
      TableName: ledger.tableName,
      Key: keys.idempotency(instanceId, operation, key),
      ConsistentRead: true,
    }),
  );
  return Boolean(Item && (Item.expiresAt as number) > ledger.now().getTime() / 1000);
}
