import { decodeJson, parseConfig } from '../../../cni/config';
import { CNI_CODES, CniError } from '../../../cni/errors';

const good = { cniVersion: '1.1.0', name: 'ledger', type: 'ledger-cni' };

function failure(run: () => unknown): CniError {
  try {
    run();
  } catch (error) {
    if (error instanceof CniError) return error;
    throw error;
  }
  throw new Error('expected a CniError');
}

describe('Module: cni/config', () => {
  describe('Function: parseConfig', () => {
    it('fills the agent socket default and reads GC attachments', () => {
      // Act
      const conf = parseConfig({
        ...good,
        'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'eth0' }],
      });

      // Assess
      expect(conf.agentSocket).toBe('/var/run/ledger-cni/agent.sock');
      expect(conf.validAttachments).toEqual([{ containerId: 'c1', ifName: 'eth0' }]);
    });

    it.each([
      ['cniVersion', { cniVersion: undefined }, CNI_CODES.invalidConfig],
      ['0.3.1', { cniVersion: '0.3.1' }, CNI_CODES.incompatibleVersion],
      ['name', { name: 'bad name' }, CNI_CODES.invalidConfig],
      ['type', { type: '' }, CNI_CODES.invalidConfig],
      ['mtu', { mtu: 100 }, CNI_CODES.invalidConfig],
      ['mtu', { mtu: 1500.5 }, CNI_CODES.invalidConfig],
      ['agentSocket', { agentSocket: 'relative.sock' }, CNI_CODES.invalidConfig],
      ['prevResult', { prevResult: 'text' }, CNI_CODES.invalidConfig],
      ['pluginLogLevel', { pluginLogLevel: 'LOUD' }, CNI_CODES.invalidConfig],
      [
        'cni.dev/valid-attachments',
        { 'cni.dev/valid-attachments': [{ containerID: 1 }] },
        CNI_CODES.invalidConfig,
      ],
      [
        'cni.dev/valid-attachments',
        { 'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'eth0/1' }] },
        CNI_CODES.invalidConfig,
      ],
      [
        'cni.dev/valid-attachments',
        { 'cni.dev/valid-attachments': [{ containerID: '', ifname: 'eth0' }] },
        CNI_CODES.invalidConfig,
      ],
      ['cni.dev/attachments', { 'cni.dev/attachments': 'all' }, CNI_CODES.invalidConfig],
    ])('rejects a bad %s with its code and names it', (field, change, code) => {
      // Act
      const error = failure(() => parseConfig({ ...good, ...change }));

      // Assess
      expect(error.code).toBe(code);
      expect(error.message).toContain(field);
    });
  });

  describe('Function: decodeJson', () => {
    it.each(['', 'not json', '[1,2]', 'null'])('answers %j with code 6', (stdin) => {
      // Assess
      expect(failure(() => decodeJson(stdin)).code).toBe(CNI_CODES.decodeFailure);
    });
  });
});
