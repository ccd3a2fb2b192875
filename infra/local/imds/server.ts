import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { InvalidInputError } from '../../../core/errors';
import type { Ec2Model } from '../ec2/model/ec2-model';
import type { LocalIam } from '../iam';
import { closeServer, listenOnLoopback } from '../loopback';
import { answerMetadata, type MetadataSource, renewingCredentials } from './metadata';
import { MAX_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS, TokenStore } from './tokens';

export interface ImdsOptions {
  readonly model: Ec2Model;
  readonly instanceId: string;
  readonly iam: LocalIam;
  /** The instance profile's role (default ledger-node); credentials carry the instance id as session name. */
  readonly roleName?: string;
  /** 0 (default) picks a free port. Listens on 127.0.0.1 only. */
  readonly port?: number;
}

export interface ImdsServer {
  /** http://127.0.0.1:<port>: the value for AWS_EC2_METADATA_SERVICE_ENDPOINT or MetadataService's endpoint. */
  readonly endpoint: string;
  readonly instanceId: string;
  stop(): Promise<void>;
}

const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

const plain = (status: number, body: string, headers?: Record<string, string>): Reply => ({
  status,
  body,
  headers,
});

function answer(source: MetadataSource, tokens: TokenStore, req: IncomingMessage): Reply {
  // Clients join their endpoint's path and the metadata path, which can double the slash.
  const path = new URL((req.url ?? '/').replace(/\/{2,}/g, '/'), 'http://127.0.0.1').pathname;
  if (path === '/latest/api/token') {
    if (req.method !== 'PUT') return plain(405, 'Method Not Allowed');
    // IMDS refuses tokens through a proxy, which it detects by this header.
    if (req.headers['x-forwarded-for'] !== undefined) return plain(403, 'Forbidden');
    const ttl = TokenStore.parseTtl(req.headers[TTL_HEADER]);
    if (ttl === undefined) {
      return plain(
        400,
        `${TTL_HEADER} must be an integer from ${MIN_TOKEN_TTL_SECONDS} to ${MAX_TOKEN_TTL_SECONDS}`,
      );
    }
    return plain(200, tokens.issue(ttl), { [TTL_HEADER]: String(ttl) });
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'Method Not Allowed');
  // IMDSv2 only: a request without a valid session token is refused, as with HttpTokens=required.
  if (!tokens.isValid(req.headers[TOKEN_HEADER])) return plain(401, 'Unauthorized');
  if (!path.startsWith('/latest/')) return plain(404, 'Not Found');
  const found = answerMetadata(source, path.slice('/latest/'.length));
  if (!found) return plain(404, 'Not Found');
  if (found.kind === 'json') {
    return plain(200, JSON.stringify(found.body, null, 2), { 'content-type': 'application/json' });
  }
  return plain(200, found.body);
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, {
    'content-type': 'text/plain',
    'content-length': Buffer.byteLength(reply.body),
    ...reply.headers,
  });
  res.end(reply.body);
}

/** Starts the instance metadata service of one simulated instance. */
export async function startImds(options: ImdsOptions): Promise<ImdsServer> {
  if (!options.model.getInstance(options.instanceId)) {
    throw new InvalidInputError(
      'instanceId',
      options.instanceId,
      'the id of an instance in the EC2 simulator',
    );
  }
  const roleName = options.roleName ?? 'ledger-node';
  const source: MetadataSource = {
    model: options.model,
    instanceId: options.instanceId,
    roleName,
    credentials: renewingCredentials(options.iam, roleName, options.instanceId),
  };
  const tokens = new TokenStore();
  const server = createServer((req, res) => {
    let reply: Reply;
    try {
      reply = answer(source, tokens, req);
    } catch (error) {
      reply = plain(500, `Internal error: ${String(error)}`);
    }
    send(res, reply);
  });
  const endpoint = await listenOnLoopback(server, options.port);
  return {
    endpoint,
    instanceId: options.instanceId,
    stop: async () => {
      await closeServer(server);
    },
  };
}
