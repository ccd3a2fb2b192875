/**
 * One signed HTTP exchange: SigV4 (service execute-api, as API Gateway's IAM authorizer
 * expects) over node:http(s), with a deadline covering connect, headers and body. Node's own
 * client, not undici: the node agent runs on every node, and undici alone adds about 20 MiB
 * to its RSS (bench/agent-memory).
 */

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ApiUnavailableError, apiErrorFor } from './errors';

export const SIGNING_SERVICE = 'execute-api';

export interface SignedHttpOptions {
  /** Base URL of the API, e.g. https://abc.execute-api.eu-west-1.amazonaws.com or http://127.0.0.1:4010 */
  endpoint: string;
  region: string;
  /** Called per request so expiring instance-role credentials are refreshed by the provider. */
  credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  /** Whole-request deadline in milliseconds (default 10 000). */
  timeoutMs?: number;
}

export interface SignedRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
}

export class SignedHttp {
  private readonly base: URL;
  private readonly signer: SignatureV4;
  private readonly timeoutMs: number;

  constructor(options: SignedHttpOptions) {
    this.base = new URL(options.endpoint);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.signer = new SignatureV4({
      service: SIGNING_SERVICE,
      region: options.region,
      credentials: options.credentials,
      sha256: Sha256,
    });
  }

  async send<T>(req: SignedRequest): Promise<T> {
    const url = new URL(joinPath(this.base.pathname, req.path), this.base);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = { host: url.host, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signed = await this.signer.sign({
      method: req.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    });
    const signal = AbortSignal.timeout(this.timeoutMs);
    let status: number;
    let text: string;
    try {
      ({ status, text } = await exchange({ url, method: req.method, headers: signed.headers, body, signal }));
    } catch (cause) {
      const why = signal.aborted ? `no answer within ${this.timeoutMs} ms` : String(cause);
      throw new ApiUnavailableError(`${req.method} ${url.pathname} failed: ${why}`, undefined, undefined, {
        cause,
      });
    }
    const parsed = parseJson(text);
    if (status < 200 || status > 299) throw apiErrorFor(status, parsed);
    return parsed as T;
  }
}

/**
 * One request and its whole answer, with Node's keep-alive global agents. A connection
 * reset before any answer (typically a kept-alive socket the server closed just as it was
 * reused) is tried once more: every route is idempotent (leases and releases by their
 * keys), so a request the server did see is answered the same again.
 */
interface Exchange {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
}

async function exchange(request: Exchange): Promise<{ status: number; text: string }> {
  try {
    return await exchangeOnce(request);
  } catch (error) {
    if (!(error instanceof StaleSocketError)) throw error;
    return exchangeOnce(request);
  }
}

class StaleSocketError extends Error {}

function exchangeOnce({
  url,
  method,
  headers,
  body,
  signal,
}: Exchange): Promise<{ status: number; text: string }> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = send(url, { method, headers, signal }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      const closedUnderUs =
        !answered && !signal.aborted && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      reject(closedUnderUs ? new StaleSocketError(error.message, { cause: error }) : error);
    });
    outgoing.end(body);
  });
}

function joinPath(basePath: string, path: string): string {
  return `${basePath.replace(/\/+$/, '')}${path}`;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}
