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
      hostIfName: z.string().optional(),
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

/**
 * Writes the checkpoint for many changes at once. A change made while a write is under way
 * is covered by the next write, which starts when that one ends and takes the state as it
 * is then; a caller's promise resolves only once a write taken after its change is on disk.
 * Thirty pods added at once so cost a few writes and fsyncs rather than thirty in a row,
 * and no pod is answered before its assignment is durable.
 */
export class CheckpointWriter {
  /** Bumped by every change; a write covers the changes up to the count it was taken at. */
  private changes = 0;
  private durableChanges = 0;
  private inFlight: { covers: number; done: Promise<void> } | undefined;
  private queued: { done: Promise<void>; settle(error?: unknown): void } | undefined;

  constructor(
    private readonly path: string,
    private readonly state: () => CheckpointState,
    private readonly write: (path: string, state: CheckpointState) => Promise<void> = writeCheckpoint,
  ) {}

  /** Records a change to the state; resolves once a write that holds it is durable. */
  save(): Promise<void> {
    this.changes++;
    return this.flush();
  }

  /** Resolves once every change recorded so far is durable, at once when it already is. */
  flush(): Promise<void> {
    if (this.durableChanges >= this.changes) return Promise.resolve();
    if (this.inFlight !== undefined && this.inFlight.covers >= this.changes) return this.inFlight.done;
    if (this.queued !== undefined) return this.queued.done;
    let settle!: (error?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.queued = { done, settle };
    if (this.inFlight === undefined) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    while (this.queued !== undefined) {
      const batch = this.queued;
      this.queued = undefined;
      const covers = this.changes;
      this.inFlight = { covers, done: batch.done };
      try {
        await this.write(this.path, this.state());
        this.durableChanges = Math.max(this.durableChanges, covers);
        batch.settle();
      } catch (error) {
        batch.settle(error);
        // The failed write's callers undo their changes first: the next write must not hold them.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } finally {
        this.inFlight = undefined;
      }
    }
  }
}
