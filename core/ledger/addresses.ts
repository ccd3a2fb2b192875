/**
 * Address items, one per secondary address or delegated prefix, keyed by the address
 * alone: the single item that makes "never leased to two nodes" a conditional write.
 */
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { cidrContains, formatCidr, maskOf, PREFIX_LENGTH, parseCidr, parseIpv4 } from '../net/ipv4';
import { conditionally } from './conditions';
import { ADDRESS_STATES, type AddressRecord } from './items';
import { ITEM_KINDS, keys, ownerIndex } from './keys';
import { recordOf } from './records';
import { queryIndex } from './subnets';
import type { Ledger } from './table';

function itemOf(record: AddressRecord) {
  return {
    ...keys.address(record.address),
    itemKind: ITEM_KINDS.address,
    gsi1pk: ownerIndex.addressesOf(record.instanceId),
    gsi1sk: record.address,
    ...record,
  };
}

/**
 * What a lease may find in an address's item before it records the lease over it:
 * - `assigned` (EC2 has just assigned the address to the node): anything but another node's
 *   lease; a cooling or primary record of the same node, or a record of a node that gave it
 *   back, is stale;
 * - `unrecorded` (a carved prefix's spare address): nothing at all;
 * - `cooled` (an address the node released): the node's own cooling record.
 * The last two guard what the owner index, read eventually consistently, may show late: a
 * spare address another lease of the node took a moment ago, a cooled one already trimmed.
 */
export type LeaseOver = 'assigned' | 'unrecorded' | 'cooled';

const LEASE_CONDITIONS: Record<LeaseOver, string> = {
  assigned: 'attribute_not_exists(pk) OR instanceId = :me OR #state <> :leased',
  unrecorded: 'attribute_not_exists(pk)',
  cooled: 'instanceId = :me AND #state = :cooling',
};

/** Records the address as leased to the node; false if the item holds what `over` does not allow. */
export function recordLease(
  ledger: Ledger,
  record: AddressRecord,
  over: LeaseOver = 'assigned',
): Promise<boolean> {
  const names = over === 'unrecorded' ? {} : { ExpressionAttributeNames: { '#state': 'state' } };
  const values = {
    assigned: { ':me': record.instanceId, ':leased': ADDRESS_STATES.leased },
    unrecorded: undefined,
    cooled: { ':me': record.instanceId, ':cooling': ADDRESS_STATES.cooling },
  }[over];
  return conditionally(() =>
    ledger.doc.send(
      new PutCommand({
        TableName: ledger.tableName,
        Item: itemOf(record),
        ConditionExpression: LEASE_CONDITIONS[over],
        ...names,
        ...(values ? { ExpressionAttributeValues: values } : {}),
      }),
    ),
  );
}

/**
 * Records a /28 the node's ENI holds for carving; false if the ledger gives it to another
 * node (EC2 never assigns one prefix twice, so that would be a stale item to look into).
 */
export function recordCarvedPrefix(ledger: Ledger, record: AddressRecord): Promise<boolean> {
  return conditionally(() =>
    ledger.doc.send(
      new PutCommand({
        TableName: ledger.tableName,
        Item: itemOf(record),
        ConditionExpression: 'attribute_not_exists(pk) OR instanceId = :me',
        ExpressionAttributeValues: { ':me': record.instanceId },
      }),
    ),
  );
}

/** Records an ENI's primary address so lookups can name its node. */
export async function recordPrimary(ledger: Ledger, record: AddressRecord): Promise<void> {
  await ledger.doc.send(new PutCommand({ TableName: ledger.tableName, Item: itemOf(record) }));
}

/**
 * Moves a leased (or already cooling) address of this node to cooling; false if the node does
 * not hold it. With `releaseKey`, an address that release already cooled and the node has
 * leased again since is left leased, and counts as released: the retry's work was done.
 */
