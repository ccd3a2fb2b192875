/** Partition and sort keys of every ledger item; README.md explains the layout. */

export const ITEM_KINDS = {
  cluster: 'cluster',
  subnet: 'subnet',
  instanceType: 'instance-type',
  node: 'node',
  eni: 'eni',
  slot: 'slot',
  address: 'address',
  usage: 'usage',
  idempotency: 'idempotency',
  intent: 'intent',
} as const;
export type ItemKind = (typeof ITEM_KINDS)[keyof typeof ITEM_KINDS];

export const keys = {
  cluster: () => ({ pk: 'CLUSTER', sk: 'CONFIG' }),
  subnet: (subnetId: string) => ({ pk: `SUBNET#${subnetId}`, sk: 'SUBNET' }),
  instanceType: (type: string) => ({ pk: `ITYPE#${type}`, sk: 'ITYPE' }),
  node: (instanceId: string) => ({ pk: nodePk(instanceId), sk: 'NODE' }),
  eni: (instanceId: string, eniId: string) => ({ pk: nodePk(instanceId), sk: `ENI#${eniId}` }),
  slot: (instanceId: string, deviceIndex: number) => ({
    pk: nodePk(instanceId),
    sk: `SLOT#${String(deviceIndex).padStart(3, '0')}`,
  }),
  address: (address: string) => ({ pk: `ADDR#${address}`, sk: 'ADDR' }),
  usage: (instanceId: string) => ({ pk: nodePk(instanceId), sk: 'USAGE' }),
  idempotency: (instanceId: string, operation: string, key: string) => ({
    pk: nodePk(instanceId),
    sk: `IDEM#${operation}#${key}`,
  }),
  intent: (instanceId: string, intentId: string) => ({ pk: nodePk(instanceId), sk: `INTENT#${intentId}` }),
  ec2Budget: (bucket: string) => ({ pk: 'EC2BUDGET', sk: bucket }),
} as const;

/** byOwner index partitions: one per node for its addresses, one per kind for listings. */
export const ownerIndex = {
  addressesOf: (instanceId: string) => `OWNER#${instanceId}`,
  nodes: 'NODES',
  subnets: 'SUBNETS',
  enis: 'ENIS',
  intents: 'INTENTS',
} as const;

export function nodePk(instanceId: string): string {
  return `NODE#${instanceId}`;
}
