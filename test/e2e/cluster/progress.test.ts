/** The demo's progress lines: one per phase with its outcome and duration, live only on a terminal. */
import { createProgress } from '../../../infra/local/demo/progress';

function recorder(isTTY: boolean) {
  const written: string[] = [];
  let clock = 0;
  const progress = createProgress({ write: (t) => written.push(t), isTTY }, () => clock);
  return { progress, written, advance: (ms: number) => (clock += ms) };
}

describe('Function: createProgress', () => {
  it('prints one line per finished phase with its outcome and duration when not on a terminal', async () => {
    // Prepare
    const { progress, written, advance } = recorder(false);

    // Act
    await progress.phase('pods: 2 sandboxes', async () => {
      const counter = progress.counter('started', 2);
      counter.tick();
      counter.tick();
      counter.finish('2/2 started');
      advance(1_250);
    });
    await progress.phase('pings', async () => {
      progress.counter('sent', 2).finish('1/2 answered', false);
    });

    // Assess
    expect(written).toEqual([
      'ok   pods: 2 sandboxes 2/2 started (1.3 s)\n',
      'FAIL pings 1/2 answered (0.0 s)\n',
    ]);
    expect(progress.timings.map((t) => t.ok)).toEqual([true, false]);
  });

  it('marks a phase that throws as failed and passes the error on', async () => {
    // Prepare
    const { progress, written } = recorder(false);

    // Act
    const running = progress.phase('agents', async () => {
      throw new Error('no IMDS');
    });

    // Assess
    await expect(running).rejects.toThrow('no IMDS');
    expect(written).toEqual(['FAIL agents (0.0 s)\n']);
  });

  it('rewrites a live line with the counter on a terminal', async () => {
    // Prepare
    const { progress, written } = recorder(true);

    // Act
    await progress.phase('pods', async () => {
      progress.counter('started', 3).tick();
    });

    // Assess
    expect(written).toEqual([
      '\r\x1b[K...  pods',
      '\r\x1b[K...  pods started 0/3',
      '\r\x1b[K...  pods started 1/3',
      '\r\x1b[K',
      'ok   pods started 1/3 (0.0 s)\n',
    ]);
  });
});
