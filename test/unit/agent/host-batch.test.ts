/**
 * How pods' node-side lines share one `ip -batch`: which lines go together, and whose failure
 * a "Command failed -:N" is. The exec is replaced by a recorder (pure logic here; the kernel
 * side is test/e2e/datapath/concurrent-setup.test.ts).
 */
import { createHostBatch, failuresByLine } from '../../../node-agent/datapath/host-batch';
import { CommandError, namedNetns } from '../../../node-agent/ns';

/** An exec that answers when told to, recording each batch's lines. */
function recordingExec() {
  const batches: string[][] = [];
  const answers: ((stderr: string[] | Error) => void)[] = [];
  const exec = (_ns: unknown, lines: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(lines);
      answers.push((stderr) => (stderr instanceof Error ? reject(stderr) : resolve(stderr)));
    });
  const answer = async (stderr: string[] | Error) => {
    answers.shift()!(stderr);
    await new Promise((r) => setImmediate(r));
  };
  return { exec, batches, answer };
}

describe('Function: failuresByLine', () => {
  it('gives each failing line the messages printed before its marker', () => {
    // Act
    const failures = failuresByLine([
      'RTNETLINK answers: File exists',
      'Command failed -:2',
      'Cannot find device "x"',
      'Command failed -:5',
    ]);

    // Assess
    expect([...failures]).toEqual([
      [2, ['RTNETLINK answers: File exists']],
      [5, ['Cannot find device "x"']],
    ]);
  });
});

describe('Function: createHostBatch', () => {
  const ns = namedNetns('node');

  it('runs a lone pod at once, then gathers the pods that come meanwhile into one batch', async () => {
    // Prepare
    const { exec, batches, answer } = recordingExec();
    const batch = createHostBatch(ns, exec);

    // Act
    const first = batch.run(['a1', 'a2']);
    const second = batch.run(['b1']);
    const third = batch.run(['c1', 'c2']);
    await answer([]);
    await answer([]);

    // Assess
    await expect(Promise.all([first, second, third])).resolves.toEqual([undefined, undefined, undefined]);
    expect(batches).toEqual([
      ['a1', 'a2'],
      ['b1', 'c1', 'c2'],
    ]);
  });

  it("fails only the pod a failing line belongs to, with that line's message", async () => {
    // Prepare
    const { exec, answer } = recordingExec();
    const batch = createHostBatch(ns, exec);
    const busy = batch.run(['warm-up']);
    const pods = Promise.allSettled([
      batch.run(['a1', 'a2']),
      batch.run(['b1', 'b2', 'b3']),
      batch.run(['c1']),
    ]);
    await answer([]);

    // Act: line 4 of the batch is b's second line.
    await answer(['RTNETLINK answers: File exists', 'Command failed -:4']);
    const results = await pods;

    // Assess
    await busy;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (results[1] as PromiseRejectedResult).reason as CommandError;
    expect(error).toBeInstanceOf(CommandError);
    expect(error.result.stderr).toBe('RTNETLINK answers: File exists');
    expect(error.message).toContain('b1; b2; b3');
  });

  it('fails every pod of a batch when the exec fails or its errors name no line', async () => {
    // Prepare
    const { exec, answer } = recordingExec();
    const batch = createHostBatch(ns, exec);
    const busy = batch.run(['warm-up']);
    const gathered = Promise.allSettled([batch.run(['a1']), batch.run(['b1'])]);
    await answer([]);
    await busy;

    // Act
    await answer(['Object "rule" is unknown']);
    const unnamed = await gathered;
    const lone = Promise.allSettled([batch.run(['c1'])]);
    await answer(new Error('the command shell exited'));

    // Assess
    expect(unnamed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const [shellDied] = await lone;
    expect(String((shellDied as PromiseRejectedResult).reason)).toContain('the command shell exited');
  });
});
