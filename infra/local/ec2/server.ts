import { createServer, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACTIONS } from './actions';
import { handleAdmin } from './admin';
import { Ec2ApiError } from './errors';
import type { FaultInjector } from './faults';
import { readBody } from './http-body';
import { newRequestId } from './ids';
import type { Ec2Model } from './model/ec2-model';
import { QueryParams } from './query/params';
import { renderError, renderResponse } from './query/xml';
import type { StatsRecorder } from './stats';
import type { Throttler } from './throttling';

/** What the HTTP front end needs; the admin routes change the same objects. */
export interface SimulatorParts {
  readonly model: Ec2Model;
  readonly throttler: Throttler;
  readonly faults: FaultInjector;
  readonly stats: StatsRecorder;
  /** Added before every EC2 call is answered. */
  latencyMs: number;
  /** Per-action latency that replaces `latencyMs` for that action (e.g. a slow AttachNetworkInterface). */
  readonly actionLatencyMs: Map<string, number>;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/xml;charset=UTF-8',
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** One EC2 Query call: throttling and injected faults are answered before the action touches the model. */
export async function answerQuery(
  parts: SimulatorParts,
  body: string,
): Promise<{ status: number; xml: string }> {
  const requestId = newRequestId();
  const params = new QueryParams(body);
  const action = params.action;
  if (!action) {
    return {
      status: 400,
      xml: renderError('MissingAction', 'The request must contain the parameter Action', requestId),
    };
  }
  parts.stats.call(action);
  const latency = parts.actionLatencyMs.get(action) ?? parts.latencyMs;
  if (latency > 0) await sleep(latency);
  const failWith = (error: Ec2ApiError, kind: 'throttled' | 'fault' | 'error') => {
    parts.stats.error(action, error.code, kind);
    return { status: error.status, xml: renderError(error.code, error.message, requestId) };
  };
  const handler = ACTIONS[action];
  if (!handler) {
    return failWith(
      new Ec2ApiError('InvalidAction', `The action ${action} is not valid for this web service.`),
      'error',
    );
  }
  // Naming resources by id is not a full listing either, so only bare Describe calls count as unfiltered.
  const filteredOrPaged = [
    'MaxResults',
    'Filter.1.Name',
    'NetworkInterfaceId.1',
    'InstanceId.1',
    'GroupId.1',
  ].some((name) => params.has(name));
  if (!parts.throttler.admit(action, filteredOrPaged)) {
    return failWith(new Ec2ApiError('RequestLimitExceeded', 'Request limit exceeded.'), 'throttled');
  }
  const fault = parts.faults.check(action);
  if (fault) return failWith(fault, 'fault');
  try {
    return { status: 200, xml: renderResponse(action, requestId, handler(params, parts.model)) };
  } catch (error) {
    if (error instanceof Ec2ApiError) return failWith(error, 'error');
    return failWith(
      new Ec2ApiError('InternalError', `An internal error has occurred: ${String(error)}`),
      'error',
    );
  }
}

export function createEc2Server(parts: SimulatorParts): Server {
  return createServer((req, res) => {
    const url = new URL((req.url ?? '/').replace(/\/{2,}/g, '/'), 'http://127.0.0.1');
    const work = url.pathname.startsWith('/_sim/')
      ? handleAdmin(parts, req, url).then((r) =>
          send(res, r.status, JSON.stringify(r.body), 'application/json'),
        )
      : readBody(req).then(async (body) => {
          if (req.method !== 'POST' && req.method !== 'GET') {
            send(
              res,
              405,
              renderError('InvalidHttpRequest', `Method ${req.method} is not allowed`, newRequestId()),
            );
            return;
          }
          // GET carries the Query parameters in the URL, as EC2 also accepts.
          const { status, xml } = await answerQuery(parts, req.method === 'GET' ? url.search.slice(1) : body);
          send(res, status, xml);
        });
    work.catch((error: unknown) => {
      const apiError = error instanceof Ec2ApiError ? error : new Ec2ApiError('InternalError', String(error));
      if (!res.headersSent)
        send(res, apiError.status, renderError(apiError.code, apiError.message, newRequestId()));
    });
  });
}
