import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignedHttp } from '../../../core/api-client/signed-http';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

describe('Class: SignedHttp', () => {
  let server: Server;
  let endpoint: string;
  const answeredOn = new Set<unknown>();
  let requests = 0;

  beforeAll(async () => {
    // Answers the first request on each connection; a second one on the same connection
    // finds it closed under it, as when a server's keep-alive timeout races a reuse.
    server = createServer((req, res) => {
      requests++;
      if (answeredOn.has(req.socket)) {
        req.socket.destroy();
        return;
      }
      answeredOn.add(req.socket);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ n: requests }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a request again on a fresh connection when a reused one was closed under it', async () => {
    // Prepare
    const http = new SignedHttp({
      endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      timeoutMs: 5_000,
    });
    await http.send({ method: 'GET', path: '/v1/first' });

    // Act
    const second = await http.send<{ n: number }>({ method: 'GET', path: '/v1/second' });

    // Assess: the reused connection failed, the retry on a new one was answered
    expect(requests).toBe(3);
    expect(second.n).toBe(3);
  });
});
