/**
 * Calls to the node agent over its unix socket; an unreachable agent is CNI code 11.
 * One HTTP/1.1 exchange written and read by hand over `node:net`: `node:http` and its
 * client machinery cost the plugin ~6 ms of its start, for one request with a known answer.
 */
import { connect } from 'node:net';
import type { AgentErrorBody } from '../core/contract/agent-socket';
import { CNI_CODES, CniError } from './errors';

const TIMEOUT_MS = 60_000;
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const HEAD_END = '\r\n\r\n';

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

interface Answer {
  status: number;
  body: string;
}

function isAgentError(value: unknown): value is AgentErrorBody {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as AgentErrorBody).code === 'number' &&
    typeof (value as AgentErrorBody).msg === 'string'
  );
}

function requestText(method: string, path: string, payload: string): string {
  return (
    `${method} ${path} HTTP/1.1\r\nHost: ledger-agent\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`
  );
}

/**
 * The answer once all of it is in `received`, else undefined. The agent always sends
 * Content-Length; without one the body is whatever came before the agent closed.
 */
export function parseAnswer(received: Buffer, closed: boolean): Answer | undefined {
  const headEnd = received.indexOf(HEAD_END);
  if (headEnd < 0) return undefined;
  const head = received.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
  if (status === null) throw new Error(`not an HTTP answer: ${JSON.stringify(head[0])}`);
  const lengthLine = head.find((line) => /^content-length:/i.test(line));
  const body = received.subarray(headEnd + HEAD_END.length);
  if (lengthLine === undefined)
    return closed ? { status: Number(status[1]), body: body.toString() } : undefined;
  const length = Number(lengthLine.slice(lengthLine.indexOf(':') + 1).trim());
  if (body.length < length) return undefined;
  return { status: Number(status[1]), body: body.subarray(0, length).toString() };
}

function exchange(socketPath: string, text: string): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const socket = connect(socketPath);
    let received = Buffer.alloc(0);
    const fail = (code: string, message: string) => {
      socket.destroy();
      if (UNREACHABLE.has(code)) reject(new AgentUnreachableError(socketPath, code));
      else reject(new CniError(CNI_CODES.ioFailure, `talking to the node agent failed: ${message}`));
    };
    const settle = (closed: boolean) => {
      let answer: Answer | undefined;
      try {
        answer = parseAnswer(received, closed);
      } catch (error) {
        socket.destroy();
        reject(
          new CniError(CNI_CODES.internal, `the node agent answered badly: ${(error as Error).message}`),
        );
        return;
      }
      if (answer !== undefined) {
        socket.destroy();
        resolve(answer);
      } else if (closed) {
        // The agent went away mid-answer (a crash or restart): as unreachable as never there.
        fail('ECONNRESET', 'the connection closed before the answer was complete');
      }
    };
    socket.setTimeout(TIMEOUT_MS, () => fail('ETIMEDOUT', 'timed out'));
    socket.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? '', e.message));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      settle(false);
    });
    socket.on('end', () => settle(true));
    // Not end(): the agent's HTTP server drops a request whose sender half-closes first.
    socket.write(text);
  });
}

export function createAgentClient(socketPath: string): AgentClient {
  return {
    async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      const payload = body === undefined ? '' : JSON.stringify(body);
      const answer = await exchange(socketPath, requestText(method, path, payload));
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.body);
      } catch {
        throw new CniError(CNI_CODES.internal, `the node agent answered ${path} with something not JSON`);
      }
      if (answer.status === 200) return parsed as T;
      if (isAgentError(parsed)) throw new CniError(parsed.code, parsed.msg, parsed.details);
      throw new CniError(CNI_CODES.internal, `the node agent answered ${path} with ${answer.status}`);
    },
  };
}
