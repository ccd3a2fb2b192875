/**
 * The EC2 budget every control-plane process shares: one item per bucket holding its
 * theoretical arrival time (GCRA), moved on by one conditional write per EC2 call.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally } from './conditions';
import { keys } from './keys';
import type { Ledger } from './table';

export async function readBudgetArrival(ledger: Ledger, bucket: string): Promise<number | undefined> {
  const out = await ledger.doc.send(
    new GetCommand({ TableName: ledger.tableName, Key: keys.ec2Budget(bucket), ConsistentRead: true }),
  );
  return typeof out.Item?.arrival === 'number' ? out.Item.arrival : undefined;
}

/** Moves the bucket's arrival time from `seen` to `next`; false when another process moved it first. */
export function advanceBudgetArrival(
  ledger: Ledger,
  bucket: string,
  seen: number | undefined,
  next: number,
): Promise<boolean> {
  return conditionally(() =>
    ledger.doc.send(
      new PutCommand({
        TableName: ledger.tableName,
        Item: { ...keys.ec2Budget(bucket), arrival: next },
        ...(seen === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'arrival = :seen', ExpressionAttributeValues: { ':seen': seen } }),
      }),
    ),
  );
}
