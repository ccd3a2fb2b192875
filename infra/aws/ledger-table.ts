/**
 * The ledger's DynamoDB table, built from the same definition local mode creates in dynalite
 * (core/ledger/table.ts), so keys and indexes cannot drift between the two. Every invariant
 * is one conditional write on one item: no streams, no transactions.
 */
import type { KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { RemovalPolicy } from 'aws-cdk-lib';
import { type Attribute, AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableDefinition } from '../../core/ledger/table';

const DEFINITION = tableDefinition('ledger');
const keyOf = (schema: KeySchemaElement[] | undefined, type: 'HASH' | 'RANGE'): Attribute | undefined => {
  const name = schema?.find((k) => k.KeyType === type)?.AttributeName;
  if (name === undefined) return undefined;
  const attr = DEFINITION.AttributeDefinitions?.find((a) => a.AttributeName === name);
  return { name, type: attr?.AttributeType === 'N' ? AttributeType.NUMBER : AttributeType.STRING };
};

/** Key attribute names, as core/ledger defines them. */
export const LEDGER_KEY = {
  partition: keyOf(DEFINITION.KeySchema, 'HASH')!.name,
  sort: keyOf(DEFINITION.KeySchema, 'RANGE')!.name,
} as const;
/**
 * Epoch seconds after which an item counts as absent (core/ledger reads it so, since dynalite
 * has no TTL); on DynamoDB, TTL also deletes such items, so expired records do not pile up.
 */
export const LEDGER_TTL_ATTRIBUTE = 'expiresAt';

export interface LedgerTableProps {
  /** @default true */
  readonly deletionProtection?: boolean;
}

export class LedgerTable extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: LedgerTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: keyOf(DEFINITION.KeySchema, 'HASH')!,
      sortKey: keyOf(DEFINITION.KeySchema, 'RANGE'),
      // Traffic follows node churn and pod bursts, not a steady rate: on-demand needs no
      // capacity planning and never throttles a scale-up that provisioned capacity would.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: LEDGER_TTL_ATTRIBUTE,
      deletionProtection: props.deletionProtection ?? true,
      // Losing the table forgets which addresses are leased; the reconciler can rebuild
      // from EC2 tags, but never silently on a stack delete.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of DEFINITION.GlobalSecondaryIndexes ?? []) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.IndexName!,
        partitionKey: keyOf(index.KeySchema, 'HASH')!,
        sortKey: keyOf(index.KeySchema, 'RANGE'),
        projectionType:
          (index.Projection?.ProjectionType as ProjectionType | undefined) ?? ProjectionType.ALL,
      });
    }
  }
}
