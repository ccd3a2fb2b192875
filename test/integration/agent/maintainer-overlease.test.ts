/**
 * The maintainer, kicked when a burst of ADDs empties the pool, asks the control plane for
 * WARM_IP_TARGET alone, with no pods waiting (forPods 0): before, it also asked one address
 * per pod just served, flagged as for waiting pods, which the control plane serves ahead of
 * other nodes' warm top-ups.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LeaseRequest } from '../../../core/contract/api';
import type { NodeLeases } from '../../../node-agent/control-plane/types';
import { silentLogger } from '../../../node-agent/logging';
import { PoolMaintainer } from '../../../node-agent/pool/pool-maintainer';
import { podNumber, poolHolding } from '../../support/pool-fixtures';

describe('Class: PoolMaintainer (burst that empties the pool)', () => {
  let dir: string;
  let maintainer: PoolMaintainer | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-overlease-'));
  });
  afterEach(async () => {
    await maintainer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for WARM_IP_TARGET addresses, not one more per pod already served', async () => {
    // Prepare: 16 addresses held, WARM_IP_TARGET=5, nothing to lease yet
    const pool = await poolHolding(dir, 16, { cooldownMs: 30_000, assignWaitMs: 100 });
    const asked: LeaseRequest[] = [];
    const controlPlane: NodeLeases = {
      lease: async (request) => {
        asked.push(request);
        return { addresses: [] } as never;
      },
      release: async () => ({}) as never,
      reportUsage: async () => undefined,
    };
    maintainer = new PoolMaintainer({
      pool,
      leases: controlPlane,
      rule: { targets: { rule: 'ip', warmIpTarget: 5, minimumIpTarget: 0 }, unit: 'ipv4' },
      capacity: { maxAddresses: 110, unitsPerEni: 29, maxUnits: 87 },
      logger: silentLogger,
      intervalMs: 60_000,
    });
    maintainer.start();
    await maintainer.firstPass(1_000);
    expect(asked).toEqual([]);

    // Act: 16 pods at once take every address
    await Promise.all(Array.from({ length: 16 }, (_, i) => pool.assign(podNumber(i))));
    await new Promise((r) => setTimeout(r, 100));

    // Assess: no pod waits, so the top-up is the warm target and for no pod
    expect(asked.length).toBeGreaterThan(0);
    expect(asked[0]).toMatchObject({ ipv4: 5, forPods: 0 });
  });
});
