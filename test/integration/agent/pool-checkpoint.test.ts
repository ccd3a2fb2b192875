import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointCorruptError, type HeldLease } from '../../../node-agent/pool/checkpoint';
import { LeasePool } from '../../../node-agent/pool/lease-pool';
import { dropAssignmentsWithoutLinks } from '../../../node-agent/pool/stale-assignments';
import { PoolExhaustedError } from '../../../node-agent/pool/types';
import { ENI, INSTANCE } from '../../support/pool-fixtures';

function leases(...addresses: string[]): HeldLease[] {
  return addresses.map((address) => ({
    address,
    kind: address.includes('/') ? 'prefix' : 'ipv4',
    eni: ENI,
    leasedAt: new Date().toISOString(),
  }));
}

function pod(n: number) {
  return { containerId: `container-${n}`, ifName: 'eth0', namespace: 'default', pod: `pod-${n}`, netns: '' };
}

describe('Class: LeasePool (checkpoint)', () => {
  let dir: string;
  let checkpointPath: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-pool-'));
    checkpointPath = join(dir, 'ipam.json');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (cooldownMs = 60_000, assignWaitMs = 100) =>
    LeasePool.open({ instanceId: INSTANCE, checkpointPath, cooldownMs, assignWaitMs });

  it('has the assignment in the checkpoint file when assign resolves', async () => {
    // Prepare
    const pool = await open();
    await pool.addLeases(leases('10.9.0.20', '10.9.0.21'));

    // Act
    const assignment = await pool.assign(pod(1));

    // Assess
    const onDisk = JSON.parse(readFileSync(checkpointPath, 'utf8'));
    expect(onDisk.version).toBe('ledger-cni-ipam/1');
    expect(onDisk.assignments).toEqual([
      expect.objectContaining({ containerId: 'container-1', ip: assignment.ip }),
    ]);
  });

  it('keeps every assignment and cooldown across a restart and never hands out an address in use', async () => {
    // Prepare
    const first = await open();
    await first.addLeases(leases('10.9.0.20', '10.9.0.21', '10.9.0.22', '10.9.0.23'));
    const a1 = await first.assign(pod(1));
    const a2 = await first.assign(pod(2));
    const a3 = await first.assign(pod(3));
    await first.unassign('container-3', 'eth0');

    // Act
    const second = await open();
    const a4 = await second.assign(pod(4));
    const fifth = second.assign(pod(5));

    // Assess
    expect(
      second
        .assignments()
        .map((a) => a.ip)
        .sort(),
    ).toEqual([a1.ip, a2.ip, a4.ip].sort());
    expect(second.find('container-1', 'eth0')).toEqual(a1);
    expect([a1.ip, a2.ip, a3.ip]).not.toContain(a4.ip);
    await expect(fifth).rejects.toBeInstanceOf(PoolExhaustedError);
  });

  it('returns the same assignment when ADD is repeated for the same container and interface', async () => {
    // Prepare
    const pool = await open();
    await pool.addLeases(leases('10.9.0.20', '10.9.0.21'));
    const first = await pool.assign(pod(1));

    // Act
    const again = await pool.assign(pod(1));

    // Assess
    expect(again).toEqual(first);
    expect(pool.assignments()).toHaveLength(1);
  });

  it('gives concurrent pods distinct addresses', async () => {
    // Prepare
    const pool = await open();
    await pool.addLeases(leases('10.9.0.32/28'));

    // Act
    const all = await Promise.all(Array.from({ length: 16 }, (_, i) => pool.assign(pod(i))));

    // Assess
    expect(new Set(all.map((a) => a.ip)).size).toBe(16);
    expect(all.every((a) => a.ip.startsWith('10.9.0.'))).toBe(true);
    expect(pool.canAssign()).toBe(false);
  });

  it('throws PoolExhaustedError only when nothing is cached, and reuses an address after its cooldown', async () => {
    // Prepare
    const pool = await open(200, 50);
    await pool.addLeases(leases('10.9.0.20'));
    const only = await pool.assign(pod(1));
    await pool.unassign('container-1', 'eth0');

    // Act
    const duringCooldown = pool.assign(pod(2));
    await expect(duringCooldown).rejects.toBeInstanceOf(PoolExhaustedError);
    await new Promise((r) => setTimeout(r, 250));
    const afterCooldown = await pool.assign(pod(2));

    // Assess
    expect(afterCooldown.ip).toBe(only.ip);
  });

  it('is idempotent on DEL: a second unassign resolves to undefined', async () => {
    // Prepare
    const pool = await open();
    await pool.addLeases(leases('10.9.0.20'));
    await pool.assign(pod(1));

    // Act
    const first = await pool.unassign('container-1', 'eth0');
    const second = await pool.unassign('container-1', 'eth0');

    // Assess
    expect(first?.ip).toBe('10.9.0.20');
    expect(second).toBeUndefined();
  });

  it('drops restored assignments whose host link is gone and keeps the rest', async () => {
    // Prepare
    const pool = await open();
    await pool.addLeases(leases('10.9.0.20', '10.9.0.21'));
    await pool.assign(pod(1));
    await pool.assign(pod(2));

    // Act
    const dropped = await dropAssignmentsWithoutLinks(pool, new Set(['veth-pod-1']), (a) => `veth-${a.pod}`);

    // Assess
    expect(dropped.map((a) => a.containerId)).toEqual(['container-2']);
    expect(pool.assignments().map((a) => a.containerId)).toEqual(['container-1']);
  });

  it('keeps a unit the ledger no longer lists while a pod uses it, and drops the free ones', async () => {
    // Prepare
    const pool = await open();
    await pool.addLeases(leases('10.9.0.20', '10.9.0.21'));
    const used = await pool.assign(pod(1));

    // Act
    const result = await pool.adoptLeases([]);

    // Assess
    expect(result).toEqual({ added: 0, dropped: 1, kept: [used.ip] });
    expect(pool.snapshot().leases.map((l) => l.address)).toEqual([used.ip]);
    expect(pool.find('container-1', 'eth0')).toEqual(used);
  });

  it('fails ADD and changes nothing when the checkpoint cannot be written', async () => {
    // Prepare: the checkpoint's directory is replaced by a file, so the write fails.
    checkpointPath = join(dir, 'state', 'ipam.json');
    const pool = await open();
    await pool.addLeases(leases('10.9.0.20'));
    const errors: string[] = [];
    pool.events.on('agentError', (e) => errors.push(e.fn));
    rmSync(join(dir, 'state'), { recursive: true });
    writeFileSync(join(dir, 'state'), 'not a directory');

    // Act
    const attempt = pool.assign(pod(1));

    // Assess
    await expect(attempt).rejects.toThrow();
    expect(pool.assignments()).toEqual([]);
    expect(pool.canAssign()).toBe(true);
    expect(errors).toEqual(['checkpoint']);
  });

  it('refuses a corrupt checkpoint instead of starting empty', async () => {
    // Prepare
    writeFileSync(checkpointPath, '{"version":"ledger-cni-ipam/1","assignments":"oops"}');

    // Act
    const attempt = open();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(CheckpointCorruptError);
    await expect(attempt).rejects.toThrow(checkpointPath);
  });
});
