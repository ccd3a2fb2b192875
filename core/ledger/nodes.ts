/**
 * Node items, and the per-node lock: every lease, release and repair of one node runs
 * while holding it, so two requests for the same node never interleave their EC2 steps.
 * The lock has an expiry so a crashed holder cannot block the node for long.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DependencyError } from '../errors';
import { conditionally } from './conditions';
import type { NodeRecord } from './items';
import { ITEM_KINDS, keys, nodePk, ownerIndex } from './keys';
import { recordOf } from './records';
import { queryIndex } from './subnets';
import type { Ledger } from './table';

export type NodeRegistration = Omit<NodeRecord, 'registeredAt' | 'lockOwner' | 'lockExpiresAt'>;

/** Creates or refreshes the node's item; a re-registration keeps its first registeredAt and its lock. */
export async function putNode(ledger: Ledger, node: NodeRegistration): Promise<NodeRecord> {
  const fields: Record<string, unknown> = {
    itemKind: ITEM_KINDS.node,
    gsi1pk: ownerIndex.nodes,
    gsi1sk: node.instanceId,
    ...node,
  };
  const names: Record<string, string> = { '#registeredAt': 'registeredAt' };
  const values: Record<string, unknown> = { ':now': ledger.now().toISOString() };
  const sets = ['#registeredAt = if_not_exists(#registeredAt, :now)'];
  const removes: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    names[`#${name}`] = name;
    if (value === undefined) {
      removes.push(`#${name}`);
      continue;
    }
    values[`:${name}`] = value;
    sets.push(`#${name} = :${name}`);
  }
  const { Attributes } = await ledger.doc.send(
    new UpdateCommand({
      TableName: ledger.tableName,
      Key: keys.node(node.instanceId),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
    }),
  );
  return recordOf<NodeRecord>(Attributes ?? {});
}

export async function getNode(ledger: Ledger, instanceId: string): Promise<NodeRecord | undefined> {
  const { Item } = await ledger.doc.send(
    new GetCommand({ TableName: ledger.tableName, Key: keys.node(instanceId), ConsistentRead: true }),
  );
  return Item ? recordOf<NodeRecord>(Item) : undefined;
}

export function listNodes(ledger: Ledger): Promise<NodeRecord[]> {
  return queryIndex<NodeRecord>(ledger, ownerIndex.nodes);
}

/** Every item stored under the node's partition (node, ENIs, slots, usage, idempotency, intents). */
export async function nodePartition(ledger: Ledger, instanceId: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ledger.doc.send(
      new QueryCommand({
        TableName: ledger.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': nodePk(instanceId) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

export class NodeBusyError extends DependencyError {}

export interface NodeLock {
  readonly instanceId: string;
  readonly owner: string;
  /** When the lock lapses unless renewed (ledger clock, ms); kept current by renewNodeLock. */
  expiresAt: number;
}

export interface LockOptions {
  /** How long the lock lives if its holder dies (default 30 s). */
  ttlMs?: number;
  /** How long to keep trying before giving up with NodeBusyError (default 20 s). */
  waitMs?: number;
}

export async function tryLockNode(
  ledger: Ledger,
  instanceId: string,
  ttlMs = 30_000,
): Promise<NodeLock | undefined> {
  const owner = randomUUID();
  const now = ledger.now().getTime();
  const won = await conditionally(() =>
    ledger.doc.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: keys.node(instanceId),
        UpdateExpression: 'SET lockOwner = :owner, lockExpiresAt = :expires',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(lockOwner) OR lockExpiresAt < :now)',
        ExpressionAttributeValues: { ':owner': owner, ':expires': now + ttlMs, ':now': now },
      }),
    ),
  );
  return won ? { instanceId, owner, expiresAt: now + ttlMs } : undefined;
}

export async function lockNode(
  ledger: Ledger,
  instanceId: string,
  options: LockOptions = {},
): Promise<NodeLock> {
  const deadline = Date.now() + (options.waitMs ?? 20_000);
  let pause = 10;
  for (;;) {
    const lock = await tryLockNode(ledger, instanceId, options.ttlMs);
    if (lock) return lock;
    if (Date.now() >= deadline) {
      throw new NodeBusyError(`node ${instanceId} is busy with another request; retry later`);
    }
    await new Promise((r) => setTimeout(r, pause + Math.random() * pause));
    pause = Math.min(pause * 2, 250);
  }
}

/** Extends a held lock; false when it expired and someone else took the node meanwhile. */
export async function renewNodeLock(ledger: Ledger, lock: NodeLock, ttlMs = 30_000): Promise<boolean> {
  const expiresAt = ledger.now().getTime() + ttlMs;
  const renewed = await conditionally(() =>
    ledger.doc.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: keys.node(lock.instanceId),
        UpdateExpression: 'SET lockExpiresAt = :expires',
        ConditionExpression: 'lockOwner = :owner',
        ExpressionAttributeValues: { ':owner': lock.owner, ':expires': expiresAt },
      }),
    ),
  );
  if (renewed) lock.expiresAt = expiresAt;
  return renewed;
}

export async function unlockNode(ledger: Ledger, lock: NodeLock): Promise<void> {
  await conditionally(() =>
    ledger.doc.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: keys.node(lock.instanceId),
        UpdateExpression: 'REMOVE lockOwner, lockExpiresAt',
        ConditionExpression: 'lockOwner = :owner',
        ExpressionAttributeValues: { ':owner': lock.owner },
      }),
    ),
  );
}

export async function withNodeLock<T>(
  ledger: Ledger,
  instanceId: string,
  work: (lock: NodeLock) => Promise<T>,
  options?: LockOptions,
): Promise<T> {
  const lock = await lockNode(ledger, instanceId, options);
  try {
    return await work(lock);
  } finally {
    await unlockNode(ledger, lock);
  }
}
