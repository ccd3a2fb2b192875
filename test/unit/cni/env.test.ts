import { parseCniArgs, parseCommand, parseEnv, validIfName } from '../../../cni/env';
import { CNI_CODES, CniError } from '../../../cni/errors';

const base = {
  CNI_CONTAINERID: 'abc123',
  CNI_NETNS: '/run/netns/pod',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=cart-0;K8S_POD_INFRA_CONTAINER_ID=abc123',
};

function codeOf(run: () => unknown): number | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof CniError ? error.code : -1;
  }
  return undefined;
}

describe('Module: cni/env', () => {
  describe('Function: parseEnv', () => {
    it('reads the pod identity from CNI_ARGS', () => {
      // Act
      const env = parseEnv(base, 'ADD');

      // Assess
      expect(env).toEqual({
        command: 'ADD',
        containerId: 'abc123',
        netns: '/run/netns/pod',
        ifName: 'eth0',
        podNamespace: 'shop',
        podName: 'cart-0',
        infraContainerId: 'abc123',
        cniPath: ['/opt/cni/bin'],
      });
    });

    it('lets DEL come without a netns', () => {
      // Act
      const env = parseEnv({ ...base, CNI_NETNS: '' }, 'DEL');

      // Assess
      expect(env.netns).toBe('');
    });

    it('stands the container id in for the pod name outside Kubernetes', () => {
      // Act
      const env = parseEnv({ ...base, CNI_ARGS: '' }, 'ADD');

      // Assess
      expect([env.podNamespace, env.podName]).toEqual(['default', 'abc123']);
    });

    it.each([
      ['CNI_CONTAINERID', { CNI_CONTAINERID: undefined }],
      ['CNI_CONTAINERID', { CNI_CONTAINERID: '-starts-with-dash' }],
      ['CNI_NETNS', { CNI_NETNS: undefined }],
      ['CNI_NETNS', { CNI_NETNS: 'relative/path' }],
      ['CNI_IFNAME', { CNI_IFNAME: 'eth0:1' }],
      ['CNI_PATH', { CNI_PATH: undefined }],
      ['CNI_ARGS', { CNI_ARGS: 'K8S_POD_NAME=x;FOO=bar' }],
      ['CNI_ARGS', { CNI_ARGS: 'novalue' }],
    ])('rejects a bad %s with code 4 and names it', (name, change) => {
      // Prepare
      const env = { ...base, ...change };

      // Act
      const run = () => parseEnv(env, 'ADD');

      // Assess
      expect(codeOf(run)).toBe(CNI_CODES.invalidEnv);
      expect(run).toThrow(name);
    });

    it('needs nothing for STATUS and GC', () => {
      // Act
      const env = parseEnv({}, 'GC');

      // Assess
      expect(env.command).toBe('GC');
    });
  });

  describe('Function: parseCommand', () => {
    it('rejects an unknown or missing command with code 4', () => {
      // Assess
      expect(codeOf(() => parseCommand('PATCH'))).toBe(4);
      expect(codeOf(() => parseCommand(undefined))).toBe(4);
      expect(parseCommand('CHECK')).toBe('CHECK');
    });
  });

  describe('Function: validIfName', () => {
    it.each([
      ['eth0', true],
      ['a'.repeat(15), true],
      ['a'.repeat(16), false],
      ['', false],
      ['.', false],
      ['..', false],
      ['a/b', false],
      ['a:b', false],
      ['a b', false],
      ['a\tb', false],
    ])('%j is %s', (name, valid) => {
      // Assess
      expect(validIfName(name)).toBe(valid);
    });
  });

  describe('Function: parseCniArgs', () => {
    it('ignores unknown keys with IgnoreUnknown=true and keeps = inside values', () => {
      // Act
      const args = parseCniArgs('IgnoreUnknown=true;FOO=a=b;K8S_POD_NAME=web');

      // Assess
      expect(args.get('FOO')).toBe('a=b');
      expect(args.get('K8S_POD_NAME')).toBe('web');
    });
  });
});
