/**
 * A release whose outcome is unknown is kept and retried with its key; no second release
 * starts while it is pending, since it would take the first one's place and leave the first
 * batch's addresses withdrawn from the pool, neither released nor restored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiUnavailableError } from '../../../core/api-client';
import type { NodeLeases } from '../../../node-agent/control-plane/types';
import { silentLogger } from '../../../node-agent/logging';
import { PoolMaintainer } from '../../../node-agent/pool/pool-maintainer';
import { leasesOnEni, podNumber, poolHolding } from '../../support/pool-fixtures';

describe('PoolMaintainer: two releases while the control plane is down', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'review-pm-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('every withdrawn address is eventually released or back in the pool', async () => {
    const pool = await poolHolding(dir, 10, { cooldownMs: 0, assignWaitMs: 50 });
    for (let i = 0; i < 4; i++) await pool.assign(podNumber(i));

    let down = true;
    const released = new Set<string>();
    const controlPlane: NodeLeases = {
      lease: async () => {
        throw new Error('no lease expected');
      },
      release: async (req) => {
        if (down) throw new ApiUnavailableError('control plane answered 503', 503);
        for (const a of req.addresses) released.add(a);
        return { released: req.addresses, unknown: [] };
      },
      reportUsage: async () => undefined,
    };
    let now = 0;
    const maintainer = new PoolMaintainer({
      pool,
      leases: controlPlane,
      clock: () => now,
      rule: { targets: { rule: 'ip', warmIpTarget: 2, minimumIpTarget: 0 }, unit: 'ipv4' },
      capacity: { maxAddresses: 29, unitsPerEni: 9, maxUnits: 27 },
      logger: silentLogger,
      release: { settleMs: 0, intervalMs: 0 },
    });

    // Pass 1: 6 free, warm 2 → 4 withdrawn, release fails (outcome unknown)
    await maintainer.runOnce();
    // Two pods go away: 2 more in excess; pass 2 retries the first release (fails) and starts no other
    await pool.unassign('container-0', 'eth0');
    await pool.unassign('container-1', 'eth0');
    now += 11_000;
    await maintainer.runOnce();
    // The control plane is back
    down = false;
    for (let i = 0; i < 5; i++) {
      now += 11_000;
      await maintainer.runOnce();
    }

    const inPool = new Set(pool.snapshot().leases.map((l) => l.address));
    const lost = leasesOnEni(10)
      .map((l) => l.address)
      .filter((a) => !inPool.has(a) && !released.has(a));
    expect(lost).toEqual([]);
  });

  it('asks a control plane that is down again with a growing pause, not on every pass', async () => {
    // Prepare: an excess to give back, and a control plane that answers 503 to everything
    const pool = await poolHolding(dir, 10, { cooldownMs: 0, assignWaitMs: 50 });
    let calls = 0;
    let now = 0;
    const maintainer = new PoolMaintainer({
      pool,
      leases: {
        lease: async () => {
          throw new Error('no lease expected');
        },
        release: async () => {
          calls++;
          throw new ApiUnavailableError('control plane answered 503', 503);
        },
        reportUsage: async () => undefined,
      },
      clock: () => now,
      rule: { targets: { rule: 'ip', warmIpTarget: 2, minimumIpTarget: 0 }, unit: 'ipv4' },
      capacity: { maxAddresses: 29, unitsPerEni: 9, maxUnits: 27 },
      logger: silentLogger,
      release: { settleMs: 0, intervalMs: 0 },
    });

    // Act: a pass a second for 20 s
    for (let second = 0; second < 20; second++) {
      await maintainer.runOnce();
      now += 1_000;
    }

    // Assess: 250 ms, then doubling up to 10 s: asked at 0, 1, 2, 3, 5, 9 and 17 s
    expect(calls).toBe(7);
  });
});
