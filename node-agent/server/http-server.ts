/**
 * The agent's answer to the plugin: HTTP/1.1 on a unix socket (mode 0660, so only root and
 * the socket's group can ask for addresses). One route per CNI command, JSON both ways.
 */
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { AGENT_ROUTES, CNI_CODES } from '../../core/contract/agent-socket';
import { AgentRequestError, toErrorAnswer } from './errors';
import { createHandlers, type Handlers } from './handlers';
import {
  AddRequestSchema,
  CheckRequestSchema,
  DelRequestSchema,
  describeIssues,
  GcRequestSchema,
} from './schemas';
import type { PluginServer, PluginServerOptions } from './types';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new AgentRequestError(CNI_CODES.decodeFailure, 'request body is too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch {
    throw new AgentRequestError(CNI_CODES.decodeFailure, 'request body is not JSON');
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new AgentRequestError(CNI_CODES.invalidEnv, describeIssues(result.error, body));
  return result.data;
}

type Route = (body: unknown) => Promise<unknown>;

function routesFor(handlers: Handlers): Record<string, Route> {
  return {
    [`POST ${AGENT_ROUTES.add}`]: (b) => handlers.add(parse(AddRequestSchema, b)),
    [`POST ${AGENT_ROUTES.del}`]: async (b) => {
      await handlers.del(parse(DelRequestSchema, b));
      return {};
    },
    [`POST ${AGENT_ROUTES.check}`]: async (b) => {
      await handlers.check(parse(CheckRequestSchema, b));
      return {};
    },
    [`GET ${AGENT_ROUTES.status}`]: async () => handlers.status(),
    [`POST ${AGENT_ROUTES.gc}`]: (b) => handlers.gc(parse(GcRequestSchema, b)),
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

export async function startPluginServer(options: PluginServerOptions): Promise<PluginServer> {
  const { socketPath, logger } = options;
  const routes = routesFor(createHandlers(options));
  const server = createServer(async (request, response) => {
    const key = `${request.method} ${(request.url ?? '').split('?')[0]}`;
    const route = routes[key];
    try {
      if (route === undefined) {
        throw new AgentRequestError(
          CNI_CODES.internal,
          `no route ${key}; the plugin and agent versions differ`,
        );
      }
      send(response, 200, await route(await readJson(request)));
    } catch (error) {
      const answer = toErrorAnswer(error);
      logger.warn('plugin request failed', { route: key, code: answer.body.code, msg: answer.body.msg });
      send(response, answer.status, answer.body);
    }
  });
  await mkdir(dirname(socketPath), { recursive: true });
  // A socket file left by a previous agent would make listen fail with EADDRINUSE.
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(socketPath, 0o660);
  logger.info('plugin server listening', { socketPath });
  return {
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await rm(socketPath, { force: true });
    },
  };
}
