/**
 * The pool's state on disk: what the node holds (leases), which pod has which address
 * (assignments) and which addresses are cooling down. Written atomically before assign or
 * unassign resolves, read once at start, so a restarted agent never hands out an address
 * a running pod still uses.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { LeasedAddress } from '../../core/contract/api';
import { LedgerError } from '../../core/errors';
import { writeFileAtomic } from '../../core/fs/atomic-file';
import type { Assignment } from './types';

export const CHECKPOINT_VERSION = 'ledger-cni-ipam/1';

const eni = z.object({
  eniId: z.string(),
  mac: z.string(),
  deviceIndex: z.number().int(),
  subnetId: z.string(),
  subnetCidr: z.string(),
  gateway: z.string(),
  securityGroups: z.array(z.string()),
  primaryIp: z.string(),
});

const checkpointSchema = z.object({
  version: z.literal(CHECKPOINT_VERSION),
  instanceId: z.string(),
  savedAt: z.string(),
  leases: z.array(
    z.object({ address: z.string(), kind: z.enum(['ipv4', 'prefix']), eni, leasedAt: z.string() }),
  ),
  assignments: z.array(
    z.object({
      containerId: z.string(),
      ifName: z.string(),
      namespace: z.string(),
      pod: z.string(),
      netns: z.string(),
      ip: z.string(),
      eni,
      assignedAt: z.string(),
    }),
  ),
  cooling: z.array(z.object({ ip: z.string(), until: z.string() })),
});

export type HeldLease = LeasedAddress & { leasedAt: string };

export interface CheckpointState {
  instanceId: string;
  leases: HeldLease[];
  assignments: Assignment[];
  cooling: { ip: string; until: string }[];
}

/** The checkpoint exists but cannot be trusted: starting anyway could double-assign addresses. */
export class CheckpointCorruptError extends LedgerError {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(
      `checkpoint ${path} cannot be read (${reason}); move it aside only if no pod on this node is running`,
    );
  }
}

export async function readCheckpoint(path: string): Promise<CheckpointState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CheckpointCorruptError(path, 'not JSON');
  }
  const parsed = checkpointSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckpointCorruptError(path, `${issue?.path.join('.') || 'document'}: ${issue?.message}`);
  }
  const { instanceId, leases, assignments, cooling } = parsed.data;
  return { instanceId, leases, assignments, cooling };
}

export async function writeCheckpoint(path: string, state: CheckpointState): Promise<void> {
  const document = { version: CHECKPOINT_VERSION, savedAt: new Date().toISOString(), ...state };
  await writeFileAtomic(path, `${JSON.stringify(document, null, 1)}\n`, 0o600);
}
