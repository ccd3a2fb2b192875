/**
 * The ledger's DynamoDB table. Every invariant lives in one item and changes by a conditional
 * write, so the table needs nothing beyond a composite key: no streams, no indexes, no
 * transactions (which dynalite, the local stand-in, lacks and which cost twice).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Key and TTL attribute names; the handlers' ledger model uses the same. */
export const LEDGER_KEY = { partition: 'pk', sort: 'sk' } as const;
/** Epoch seconds after which DynamoDB may drop an item (cooling addresses, idempotency records). */
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
      partitionKey: { name: LEDGER_KEY.partition, type: AttributeType.STRING },
      sortKey: { name: LEDGER_KEY.sort, type: AttributeType.STRING },
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
  }
}
