/**
 * The checkpoint written once for many concurrent changes: never answering a change before a
 * write that holds it is on disk, and a failed write failing only the changes it held.
 * Real files in a temporary directory; the write is wrapped only to count and to fail it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CheckpointState,
  CheckpointWriter,
  type HeldLease,
  writeCheckpoint,
} from '../../../node-agent/pool/checkpoint';
import { LeasePool } from '../../../node-agent/pool/lease-pool';
import type { Assignment } from '../../../node-agent/pool/types';
import { ENI, INSTANCE } from '../../support/pool-fixtures';

function assignment(n: number): Assignment {
  return {
    containerId: `container-${n}`,
    ifName: 'eth0',
    namespace: 'default',
    pod: `pod-${n}`,
    netns: '',
    ip: `10.9.0.${20 + n}`,
    eni: ENI,
    assignedAt: new Date(0).toISOString(),
  };
}

function onDisk(path: string): string[] {
  const document = JSON.parse(readFileSync(path, 'utf8')) as CheckpointState;
  return document.assignments.map((a) => a.containerId);
}

/** A writer over a plain list of assignments, counting its writes; `failNext` fails the next one. */
function countingWriter(path: string) {
  const assignments: Assignment[] = [];
  const counts = { writes: 0, failNext: false };
  const writer = new CheckpointWriter(
    path,
    () => ({ instanceId: INSTANCE, leases: [], assignments: [...assignments], cooling: [] }),
    async (p, state) => {
      counts.writes++;
      if (counts.failNext) {
        counts.failNext = false;
        throw new Error('disk full');
      }
      await writeCheckpoint(p, state);
    },
  );
  return { writer, assignments, counts };
}

describe('Class: CheckpointWriter', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-checkpoint-writer-'));
    path = join(dir, 'ipam.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('Method: save', () => {
    it('covers 30 concurrent changes with at most two writes, each on disk when its save resolves', async () => {
      // Prepare
      const { writer, assignments, counts } = countingWriter(path);
      const seenAtResolve: boolean[] = [];

      // Act
      await Promise.all(
        Array.from({ length: 30 }, (_, n) => {
          assignments.push(assignment(n));
          return writer.save().then(() => seenAtResolve.push(onDisk(path).includes(`container-${n}`)));
        }),
      );

      // Assess
      expect(counts.writes).toBeLessThanOrEqual(2);
      expect(seenAtResolve).toHaveLength(30);
      expect(seenAtResolve.every(Boolean)).toBe(true);
      expect(onDisk(path)).toHaveLength(30);
    });

    it('writes again for a change made while a write is under way', async () => {
      // Prepare
      const { writer, assignments, counts } = countingWriter(path);
      assignments.push(assignment(1));
      const first = writer.save();

      // Act
      assignments.push(assignment(2));
      const second = writer.save();
      await first;
      const afterFirst = onDisk(path);
      await second;

      // Assess
      expect(afterFirst).toEqual(['container-1']);
      expect(counts.writes).toBe(2);
      expect(onDisk(path)).toEqual(['container-1', 'container-2']);
    });

    it('fails only the saves a failed write held; a save made meanwhile gets the next write', async () => {
      // Prepare
      const { writer, assignments, counts } = countingWriter(path);
      counts.failNext = true;
      assignments.push(assignment(1));
      const failed = writer.save();

      // Act
      assignments.push(assignment(2));
      const meanwhile = writer.save();

      // Assess
      await expect(failed).rejects.toThrow('disk full');
      await expect(meanwhile).resolves.toBeUndefined();
      expect(counts.writes).toBe(2);
      expect(onDisk(path)).toContain('container-2');
    });
  });

  describe('Method: flush', () => {
    it('resolves without a write when every change is on disk, and waits for one that is not', async () => {
      // Prepare
      const { writer, assignments, counts } = countingWriter(path);
      assignments.push(assignment(1));
      await writer.save();

      // Act
      await writer.flush();
      const writesWhenClean = counts.writes;
      assignments.push(assignment(2));
      const pending = writer.save();
      await writer.flush();

      // Assess
      expect(writesWhenClean).toBe(1);
      expect(onDisk(path)).toEqual(['container-1', 'container-2']);
      await pending;
      expect(counts.writes).toBe(2);
    });
  });
});

describe('Class: LeasePool (concurrent assigns)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-pool-burst-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has every one of 30 concurrent assignments in the checkpoint file when its assign resolves', async () => {
    // Prepare
    const checkpointPath = join(dir, 'ipam.json');
    const pool = await LeasePool.open({ instanceId: INSTANCE, checkpointPath, cooldownMs: 30_000 });
    const leases: HeldLease[] = Array.from({ length: 32 }, (_, i) => ({
      address: `10.9.0.${100 + i}`,
      kind: 'ipv4',
      eni: ENI,
      leasedAt: new Date(0).toISOString(),
    }));
    await pool.addLeases(leases);
    const durableAtResolve: boolean[] = [];

    // Act
    const all = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        pool
          .assign({ containerId: `c-${n}`, ifName: 'eth0', namespace: 'default', pod: `p-${n}`, netns: '' })
          .then((a) => {
            durableAtResolve.push(onDisk(checkpointPath).includes(a.containerId));
            return a;
          }),
      ),
    );

    // Assess
    expect(new Set(all.map((a) => a.ip)).size).toBe(30);
    expect(durableAtResolve.every(Boolean)).toBe(true);
    expect(onDisk(checkpointPath)).toHaveLength(30);
  });
});
