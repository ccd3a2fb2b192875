/**
 * GC must never be sent to the agent with an empty valid list just because the runtime named
 * the key differently or left it out: the agent then tears down every pod on the node.
 * CNI spec 1.1.0 as released named the key `cni.dev/attachments` (containernetworking/cni#1101,
 * fixed by #1103, which made libcni send both keys).
 */
import { cmdGc } from '../../../cni/commands';
import { parseConfig } from '../../../cni/config';
import type { CniEnv } from '../../../cni/env';
import { CNI_CODES, CniError } from '../../../cni/errors';
import type { PluginLog } from '../../../cni/log';

const quiet: PluginLog = { debug() {}, info() {}, warn() {}, error() {} };
const env: CniEnv = {
  command: 'GC',
  containerId: '',
  netns: '',
  ifName: '',
  podNamespace: '',
  podName: '',
  cniPath: ['/opt/cni/bin'],
};

function recordingAgent(sent: unknown[]) {
  return {
    async call<T>(_method: 'GET' | 'POST', _path: string, body?: unknown): Promise<T> {
      sent.push(body);
      return { removed: [] } as T;
    },
  };
}

describe('Function: cmdGc (valid attachments key)', () => {
  it('keeps the attachments a runtime lists under the spec 1.1.0 key cni.dev/attachments', async () => {
    // Prepare
    const sent: unknown[] = [];
    const conf = parseConfig({
      cniVersion: '1.1.0',
      name: 'ledger',
      type: 'ledger-cni',
      'cni.dev/attachments': [{ containerID: 'c1', ifname: 'eth0' }],
    });

    // Act
    await cmdGc({ env, conf, agent: recordingAgent(sent), log: quiet }).catch(() => undefined);

    // Assess: either c1 is kept, or nothing is sent to the agent at all
    for (const body of sent) {
      expect(body).toEqual({ validAttachments: [{ containerId: 'c1', ifName: 'eth0' }] });
    }
  });

  it('refuses a GC whose config carries no valid-attachments list instead of wiping every pod', async () => {
    // Prepare
    const sent: unknown[] = [];

    // Act
    const attempt = (async () => {
      const conf = parseConfig({ cniVersion: '1.1.0', name: 'ledger', type: 'ledger-cni' });
      return cmdGc({ env, conf, agent: recordingAgent(sent), log: quiet });
    })();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(CniError);
    await expect(attempt).rejects.toMatchObject({ code: CNI_CODES.invalidConfig });
    await expect(attempt).rejects.toThrow('cni.dev/valid-attachments');
    expect(sent).toEqual([]);
  });
});
