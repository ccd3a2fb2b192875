import { CoalescingRunner } from '../../../infra/local/fabric/coalescing-runner';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('Class: CoalescingRunner', () => {
  describe('Method: request', () => {
    it('folds every request made during a run into one next run', async () => {
      // Prepare
      const gates = [deferred(), deferred()];
      let runs = 0;
      const runner = new CoalescingRunner(async () => {
        const gate = gates[runs++];
        await gate?.promise;
      });

      // Act
      const first = runner.request();
      const second = runner.request();
      const third = runner.request();
      gates[0]!.resolve();
      await first;
      gates[1]!.resolve();
      await Promise.all([second, third]);

      // Assess
      expect(runs).toBe(2);
      expect(second).toBe(third);
    });

    it('rejects the callers of a failed run and still serves the next request', async () => {
      // Prepare
      let fail = true;
      const runner = new CoalescingRunner(async () => {
        if (fail) throw new Error('pass failed');
      });

      // Act
      const failed = runner.request();
      await expect(failed).rejects.toThrow('pass failed');
      fail = false;
      const next = runner.request();

      // Assess
      await expect(next).resolves.toBeUndefined();
      await expect(runner.idle()).resolves.toBeUndefined();
    });
  });
});
