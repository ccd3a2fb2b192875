/**
 * A pod that holds its address is no longer counted as waiting while its checkpoint write
 * finishes: the maintainer, kicked from that very moment (confirm → onShortage), must lease
 * the warm target alone, not one more address per pod already served (5 + 16 before).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PoolCounts, type UnitUsage, unitsToLease } from '../../../node-agent/pool/warm-math';
import { podNumber, poolHolding } from '../../support/pool-fixtures';

describe('Class: LeasePool (waiting count seen by the maintainer)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-pool-waiting-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('does not count pods that already hold an address as waiting when the pool runs out', async () => {
    // Prepare: 16 addresses, 16 pods added at once
    const pool = await poolHolding(dir, 16, { cooldownMs: 30_000, assignWaitMs: 100 });
    const seen: { counts: PoolCounts; units: UnitUsage[] }[] = [];
    pool.onShortage = () => seen.push(pool.snapshot());

    // Act
    const all = await Promise.all(Array.from({ length: 16 }, (_, i) => pool.assign(podNumber(i))));

    // Assess: every pod was served; what the maintainer saw asks only for the warm target
    expect(new Set(all.map((a) => a.ip)).size).toBe(16);
    expect(seen.length).toBeGreaterThan(0);
    const first = seen[0]!;
    expect(first.counts).toMatchObject({ total: 16, assigned: 16, waiting: 0 });
    const toLease = unitsToLease(
      { targets: { rule: 'ip', warmIpTarget: 5, minimumIpTarget: 0 }, unit: 'ipv4' },
      first.counts,
      first.units,
      { maxAddresses: 110, unitsPerEni: 29, maxUnits: 87 },
    );
    expect(toLease).toBe(5);
  });
});
