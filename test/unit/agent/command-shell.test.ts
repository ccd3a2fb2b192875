/** The long-lived shell the agent runs its commands through, with real `sh`. */
import { CommandShell } from '../../../node-agent/command-shell';

describe('Class: CommandShell', () => {
  it('gives each command its own stdout, stderr and exit status, in order', async () => {
    // Prepare
    const shell = new CommandShell();

    // Act
    const results = await Promise.all([
      shell.run('sh', ['-c', 'echo out; echo err >&2; exit 3']),
      shell.run('printf', ['%s|%s', "it's", 'a b $HOME `x`']),
      shell.run('cat', [], 'line one\nLEDGER_x\n'),
      shell.run('true', []),
    ]);

    // Assess
    expect(results).toEqual([
      { code: 3, stdout: 'out\n', stderr: 'err\n' },
      { code: 0, stdout: "it's|a b $HOME `x`", stderr: '' },
      { code: 0, stdout: 'line one\nLEDGER_x\n', stderr: '' },
      { code: 0, stdout: '', stderr: '' },
    ]);
    expect(shell.queued).toBe(0);
  });

  it('fails the commands in flight when the shell dies, and starts a new one for the next', async () => {
    // Prepare
    const shell = new CommandShell();

    // Act
    const killed = shell.run('sh', ['-c', 'kill -9 $PPID; sleep 5']);
    await expect(killed).rejects.toThrow(/the command shell exited/);
    const after = await shell.run('echo', ['again']);

    // Assess
    expect(after).toEqual({ code: 0, stdout: 'again\n', stderr: '' });
  });

  it('kills a command that hangs past its timeout, failing it, and serves the next in a new shell', async () => {
    // Prepare
    const shell = new CommandShell(300);

    // Act
    const hung = shell.run('sleep', ['30']);
    await expect(hung).rejects.toThrow(/sleep took longer than 300 ms/);
    const after = await shell.run('echo', ['again']);

    // Assess
    expect(after).toEqual({ code: 0, stdout: 'again\n', stderr: '' });
  });

  it('answers 127 for a command that does not exist', async () => {
    // Act
    const result = await new CommandShell().run('ledger-no-such-command', []);

    // Assess
    expect(result.code).toBe(127);
    expect(result.stderr).toContain('ledger-no-such-command');
  });
});
