/**
 * Starts a small read-only HTTP server on a BindAddress (TCP or unix socket), for the
 * introspection and metrics endpoints. A stale unix socket file is replaced.
 */
import { rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { BindAddress } from '../config/types';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpEndpoint {
  /** The address actually bound (the port is resolved when 0 was asked for). */
  readonly address: BindAddress;
  close(): Promise<void>;
}

export async function listen(bind: BindAddress, handler: Handler): Promise<HttpEndpoint> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: (error as Error).message }));
    });
  });
  if (bind.kind === 'unix') {
    await mkdir(dirname(bind.path), { recursive: true });
    rmSync(bind.path, { force: true });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (bind.kind === 'unix') server.listen(bind.path, resolve);
    else server.listen(bind.port, bind.host === '' ? undefined : bind.host, resolve);
  });
  const address: BindAddress =
    bind.kind === 'unix'
      ? bind
      : { kind: 'tcp', host: bind.host, port: (server.address() as AddressInfo).port };
  return { address, close: () => closeServer(server, bind) };
}

function closeServer(server: Server, bind: BindAddress): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      if (bind.kind === 'unix') rmSync(bind.path, { force: true });
      resolve();
    });
    server.closeAllConnections();
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body, null, 1)}\n`);
}
