import type { Server } from 'node:http';
import { InvalidInputError } from '../../core/errors';
import { closeServer, listenOnLoopback } from './loopback';

/**
 * dynalite as the local DynamoDB. It has no Transact* operations and no TTL deletion, so the
 * ledger relies on single-item conditional writes and treats items past their expiry
 * attribute as absent, which is also what it must do on DynamoDB (TTL deletes lazily).
 */

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite ships no type declarations; this is the one entry point used.
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

export interface DynaliteOptionsInput {
  /** 0 (default) picks a free port. Listens on 127.0.0.1 only. */
  readonly port?: number;
  /** A directory for a LevelDB store; in memory when absent. */
  readonly path?: string;
  /** How long tables stay CREATING/DELETING/UPDATING (default 0, so tests need not wait). */
  readonly tableStateDelayMs?: number;
}

export interface LocalDynamoDb {
  /** http://127.0.0.1:<port>, for DynamoDBClient's `endpoint`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startDynalite(options: DynaliteOptionsInput = {}): Promise<LocalDynamoDb> {
  const delay = options.tableStateDelayMs ?? 0;
  if (!Number.isInteger(delay) || delay < 0) {
    throw new InvalidInputError('tableStateDelayMs', delay, 'an integer >= 0');
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidInputError('port', port, 'an integer from 0 to 65535');
  }
  const server = dynalite({
    path: options.path,
    createTableMs: delay,
    deleteTableMs: delay,
    updateTableMs: delay,
  });
  const endpoint = await listenOnLoopback(server, port);
  return {
    endpoint,
    stop: async () => {
      await closeServer(server);
    },
  };
}