export async function markCooling(
  ledger: Ledger,
  instanceId: string,
  address: string,
  coolingUntil: number,
  releaseKey?: string,
): Promise<boolean> {
  const marked = await conditionally(() =>
    ledger.doc.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: keys.address(address),
        UpdateExpression: `SET #state = :cooling, coolingUntil = :until${releaseKey ? ', releasedBy = :key' : ''} REMOVE leaseId, leasedAt`,
        ConditionExpression:
          'instanceId = :me AND (#state = :cooling OR (#state = :leased' +
          `${releaseKey ? ' AND (attribute_not_exists(releasedBy) OR releasedBy <> :key)' : ''}))`,
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':me': instanceId,
          ':leased': ADDRESS_STATES.leased,
          ':cooling': ADDRESS_STATES.cooling,
          ':until': coolingUntil,
          ...(releaseKey ? { ':key': releaseKey } : {}),
        },
      }),
    ),
  );
  if (marked || releaseKey === undefined) return marked;
  const { Item } = await ledger.doc.send(
    new GetCommand({ TableName: ledger.tableName, Key: keys.address(address), ConsistentRead: true }),
  );
  return Item?.instanceId === instanceId && Item?.releasedBy === releaseKey;
}

/** Forgets the address if it is still this node's; another node's newer record is left alone. */
export function forgetAddress(ledger: Ledger, instanceId: string, address: string): Promise<boolean> {
  return conditionally(() =>
    ledger.doc.send(
      new DeleteCommand({
        TableName: ledger.tableName,
        Key: keys.address(address),
        ConditionExpression: 'instanceId = :me',
        ExpressionAttributeValues: { ':me': instanceId },
      }),
    ),
  );
}

/**
 * Forgets a cooled address of the node, only while it is still cooling and its cooling has
 * ended: the owner index may still show an address as cooling that the node leased again.
 */
export function forgetCooled(
  ledger: Ledger,
  instanceId: string,
  address: string,
  now: number,
): Promise<boolean> {
  return conditionally(() =>
    ledger.doc.send(
      new DeleteCommand({
        TableName: ledger.tableName,
        Key: keys.address(address),
        ConditionExpression: 'instanceId = :me AND #state = :cooling AND coolingUntil <= :now',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':me': instanceId, ':cooling': ADDRESS_STATES.cooling, ':now': now },
      }),
    ),
  );
}

export async function getAddress(ledger: Ledger, address: string): Promise<AddressRecord | undefined> {
  const { Item } = await ledger.doc.send(
    new GetCommand({ TableName: ledger.tableName, Key: keys.address(address), ConsistentRead: true }),
  );
  return Item ? recordOf<AddressRecord>(Item) : undefined;
}

/** The record that covers an IP: its own item, or the delegated /28 it falls in. */
export async function findAddressCovering(ledger: Ledger, ip: string): Promise<AddressRecord | undefined> {
  const own = await getAddress(ledger, ip);
  if (own) return own;
  const network = (parseIpv4(ip) & maskOf(PREFIX_LENGTH)) >>> 0;
  const prefix = formatCidr({ network, prefixLength: PREFIX_LENGTH });
  const covering = await getAddress(ledger, prefix);
  return covering && cidrContains(parseCidr(covering.address), parseIpv4(ip)) ? covering : undefined;
}

/**
 * The node's address records, read from the owner index. DynamoDB reads a global secondary
 * index only eventually consistently: a record written a moment ago may be missing, so an
 * address this leaves out is not known to be unrecorded; see notRecordedFor.
 */
export function listNodeAddresses(ledger: Ledger, instanceId: string): Promise<AddressRecord[]> {
  return queryIndex<AddressRecord>(ledger, ownerIndex.addressesOf(instanceId));
}

/**
 * Of addresses the owner index did not show for the node, those the table itself (read
 * strongly consistently) holds no record of for it either: only these may be taken as
 * unrecorded, and given back to EC2 or leased afresh.
 */
export async function notRecordedFor(
  ledger: Ledger,
  instanceId: string,
  addresses: readonly string[],
): Promise<string[]> {
  const unrecorded: string[] = [];
  for (const address of addresses) {
    if ((await getAddress(ledger, address))?.instanceId !== instanceId) unrecorded.push(address);
  }
  return unrecorded;
}

/** Every address record (operator views only: a full scan). */
export async function scanAddresses(ledger: Ledger): Promise<AddressRecord[]> {
  const out: AddressRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ledger.doc.send(
      new ScanCommand({
        TableName: ledger.tableName,
        FilterExpression: 'itemKind = :k',
        ExpressionAttributeValues: { ':k': ITEM_KINDS.address },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) out.push(recordOf<AddressRecord>(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
