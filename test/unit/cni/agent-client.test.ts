/** The plugin's hand-written HTTP/1.1 client against a real node:http server on a unix socket. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentUnreachableError, createAgentClient, parseAnswer } from '../../../cni/agent-client';
import { CniError } from '../../../cni/errors';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

function listen(server: Server | NetServer, socketPath: string): Promise<void> {
  return new Promise((resolve) => server.listen(socketPath, resolve));
}

function close(server: Server | NetServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('Function: createAgentClient', () => {
  let dir: string;
  let socketPath: string;
  let server: Server | NetServer | undefined;

  async function serve(handler: Handler): Promise<void> {
    const http = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => handler(req, body, res));
    });
    server = http;
    await listen(http, socketPath);
  }

  function reply(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cni-client-'));
    socketPath = join(dir, 'agent.sock');
  });

  afterEach(async () => {
    if (server !== undefined) await close(server);
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('posts the JSON body to the route and returns the JSON answer', async () => {
    // Prepare
    const seen: { method?: string; url?: string; type?: string; body?: string } = {};
    await serve((req, body, res) => {
      Object.assign(seen, { method: req.method, url: req.url, type: req.headers['content-type'], body });
      reply(res, 200, JSON.stringify({ ip: '10.0.0.20', note: 'é'.repeat(40_000) }));
    });

    // Act
    const answer = await createAgentClient(socketPath).call<{ ip: string; note: string }>(
      'POST',
      '/v1/cni/add',
      { containerId: 'c1', podName: 'é' },
    );

    // Assess
    expect(seen).toEqual({
      method: 'POST',
      url: '/v1/cni/add',
      type: 'application/json',
      body: '{"containerId":"c1","podName":"é"}',
    });
    expect(answer.ip).toBe('10.0.0.20');
    expect(answer.note).toHaveLength(40_000);
  });

  it('turns an agent error answer into a CniError with its code, message and details', async () => {
    // Prepare
    await serve((_req, _body, res) =>
      reply(res, 503, '{"code":11,"msg":"no free address","details":"later"}'),
    );

    // Act
    const call = createAgentClient(socketPath).call('GET', '/v1/cni/status');

    // Assess
    await expect(call).rejects.toMatchObject({ code: 11, message: 'no free address', details: 'later' });
  });

  it.each([
    ['a status without an error body', 502, '{"oops":true}', 'answered /v1/cni/del with 502'],
    ['a body that is not JSON', 200, '<html>', 'answered /v1/cni/del with something not JSON'],
  ])('reports %s as an internal error naming the route', async (_label, status, text, message) => {
    // Prepare
    await serve((_req, _body, res) => reply(res, status, text));

    // Act
    const call = createAgentClient(socketPath).call('POST', '/v1/cni/del', {});

    // Assess
    await expect(call).rejects.toMatchObject({ code: 999, message: expect.stringContaining(message) });
  });

  it('is unreachable (code 11, naming the socket) when nothing listens', async () => {
    // Act
    const call = createAgentClient(socketPath).call('POST', '/v1/cni/add', {});

    // Assess
    await expect(call).rejects.toBeInstanceOf(AgentUnreachableError);
    await expect(call).rejects.toMatchObject({ code: 11, message: expect.stringContaining(socketPath) });
  });

  it('is unreachable when the agent closes the connection before its answer is complete', async () => {
    // Prepare
    const raw = createNetServer((socket) =>
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"ip":')),
    );
    server = raw;
    await listen(raw, socketPath);

    // Act
    const call = createAgentClient(socketPath).call('POST', '/v1/cni/add', {});

    // Assess
    await expect(call).rejects.toBeInstanceOf(AgentUnreachableError);
  });

  it('rejects an answer that is not HTTP as an internal error', async () => {
    // Prepare
    const raw = createNetServer((socket) => socket.once('data', () => socket.end('SSH-2.0-x\r\n\r\n')));
    server = raw;
    await listen(raw, socketPath);

    // Act
    const call = createAgentClient(socketPath).call('POST', '/v1/cni/add', {});

    // Assess
    await expect(call).rejects.toBeInstanceOf(CniError);
    await expect(call).rejects.toMatchObject({ code: 999, message: expect.stringContaining('SSH-2.0-x') });
  });
});

describe('Function: parseAnswer', () => {
  const head = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n';

  it('waits for the whole head and for Content-Length bytes of body', () => {
    // Prepare
    const full = Buffer.from(`${head}content-length: 11\r\n\r\n{"ok":true}`);

    // Act
    const parts = [20, full.length - 3, full.length].map((n) => parseAnswer(full.subarray(0, n), false));

    // Assess
    expect(parts).toEqual([undefined, undefined, { status: 200, body: '{"ok":true}' }]);
  });

  it('without Content-Length, takes the body once the agent has closed', () => {
    // Prepare
    const received = Buffer.from(`${head}\r\n{"ok":1}`);

    // Act
    const open = parseAnswer(received, false);
    const closed = parseAnswer(received, true);

    // Assess
    expect(open).toBeUndefined();
    expect(closed).toEqual({ status: 200, body: '{"ok":1}' });
  });
});
