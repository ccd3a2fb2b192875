/**
 * A metering proxy in front of dynalite: it asks for ReturnConsumedCapacity on every call
 * the ledger makes and adds up the read and write units dynalite answers with, so a
 * benchmark can say what a lease costs on DynamoDB without touching the ledger's code.
 * A conditional write that fails still costs a write unit on DynamoDB; it is counted as 1.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

export interface MeterCounts {
  readUnits: number;
  writeUnits: number;
  calls: Record<string, number>;
  /** Conditional writes refused (ConditionalCheckFailedException). */
  conditionFailures: number;
}

export interface DynamoMeter {
  /** http://127.0.0.1:<port>: give this to the ledger's DynamoDB client instead of dynalite's. */
  readonly endpoint: string;
  counts(): MeterCounts;
  stop(): Promise<void>;
}

interface Consumed {
  CapacityUnits?: number;
}

function unitsOf(body: unknown): number {
  const consumed = (body as { ConsumedCapacity?: Consumed | Consumed[] } | undefined)?.ConsumedCapacity;
  if (consumed === undefined) return 0;
  return (Array.isArray(consumed) ? consumed : [consumed]).reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Adds ReturnConsumedCapacity to a request body of an operation that supports it. */
export function withCapacityRequested(operation: string, body: string): string {
  if (!READS.has(operation) && !WRITES.has(operation)) return body;
  try {
    return JSON.stringify({ ...JSON.parse(body), ReturnConsumedCapacity: 'TOTAL' });
  } catch {
    return body;
  }
}

export async function startDynamoMeter(target: string): Promise<DynamoMeter> {
  const upstream = new URL(target);
  const totals: MeterCounts = { readUnits: 0, writeUnits: 0, calls: {}, conditionFailures: 0 };
  const server: Server = createServer(async (req, res) => {
    try {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
      totals.calls[operation] = (totals.calls[operation] ?? 0) + 1;
      const body = withCapacityRequested(operation, (await readAll(req)).toString('utf8'));
      const headers = { ...req.headers, 'content-length': String(Buffer.byteLength(body)) };
      const upstreamReq = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        async (upstreamRes) => {
          const answer = await readAll(upstreamRes);
          let parsed: unknown;
          try {
            parsed = JSON.parse(answer.toString('utf8'));
          } catch {
            parsed = undefined;
          }
          const units = unitsOf(parsed);
          if (READS.has(operation)) totals.readUnits += units;
          if (WRITES.has(operation)) totals.writeUnits += units;
          if (
            String((parsed as { __type?: string } | undefined)?.__type).includes('ConditionalCheckFailed')
          ) {
            totals.conditionFailures++;
            totals.writeUnits += 1;
          }
          res.writeHead(upstreamRes.statusCode ?? 500, upstreamRes.headers);
          res.end(answer);
        },
      );
      upstreamReq.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      upstreamReq.end(body);
    } catch (error) {
      res.writeHead(500);
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => structuredClone(totals),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
