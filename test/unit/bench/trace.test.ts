import {
  AGENT_DOWN,
  addUntilAddressed,
  type FleetNode,
  runTrace,
  settle,
  type TraceShape,
} from '../../../bench/scale-up/trace';

/** A node whose pool gets `perStep` more addresses each time `grow` is called. */
function fakeNode() {
  let free = 0;
  let held = 0;
  let cooling = 0;
  const ips = new Map<string, string>();
  const node: FleetNode & { grow(n: number): void; cool(n: number): void } = {
    grow(n) {
      free += n;
      held += n;
    },
    /** `n` of the idle addresses are cooling (the rest free). */
    cool(n) {
      cooling = n;
    },
    async start() {
      node.grow(2);
    },
    async addPod(name) {
      if (ips.has(name)) return { ip: ips.get(name)! };
      if (free === 0) return { failure: 'no address yet' };
      free--;
      const ip = `10.0.0.${ips.size + 1}`;
      ips.set(name, ip);
      return { ip };
    },
    async removePod(name) {
      if (ips.delete(name)) free++;
    },
    idle: () => free,
    cooling: () => cooling,
    async stop() {},
  };
  return { node, held: () => held };
}

const SHAPE: TraceShape = {
  podsPerNode: 3,
  churnPodsPerNode: 1,
  retryMs: 10,
  giveUpMs: 2_000,
  settleMaxMs: 200,
  settleStepMs: 20,
};

describe('Module: scale-up trace', () => {
  describe('Function: addUntilAddressed', () => {
    it('tries again after each failure and counts the failures by kind', async () => {
      // Prepare
      const { node } = fakeNode();
      const failures: Record<string, number> = {};
      setTimeout(() => node.grow(1), 35);

      // Act
      const ip = await addUntilAddressed(node, 'pod-a', SHAPE, Date.now() + 1_000, failures);

      // Assess
      expect(ip).toBe('10.0.0.1');
      expect(failures['no address yet']).toBeGreaterThanOrEqual(2);
    });

    it('gives up at the deadline and answers no address', async () => {
      // Prepare
      const { node } = fakeNode();
      const failures: Record<string, number> = {};

      // Act
      const ip = await addUntilAddressed(node, 'pod-a', SHAPE, Date.now() + 50, failures);

      // Assess
      expect(ip).toBeUndefined();
      expect(failures['no address yet']).toBeGreaterThanOrEqual(1);
    });
  });

  describe('Function: settle', () => {
    it('does not count a node as settled while its addresses cool, though its idle count stays', async () => {
      // Prepare: 3 idle, 2 of them cooling; the cooling ends, then the excess goes back
      const { node } = fakeNode();
      node.grow(3);
      node.cool(2);
      setTimeout(() => node.cool(0), 10);
      setTimeout(() => node.grow(-2), 40);

      // Act
      const idle = await settle([node], { ...SHAPE, settleStepMs: 25, settleMaxMs: 1_000 });

      // Assess
      expect(idle).toEqual([1]);
    });
  });

  describe('Function: runTrace', () => {
    it('addresses every pod, records its time, and reports idle addresses after settling', async () => {
      // Prepare
      const { node } = fakeNode();
      setTimeout(() => node.grow(2), 30);

      // Act
      const outcome = await runTrace([node], SHAPE);

      // Assess
      expect(outcome.scaleUp.timesMs).toHaveLength(3);
      expect(outcome.scaleUp.unaddressed).toBe(0);
      expect(outcome.scaleUp.failures['no address yet']).toBeGreaterThanOrEqual(1);
      expect(outcome.churn.timesMs).toHaveLength(1);
      expect(outcome.idleAfterScaleUp).toEqual([1]);
      expect(outcome.idleAfterChurn).toEqual([1]);
    });

    it('counts every pod of a node whose agent never starts as never addressed', async () => {
      // Prepare
      const { node } = fakeNode();
      node.start = () => Promise.reject(new Error('registration failed'));

      // Act
      const outcome = await runTrace([node], SHAPE);

      // Assess
      expect(outcome.scaleUp.unaddressed).toBe(3);
      expect(outcome.scaleUp.failures).toEqual({ [AGENT_DOWN]: 3 });
      expect(outcome.scaleUp.timesMs).toEqual([]);
      expect(outcome.churn.timesMs).toEqual([]);
      expect(outcome.churn.unaddressed).toBe(0);
    });
  });
});
