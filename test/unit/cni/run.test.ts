import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../cni/run';

async function invoke(env: NodeJS.ProcessEnv, stdin: string) {
  let stdout = '';
  let stderr = '';
  const code = await run({
    env,
    stdin,
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr, json: stdout === '' ? undefined : JSON.parse(stdout) };
}

describe('Function: run', () => {
  let work: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'cni-run-'));
  });

  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('answers VERSION with empty stdin', async () => {
    // Act
    const answer = await invoke({ CNI_COMMAND: 'VERSION' }, '');

    // Assess
    expect(answer).toMatchObject({
      code: 0,
      json: { cniVersion: '1.1.0', supportedVersions: ['0.4.0', '1.0.0', '1.1.0'] },
    });
  });

  it('reports errors in the config version on stdout with a non-zero exit code', async () => {
    // Act
    const answer = await invoke(
      { CNI_COMMAND: 'ADD' },
      JSON.stringify({ cniVersion: '1.0.0', name: 'ledger', type: 'ledger-cni' }),
    );

    // Assess
    expect(answer.code).toBe(1);
    expect(answer.json).toEqual({
      cniVersion: '1.0.0',
      code: 4,
      msg: 'CNI_CONTAINERID is not set: required for this command',
    });
  });

  it('answers code 11 naming the socket when the agent is not there, and logs to the file only', async () => {
    // Prepare
    const socket = join(work, 'missing.sock');
    const logFile = join(work, 'plugin.log');
    const env = {
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c1',
      CNI_NETNS: '/run/netns/none',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/opt/cni/bin',
      AWS_VPC_K8S_PLUGIN_LOG_FILE: logFile,
    };

    // Act
    const answer = await invoke(
      env,
      JSON.stringify({ cniVersion: '1.1.0', name: 'ledger', type: 'ledger-cni', agentSocket: socket }),
    );

    // Assess
    expect(answer.json).toMatchObject({ code: 11 });
    expect(answer.json.msg).toContain(socket);
    expect(answer.stderr).toBe('');
    expect(readFileSync(logFile, 'utf8')).toContain('"level":"error"');
  });

  it('rejects an unknown AWS_VPC_K8S_PLUGIN_LOG_LEVEL by name with code 4', async () => {
    // Act
    const answer = await invoke(
      { CNI_COMMAND: 'STATUS', AWS_VPC_K8S_PLUGIN_LOG_LEVEL: 'LOUD' },
      JSON.stringify({ cniVersion: '1.1.0', name: 'ledger', type: 'ledger-cni' }),
    );

    // Assess
    expect(answer.json).toMatchObject({ code: 4 });
    expect(answer.json.msg).toContain('AWS_VPC_K8S_PLUGIN_LOG_LEVEL="LOUD"');
  });

  it('needs cniVersion 1.1.0 for STATUS', async () => {
    // Act
    const answer = await invoke(
      { CNI_COMMAND: 'STATUS' },
      JSON.stringify({ cniVersion: '1.0.0', name: 'ledger', type: 'ledger-cni', pluginLogFile: 'stderr' }),
    );

    // Assess
    expect(answer.json).toMatchObject({ code: 1 });
  });
});
