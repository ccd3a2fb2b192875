/** A fresh dynalite (in memory, 127.0.0.1) and ledger table per test file. */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureLedgerTable, type Ledger, ledgerOf } from '../../../../core/ledger';

// dynalite ships no types; this is the part of its API the tests use.
// biome-ignore lint/suspicious/noExplicitAny: untyped CommonJS module
const dynalite: (opts: Record<string, unknown>) => any = require('dynalite');

export interface LedgerDb {
  endpoint: string;
  client: DynamoDBClient;
  ledger: Ledger;
  tableName: string;
  /** Moves the ledger's clock (lock, cooling and idempotency expiry). */
  advance(ms: number): void;
  stop(): Promise<void>;
}

export async function startLedgerDb(tableName = 'ledger'): Promise<LedgerDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureLedgerTable(client, tableName);
  let offset = 0;
  const ledger = ledgerOf(client, tableName, () => new Date(Date.now() + offset));
  return {
    endpoint,
    client,
    ledger,
    tableName,
    advance: (ms) => {
      offset += ms;
    },
    stop: async () => {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
