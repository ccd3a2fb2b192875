/**
 * Registration at start, patient with a control plane that is briefly away: it retries with
 * backoff, and if the control plane stays unreachable it falls back to the answer cached
 * from the last successful registration, so a restarted agent keeps serving pods from its
 * checkpoint. A refusal (bad request, wrong role) is never retried nor bypassed.
 */
import { readFile } from 'node:fs/promises';
import type { RegisterNodeRequest, RegisterNodeResponse } from '../../core/contract/api';
import { DependencyError } from '../../core/errors';
import { writeFileAtomic } from '../../core/fs/atomic-file';
import type { Logger } from '../logging';

export interface RegisterOptions {
  register: (body: RegisterNodeRequest) => Promise<RegisterNodeResponse>;
  body: RegisterNodeRequest;
  instanceId: string;
  /** Where the last successful answer is kept (next to the checkpoint). */
  cachePath: string;
  logger: Logger;
  attempts?: number;
  firstDelayMs?: number;
}

export interface Registration {
  response: RegisterNodeResponse;
  /** False when the control plane was unreachable and the cached answer is used. */
  fresh: boolean;
}

export async function registerNode(options: RegisterOptions): Promise<Registration> {
  const attempts = options.attempts ?? 5;
  let delay = options.firstDelayMs ?? 500;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await options.register(options.body);
      await writeFileAtomic(options.cachePath, JSON.stringify(response), 0o600);
      return { response, fresh: true };
    } catch (error) {
      if (!(error instanceof DependencyError)) throw error;
      lastError = error;
      options.logger.warn('registration failed; retrying', { attempt, error });
      if (attempt < attempts) await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5_000);
    }
  }
  const cached = await readCached(options.cachePath, options.instanceId);
  if (cached === undefined) {
    throw new DependencyError(
      `cannot register with the control plane after ${attempts} attempts and no earlier registration is cached: ${(lastError as Error).message}`,
      { cause: lastError },
    );
  }
  options.logger.warn('control plane unreachable; using the cached registration', {
    cachePath: options.cachePath,
  });
  return { response: cached, fresh: false };
}

async function readCached(path: string, instanceId: string): Promise<RegisterNodeResponse | undefined> {
  try {
    const cached = JSON.parse(await readFile(path, 'utf8')) as RegisterNodeResponse;
    return cached.instanceId === instanceId ? cached : undefined;
  } catch {
    return undefined;
  }
}
