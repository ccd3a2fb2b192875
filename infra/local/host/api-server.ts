/**
 * The local stand-in for API Gateway's HTTP API: 127.0.0.1 only, SigV4 verified for real
 * (401/403 as the IAM authorizer answers), unknown routes 404, then the api handler's logic.
 */

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { listenOnLoopback } from '../loopback';
import { apiEventOf, matchRoute } from './api-event';
import { type CredentialLookup, verifySigV4 } from './sigv4-verifier';

const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiServerOptions {
  iam: CredentialLookup;
  accountId: string;
  port?: number;
  invoke(event: APIGatewayProxyEventV2WithIAMAuthorizer): Promise<APIGatewayProxyStructuredResultV2>;
}

export async function startApiServer(
  options: ApiServerOptions,
): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((req, res) => {
    serve(options, req)
      .then(({ statusCode, headers, body }) => {
        res.writeHead(statusCode ?? 200, { 'content-type': 'application/json', ...(headers as object) });
        res.end(body ?? '');
      })
      .catch(() => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error' }));
      });
  });
  return { endpoint: await listenOnLoopback(server, options.port), server };
}

async function serve(
  options: ApiServerOptions,
  req: IncomingMessage,
): Promise<APIGatewayProxyStructuredResultV2> {
  const body = await readBody(req);
  if (body === undefined) return message(413, 'Request Entity Too Large');
  const url = new URL(req.url ?? '/', 'http://local');
  const method = req.method ?? 'GET';
  const verdict = await verifySigV4(
    { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body },
    options.iam,
  );
  if (!verdict.ok) return message(verdict.status, verdict.message);
  const route = matchRoute(method, url.pathname);
  if (!route) return message(404, 'Not Found');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const event = apiEventOf(
    {
      method,
      path: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers,
      body,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    },
    route,
    verdict.caller,
    options.accountId,
  );
  return options.invoke(event);
}

function message(statusCode: number, text: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: text }),
  };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
