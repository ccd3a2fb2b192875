import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiCapacityError,
  ApiClient,
  ApiForbiddenError,
  ApiInvalidInputError,
  ApiUnavailableError,
} from '../../../core/api-client';
import { CapacityError, DependencyError, InvalidInputError } from '../../../core/errors';
import { type IssuedCredentials, verifySigV4 } from '../../../infra/local/host/sigv4-verifier';

const NODE = 'i-0123456789abcdef0';
const known: Record<string, IssuedCredentials> = {
  AKIDNODE: {
    secretAccessKey: 'node-secret',
    sessionToken: 'node-token',
    arn: `arn:aws:sts::111122223333:assumed-role/node-role/${NODE}`,
    roleName: 'node-role',
    sessionName: NODE,
    expiration: new Date(Date.now() + 3_600_000),
  },
  AKIDOLD: {
    secretAccessKey: 'old-secret',
    arn: 'arn:aws:sts::111122223333:assumed-role/node-role/i-00000000000000000',
    roleName: 'node-role',
    sessionName: 'i-00000000000000000',
    expiration: new Date(Date.now() - 1000),
  },
};

type Reply = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('Class: ApiClient', () => {
  let server: Server;
  let endpoint: string;
  let reply: Reply;
  const seen: { method: string; url: string; body: string; caller?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', async () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const verdict = await verifySigV4(
          {
            method: req.method ?? 'GET',
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            headers: req.headers,
            body,
          },
          { lookup: (id) => known[id] },
        );
        if (!verdict.ok) {
          res.writeHead(verdict.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: verdict.message }));
          return;
        }
        seen.push({ method: req.method ?? '', url: req.url ?? '', body, caller: verdict.caller.arn });
        reply(req, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    seen.length = 0;
  });

  const client = (accessKeyId = 'AKIDNODE', secret?: string, timeoutMs?: number) =>
    new ApiClient({
      endpoint,
      region: 'eu-west-1',
      timeoutMs,
      credentials: async () => ({
        accessKeyId,
        secretAccessKey: secret ?? known[accessKeyId]?.secretAccessKey ?? 'x',
        sessionToken: known[accessKeyId]?.sessionToken,
      }),
    });

  const json =
    (status: number, value: unknown): Reply =>
    (_req, _body, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };

  describe('Method: lease', () => {
    it('sends a signed POST to the node path that the server verifies and answers', async () => {
      // Prepare
      reply = json(200, { leaseId: 'l-1', addresses: [] });

      // Act
      const answer = await client().lease(NODE, { idempotencyKey: 'key-00000001', ipv4: 3 });

      // Assess
      expect(answer).toEqual({ leaseId: 'l-1', addresses: [] });
      expect(seen).toEqual([
        {
          method: 'POST',
          url: `/v1/nodes/${NODE}/leases`,
          body: JSON.stringify({ idempotencyKey: 'key-00000001', ipv4: 3 }),
          caller: known.AKIDNODE.arn,
        },
      ]);
    });
  });

  describe('Method: lookupIp', () => {
    it('signs GET requests without a body', async () => {
      // Prepare
      reply = json(200, { ip: '10.0.1.17', state: 'unknown' });

      // Act
      const answer = await client().lookupIp('10.0.1.17');

      // Assess
      expect(answer.state).toBe('unknown');
      expect(seen[0]).toMatchObject({ method: 'GET', url: '/v1/ips/10.0.1.17', body: '' });
    });
  });

  describe('Errors', () => {
    it('a wrong secret is refused by the verifier and surfaces as ApiForbiddenError', async () => {
      // Prepare
      reply = json(200, {});

      // Act
      const outcome = client('AKIDNODE', 'not-the-secret').getNode(NODE);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(ApiForbiddenError);
      await expect(outcome).rejects.toBeInstanceOf(InvalidInputError);
      await expect(outcome).rejects.toThrow(/signature we calculated does not match/);
      expect(seen).toHaveLength(0);
    });

    it('expired credentials are refused', async () => {
      // Prepare
      reply = json(200, {});

      // Act
      const outcome = client('AKIDOLD').getNode(NODE);

      // Assess
      await expect(outcome).rejects.toThrow(/expired/);
      expect(seen).toHaveLength(0);
    });

    it('maps 400 with fields to ApiInvalidInputError naming the field', async () => {
      // Prepare
      reply = json(400, {
        code: 'InvalidRequest',
        message: 'ipv4: too big',
        fields: [{ path: 'ipv4', message: 'must be at most 250' }],
      });

      // Act
      const error = await client()
        .lease(NODE, { idempotencyKey: 'key-00000002', ipv4: 3 })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ApiInvalidInputError);
      expect((error as ApiInvalidInputError).field).toBe('ipv4');
      expect((error as ApiInvalidInputError).status).toBe(400);
    });

    it('maps 409 to ApiCapacityError carrying the reason', async () => {
      // Prepare
      reply = json(409, { code: 'SubnetExhausted', message: 'no subnet has room' });

      // Act
      const error = await client()
        .lease(NODE, { idempotencyKey: 'key-00000003', ipv4: 3 })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ApiCapacityError);
      expect(error).toBeInstanceOf(CapacityError);
      expect((error as CapacityError).reason).toBe('SubnetExhausted');
    });

    it('maps 5xx and non-JSON bodies to ApiUnavailableError', async () => {
      // Prepare
      reply = (_req, _body, res) => {
        res.writeHead(502);
        res.end('Bad Gateway');
      };

      // Act
      const error = await client()
        .listNodes()
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ApiUnavailableError);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as ApiUnavailableError).status).toBe(502);
    });

    it('gives up after the timeout with ApiUnavailableError', async () => {
      // Prepare
      reply = (_req, _body, res) => {
        setTimeout(() => res.end('{}'), 2_000);
      };

      // Act
      const started = Date.now();
      const error = await client('AKIDNODE', undefined, 200)
        .listNodes()
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ApiUnavailableError);
      expect((error as Error).message).toMatch(/no answer within 200 ms/);
      expect(Date.now() - started).toBeLessThan(1_500);
    });
  });
});
