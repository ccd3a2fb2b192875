/** Calls to the node agent over its unix socket; an unreachable agent is CNI code 11. */
import { request } from 'node:http';
import type { AgentErrorBody } from '../core/contract/agent-socket';
import { CNI_CODES, CniError } from './errors';

const TIMEOUT_MS = 60_000;
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export class AgentUnreachableError extends CniError {
  constructor(socketPath: string, reason: string) {
    super(
      CNI_CODES.tryAgainLater,
      `the node agent is not reachable at ${socketPath}: ${reason}`,
      'check that the ledger-agent pod runs on this node; try again later',
    );
  }
}

export interface AgentClient {
  call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
}

function isAgentError(value: unknown): value is AgentErrorBody {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as AgentErrorBody).code === 'number' &&
    typeof (value as AgentErrorBody).msg === 'string'
  );
}

export function createAgentClient(socketPath: string): AgentClient {
  return {
    call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      const payload = body === undefined ? '' : JSON.stringify(body);
      return new Promise<T>((resolve, reject) => {
        const req = request(
          {
            socketPath,
            path,
            method,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
            timeout: TIMEOUT_MS,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', (e) => reject(new AgentUnreachableError(socketPath, e.message)));
            res.on('end', () => {
              let parsed: unknown;
              try {
                parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              } catch {
                reject(
                  new CniError(CNI_CODES.internal, `the node agent answered ${path} with something not JSON`),
                );
                return;
              }
              if (res.statusCode === 200) resolve(parsed as T);
              else if (isAgentError(parsed)) reject(new CniError(parsed.code, parsed.msg, parsed.details));
              else
                reject(
                  new CniError(CNI_CODES.internal, `the node agent answered ${path} with ${res.statusCode}`),
                );
            });
          },
        );
        req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
        req.on('error', (e: NodeJS.ErrnoException) => {
          if (UNREACHABLE.has(e.code ?? ''))
            reject(new AgentUnreachableError(socketPath, e.code ?? e.message));
          else reject(new CniError(CNI_CODES.ioFailure, `talking to the node agent failed: ${e.message}`));
        });
        req.end(payload);
      });
    },
  };
}
