import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DescribeInstancesCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { type LocalCloud, startLocalCloud } from '../../../infra/local/cloud';
import { type LocalDynamoDb, startDynalite } from '../../../infra/local/dynamodb';
import { ec2ClientFor, errorCodeOf } from './sdk-clients';

function dynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCALCLOUDTEST', secretAccessKey: 'local-cloud-test-secret' },
  });
}

async function createLedgerTable(client: DynamoDBClient): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: 'ledger',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  // As on DynamoDB, a new table takes writes once it is ACTIVE (dynalite flips it asynchronously).
  await waitUntilTableExists(
    { client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 },
    { TableName: 'ledger' },
  );
}

describe('Function: startDynalite', () => {
  let db: LocalDynamoDb | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await db?.stop();
    db = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('serves conditional writes in memory', async () => {
    // Prepare
    db = await startDynalite();
    const client = dynamoClient(db.endpoint);
    try {
      await createLedgerTable(client);
      const put = (owner: string) =>
        client.send(
          new PutItemCommand({
            TableName: 'ledger',
            Item: { pk: { S: 'ip#10.0.0.5' }, owner: { S: owner } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      // Act
      await put('pod-a');
      const second = await errorCodeOf(put('pod-b'));
      const item = await client.send(
        new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'ip#10.0.0.5' } } }),
      );
      // Assess
      expect(second).toBe('ConditionalCheckFailedException');
      expect(item.Item?.owner?.S).toBe('pod-a');
    } finally {
      client.destroy();
    }
  });

  it('keeps items across a restart when given a path', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'ledger-dynalite-'));
    db = await startDynalite({ path: dir });
    let client = dynamoClient(db.endpoint);
    await createLedgerTable(client);
    await client.send(new PutItemCommand({ TableName: 'ledger', Item: { pk: { S: 'kept' } } }));
    client.destroy();
    await db.stop();
    // Act
    db = await startDynalite({ path: dir });
    client = dynamoClient(db.endpoint);
    const item = await client.send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'kept' } } }));
    client.destroy();
    // Assess
    expect(item.Item?.pk?.S).toBe('kept');
  });

  it('refuses a bad port before starting anything', async () => {
    // Act
    const start = startDynalite({ port: 70_000 });
    // Assess
    await expect(start).rejects.toThrow(/port=70000/);
  });
});

describe('Function: startLocalCloud', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    cloud = await startLocalCloud({ nodes: 2 });
  });

  afterAll(async () => {
    await cloud?.stop();
  });

  it('starts the default scenario with two nodes in the two CNI subnets, each with its own IMDS', async () => {
    // Prepare
    const ec2 = ec2ClientFor(cloud.ec2);
    try {
      // Act
      const subnets = await ec2.send(
        new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:kubernetes.io/role/cni', Values: ['1'] }] }),
      );
      const instances = await ec2.send(new DescribeInstancesCommand({}));
      const idsFromImds = await Promise.all(
        cloud.nodes.map((n) =>
          new MetadataService({ endpoint: n.imds.endpoint }).request('/latest/meta-data/instance-id', {}),
        ),
      );
      // Assess
      expect(subnets.Subnets!.map((s) => s.CidrBlock).sort()).toEqual(['10.0.0.0/24', '10.0.1.0/24']);
      expect(subnets.Subnets!.map((s) => s.AvailableIpAddressCount)).toEqual([250, 250]);
      expect(instances.Reservations!.flatMap((r) => r.Instances!)).toHaveLength(2);
      expect(idsFromImds).toEqual(cloud.nodes.map((n) => n.instanceId));
      expect(new Set(cloud.nodes.map((n) => n.availabilityZone))).toEqual(
        new Set(['us-east-1a', 'us-east-1b']),
      );
    } finally {
      ec2.destroy();
    }
  });

  it('adds and removes nodes', async () => {
    // Act
    const node = await cloud.addNode({ instanceType: 't3.large' });
    const typeSeen = await new MetadataService({ endpoint: node.imds.endpoint }).request(
      '/latest/meta-data/instance-type',
      {},
    );
    await cloud.removeNode(node.instanceId);
    // Assess
    expect(typeSeen).toBe('t3.large');
    expect(cloud.nodes.map((n) => n.instanceId)).not.toContain(node.instanceId);
    expect(['shutting-down', 'terminated']).toContain(cloud.ec2.model.getInstance(node.instanceId)?.state);
    await expect(fetch(`${node.imds.endpoint}/latest/api/token`, { method: 'PUT' })).rejects.toThrow();
  });

  it('serves DynamoDB next to EC2', async () => {
    // Prepare
    const client = dynamoClient(cloud.dynamodb.endpoint);
    try {
      // Act
      await createLedgerTable(client);
      await client.send(new PutItemCommand({ TableName: 'ledger', Item: { pk: { S: 'node#1' } } }));
      const item = await client.send(
        new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'node#1' } } }),
      );
      // Assess
      expect(item.Item).toEqual({ pk: { S: 'node#1' } });
    } finally {
      client.destroy();
    }
  });
});
