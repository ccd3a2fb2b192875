import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'undici';
import { type ApiClient, ApiForbiddenError, ApiInvalidInputError } from '../../../core/api-client';
import { SignedHttp } from '../../../core/api-client/signed-http';
import { AZ, defaultScenario, NODE_ROLE, startTestCluster, type TestCluster } from './support/cluster';

describe('Control plane API: identity, validation, idempotency, views', () => {
  let cluster: TestCluster;
  let nodeA: string;
  let nodeB: string;
  let a: ApiClient;

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'], count: 2 },
      ]),
    );
    [nodeA, nodeB] = cluster.instances.n as [string, string];
    a = cluster.nodeClient(nodeA);
    await a.registerNode(nodeA, { instanceType: 'm5.large', availabilityZone: AZ });
    await cluster.nodeClient(nodeB).registerNode(nodeB, { instanceType: 'm5.large', availabilityZone: AZ });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const raw = (
    path: string,
    init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {},
  ) =>
    request(`${cluster.cp.endpoint}${path}`, {
      method: init.method ?? 'GET',
      headers: init.headers,
      body: init.body,
    });

  describe('authentication', () => {
    it('answers an unsigned request 401 and never reaches the handler', async () => {
      // Act
      const res = await raw(`/v1/nodes/${nodeA}/leases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ idempotencyKey: 'unsigned-001', ipv4: 1 }),
      });

      // Assess
      expect(res.statusCode).toBe(401);
      expect(await res.body.json()).toEqual({ message: 'Missing Authentication Token' });
      expect((await a.getNode(nodeA)).leased).toHaveLength(0);
    });

    it('answers 403 when the body was changed after signing', async () => {
      // Prepare
      const creds = cluster.iam.issueRoleCredentials(NODE_ROLE, nodeA);
      const url = new URL(`${cluster.cp.endpoint}/v1/nodes/${nodeA}/leases`);
      const signer = new SignatureV4({
        service: 'execute-api',
        region: cluster.sim.region,
        credentials: creds,
        sha256: Sha256,
      });
      const signed = await signer.sign({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        headers: { host: url.host, 'content-type': 'application/json' },
        body: JSON.stringify({ idempotencyKey: 'tampered-01', ipv4: 1 }),
      });

      // Act
      const res = await raw(url.pathname, {
        method: 'POST',
        headers: signed.headers,
        body: JSON.stringify({ idempotencyKey: 'tampered-01', ipv4: 200 }),
      });

      // Assess
      expect(res.statusCode).toBe(403);
      expect(((await res.body.json()) as { message: string }).message).toMatch(
        /signature we calculated does not match/,
      );
    });

    it('answers 403 for an access key LocalIam never issued', async () => {
      // Prepare
      const http = new SignedHttp({
        endpoint: cluster.cp.endpoint,
        region: cluster.sim.region,
        credentials: { accessKeyId: 'ASIAUNKNOWN000000000', secretAccessKey: 'x', sessionToken: 'y' },
      });

      // Act
      const error = await http.send({ method: 'GET', path: `/v1/nodes/${nodeA}` }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ApiForbiddenError);
      expect((error as ApiForbiddenError).status).toBe(403);
    });
  });

  describe('authorization', () => {
    it('refuses node A acting on node B with 403 and changes nothing of B', async () => {
      // Act
      const error = await a
        .lease(nodeB, { idempotencyKey: 'cross-node-1', ipv4: 1 })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ApiForbiddenError);
      expect((error as ApiForbiddenError).message).toMatch(/may act only on itself/);
      expect((await cluster.operatorClient().getNode(nodeB)).leased).toHaveLength(0);
    });

    it('refuses a node on operator routes', async () => {
      // Act
      const outcomes = await Promise.all([
        a.subnetCapacity().catch((e: unknown) => e),
        a.lookupIp('10.0.0.5').catch((e: unknown) => e),
        a.listNodes().catch((e: unknown) => e),
      ]);

      // Assess
      for (const o of outcomes) expect(o).toBeInstanceOf(ApiForbiddenError);
    });

    it('refuses a role that is neither node nor operator, even with a matching session name', async () => {
      // Prepare
      const creds = cluster.iam.issueRoleCredentials('some-other-role', nodeA);
      const http = new SignedHttp({
        endpoint: cluster.cp.endpoint,
        region: cluster.sim.region,
        credentials: creds,
      });

      // Act
      const error = await http.send({ method: 'GET', path: `/v1/nodes/${nodeA}` }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ApiForbiddenError);
    });
  });

  describe('validation', () => {
    const bad: [string, unknown, string][] = [
      ['ipv4 of 0', { idempotencyKey: 'valid-key-01', ipv4: 0 }, 'ipv4'],
      ['both ipv4 and prefixes', { idempotencyKey: 'valid-key-01', ipv4: 1, prefixes: 1 }, 'ipv4'],
      ['neither ipv4 nor prefixes', { idempotencyKey: 'valid-key-01' }, 'ipv4'],
      ['no idempotency key', { ipv4: 1 }, 'idempotencyKey'],
      ['a short idempotency key', { idempotencyKey: 'x', ipv4: 1 }, 'idempotencyKey'],
      ['an unknown field', { idempotencyKey: 'valid-key-01', ipv4: 1, extra: true }, ''],
      [
        'more addresses for pods than asked',
        { idempotencyKey: 'valid-key-01', ipv4: 2, forPods: 3 },
        'forPods',
      ],
      ['a negative forPods', { idempotencyKey: 'valid-key-01', ipv4: 2, forPods: -1 }, 'forPods'],
    ];

    it.each(bad)('answers 400 naming the field for %s, and changes nothing', async (_name, body, field) => {
      // Prepare
      const http = new SignedHttp({
        endpoint: cluster.cp.endpoint,
        region: cluster.sim.region,
        credentials: cluster.iam.issueRoleCredentials(NODE_ROLE, nodeA),
      });
      const before = JSON.stringify(cluster.cp.ec2.stats().calls);

      // Act
      const error = await http
        .send({ method: 'POST', path: `/v1/nodes/${nodeA}/leases`, body })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ApiInvalidInputError);
      const invalid = error as ApiInvalidInputError;
      expect(invalid.status).toBe(400);
      expect(invalid.body.code).toBe('InvalidRequest');
      expect(invalid.body.fields?.length).toBeGreaterThan(0);
      if (field) expect(invalid.body.fields?.map((f) => f.path)).toContain(field);
      expect(JSON.stringify(cluster.cp.ec2.stats().calls)).toBe(before);
      expect((await a.getNode(nodeA)).leased).toHaveLength(0);
    });

    it('answers 400 for a body that is not JSON', async () => {
      // Prepare
      const creds = cluster.iam.issueRoleCredentials(NODE_ROLE, nodeA);
      const url = new URL(`${cluster.cp.endpoint}/v1/nodes/${nodeA}/leases`);
      const signer = new SignatureV4({
        service: 'execute-api',
        region: cluster.sim.region,
        credentials: creds,
        sha256: Sha256,
      });
      const body = '{"idempotencyKey": ';
      const signed = await signer.sign({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        headers: { host: url.host },
        body,
      });

      // Act
      const res = await raw(url.pathname, { method: 'POST', headers: signed.headers, body });

      // Assess
      expect(res.statusCode).toBe(400);
      expect(await res.body.json()).toMatchObject({ code: 'InvalidInput', fields: [{ path: 'body' }] });
    });

    it('refuses ADDITIONAL_ENI_TAGS with a reserved key at registration', async () => {
      // Act
      const error = await a
        .registerNode(nodeA, {
          instanceType: 'm5.large',
          availabilityZone: AZ,
          additionalEniTags: { 'kubernetes.io/cluster/x': 'owned' },
        })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ApiInvalidInputError);
      expect((error as ApiInvalidInputError).field).toBe('additionalEniTags.kubernetes.io/cluster/x');
    });

    it('refuses a registration that contradicts EC2 about the instance type', async () => {
      // Act
      const error = await a
        .registerNode(nodeA, { instanceType: 'c5.large', availabilityZone: AZ })
        .catch((e: unknown) => e);

      // Assess
      expect((error as ApiInvalidInputError).field).toBe('instanceType');
      expect((error as Error).message).toMatch(/m5\.large/);
    });
  });

  describe('idempotency', () => {
    it('returns the same answer for a retried key without calling EC2 again', async () => {
      // Prepare
      const first = await a.lease(nodeA, { idempotencyKey: 'retry-key-0001', ipv4: 3 });
      const callsAfterFirst = JSON.stringify(cluster.cp.ec2.stats().calls);

      // Act
      const second = await a.lease(nodeA, { idempotencyKey: 'retry-key-0001', ipv4: 3 });

      // Assess
      expect(second).toEqual(first);
      expect(JSON.stringify(cluster.cp.ec2.stats().calls)).toBe(callsAfterFirst);
      expect((await a.getNode(nodeA)).leased).toHaveLength(3);
    });

    it('refuses the same key with a different body', async () => {
      // Act
      const error = await a
        .lease(nodeA, { idempotencyKey: 'retry-key-0001', ipv4: 4 })
        .catch((e: unknown) => e);

      // Assess
      expect((error as ApiInvalidInputError).field).toBe('idempotencyKey');
    });
  });

  describe('usage reports', () => {
    it('refuses a pod on an address the node does not hold, naming the entry, and keeps the old map', async () => {
      // Prepare
      const held = (await a.getNode(nodeA)).leased[0]!.address;
      const reportedAt = new Date().toISOString();
      await a.reportUsage(nodeA, {
        assignments: [{ ip: held, namespace: 'default', pod: 'kept', containerId: 'c1' }],
        reportedAt,
      });

      // Act
      const error = await a
        .reportUsage(nodeA, {
          assignments: [
            { ip: held, namespace: 'default', pod: 'kept', containerId: 'c1' },
            { ip: '10.0.200.201', namespace: 'default', pod: 'stolen', containerId: 'c2' },
          ],
          reportedAt: new Date(Date.parse(reportedAt) + 1000).toISOString(),
        })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ApiInvalidInputError);
      expect((error as ApiInvalidInputError).field).toBe('assignments[1].ip');
      expect((await a.getNode(nodeA)).assignments.map((p) => p.pod)).toEqual(['kept']);
    });
  });

  describe('operator views', () => {
    it('looks an IP up to its node, ENI and pod, and shows subnet capacity', async () => {
      // Prepare
      const leased = (await a.getNode(nodeA)).leased;
      const ip = leased[0]!.address;
      await a.reportUsage(nodeA, {
        assignments: [{ ip, namespace: 'default', pod: 'web-1', containerId: 'c0ffee' }],
        reportedAt: new Date().toISOString(),
      });
      const operator = cluster.operatorClient();

      // Act
      const found = await operator.lookupIp(ip);
      const unknown = await operator.lookupIp('10.0.200.200');
      const capacity = await operator.subnetCapacity();
      const nodes = await operator.listNodes();

      // Assess
      expect(found).toMatchObject({
        ip,
        state: 'leased',
        instanceId: nodeA,
        eniId: leased[0]!.eni.eniId,
        pod: { namespace: 'default', pod: 'web-1', containerId: 'c0ffee' },
      });
      expect(unknown.state).toBe('unknown');
      const nodesSubnet = capacity.subnets.find((s) => s.cidr === '10.0.0.0/24')!;
      expect(nodesSubnet).toMatchObject({
        size: 251,
        leasedToNodes: 3,
        assignedToPods: 1,
        idleInWarmPools: 2,
        cooling: 0,
      });
      expect(nodesSubnet.ec2Free).toBe(251 - 2 - 3);
      expect(nodes.nodes.find((n) => n.instanceId === nodeA)).toMatchObject({
        leased: 3,
        assigned: 1,
        enis: 1,
      });
    });
  });
});
