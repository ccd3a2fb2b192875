import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { readBody } from './http-body';
import type { SimulatorParts } from './server';
import { BUCKET_CATEGORIES } from './throttling';

/**
 * Routes under /_sim/ that let other processes (benchmarks, chaos tests, the CLI) read stats
 * and change faults, latency and throttling of a running simulator. JSON in and out.
 */

const faultSchema = z
  .object({
    action: z.string().min(1),
    code: z.string().min(1).optional(),
    message: z.string().optional(),
    count: z.number().int().min(1).optional(),
    fraction: z.number().min(0).max(1).optional(),
  })
  .refine((f) => (f.count === undefined) !== (f.fraction === undefined), {
    message: 'exactly one of count or fraction is required',
  });

const latencySchema = z.object({
  ms: z.number().int().min(0).max(60_000),
  action: z.string().min(1).optional(),
});

const bucketSchema = z.object({
  capacity: z.number().int().min(1).optional(),
  refillPerSecond: z.number().min(0).optional(),
});

const throttlingSchema = z.object({
  enabled: z.boolean().optional(),
  buckets: z.partialRecord(z.enum(BUCKET_CATEGORIES), bucketSchema).optional(),
});

export interface AdminAnswer {
  readonly status: number;
  readonly body: unknown;
}

async function jsonBody<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T | AdminAnswer> {
  const text = await readBody(req);
  let raw: unknown;
  try {
    raw = text === '' ? {} : JSON.parse(text);
  } catch {
    return { status: 400, body: { error: `body is not JSON: ${JSON.stringify(text.slice(0, 80))}` } };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    return { status: 400, body: { error: `invalid request: ${issues.join('; ')}`, received: raw } };
  }
  return parsed.data;
}

const isAnswer = (v: unknown): v is AdminAnswer =>
  typeof v === 'object' && v !== null && 'status' in v && 'body' in v && Object.keys(v).length === 2;

const latencyBody = (parts: SimulatorParts) => ({
  ms: parts.latencyMs,
  actions: Object.fromEntries(parts.actionLatencyMs),
});

export async function handleAdmin(
  parts: SimulatorParts,
  req: IncomingMessage,
  url: URL,
): Promise<AdminAnswer> {
  const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
  switch (route) {
    case 'GET /_sim/stats':
      return { status: 200, body: parts.stats.snapshot() };
    case 'DELETE /_sim/stats':
      parts.stats.reset();
      return { status: 200, body: parts.stats.snapshot() };
    case 'GET /_sim/faults':
      return { status: 200, body: parts.faults.list() };
    case 'POST /_sim/faults': {
      const spec = await jsonBody(req, faultSchema);
      if (isAnswer(spec)) return spec;
      parts.faults.add(spec);
      return { status: 200, body: parts.faults.list() };
    }
    case 'DELETE /_sim/faults':
      parts.faults.clear(url.searchParams.get('action') ?? undefined);
      return { status: 200, body: parts.faults.list() };
    case 'GET /_sim/latency':
      return { status: 200, body: latencyBody(parts) };
    case 'PUT /_sim/latency': {
      const input = await jsonBody(req, latencySchema);
      if (isAnswer(input)) return input;
      if (input.action) parts.actionLatencyMs.set(input.action, input.ms);
      else parts.latencyMs = input.ms;
      return { status: 200, body: latencyBody(parts) };
    }
    case 'GET /_sim/throttling':
      return {
        status: 200,
        body: { enabled: parts.throttler.enabled, buckets: parts.throttler.bucketSizes() },
      };
    case 'PUT /_sim/throttling': {
      const input = await jsonBody(req, throttlingSchema);
      if (isAnswer(input)) return input;
      if (input.buckets) parts.throttler.configure(input.buckets);
      if (input.enabled !== undefined) parts.throttler.configure(input.enabled);
      return {
        status: 200,
        body: { enabled: parts.throttler.enabled, buckets: parts.throttler.bucketSizes() },
      };
    }
    default:
      return {
        status: 404,
        body: {
          error: `no admin route ${route}`,
          routes: [
            'GET|DELETE /_sim/stats',
            'GET|POST|DELETE /_sim/faults',
            'GET|PUT /_sim/latency',
            'GET|PUT /_sim/throttling',
          ],
        },
      };
  }
}
