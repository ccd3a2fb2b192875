import { InvalidConfigError } from '../../../core/config/env-reader';
import { InvalidInputError } from '../../../core/errors';
import { DEFAULTS, parseAgentConfig } from '../../../node-agent/config';

const BASE = { LEDGER_API_ENDPOINT: 'http://127.0.0.1:4010' };

function parse(extra: Record<string, string>) {
  return parseAgentConfig({ ...BASE, ...extra });
}

function issuesOf(extra: Record<string, string>): InvalidInputError[] {
  try {
    parse(extra);
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected InvalidConfigError');
}

function expectRejected(name: string, value: string, allowedFragment: string): void {
  const issues = issuesOf({ [name]: value });
  expect(issues).toHaveLength(1);
  expect(issues[0]).toBeInstanceOf(InvalidInputError);
  expect(issues[0]!.field).toBe(name);
  expect(issues[0]!.value).toBe(value);
  expect(issues[0]!.message).toContain(name);
  expect(issues[0]!.message).toContain(allowedFragment);
}

describe('Function: parseAgentConfig', () => {
  describe('defaults', () => {
    it('uses the seeds’ defaults and Ledger’s warm-pool defaults when nothing is set', () => {
      // Act
      const { config, warnings } = parse({});

      // Assess
      expect(warnings).toEqual([]);
      expect(config.warmPool).toEqual({
        targets: { rule: 'ip', warmIpTarget: 5, minimumIpTarget: 10 },
        usesLedgerDefaults: true,
        prefixDelegation: false,
        maxEni: undefined,
        ipCooldownSeconds: 30,
        maxPods: undefined,
      });
      expect(config.network).toMatchObject({
        eniMtu: 9001,
        podMtu: 9001,
        vethPrefix: 'eni',
        externalSnat: false,
        randomizeSnat: 'prng',
        excludeSnatCidrs: [],
        externalServiceCidrs: [],
        nodePortSupport: true,
        customNetworking: false,
        hostNetns: '',
      });
      expect(config.introspection).toEqual({
        enabled: true,
        bind: { kind: 'tcp', host: '127.0.0.1', port: 61679 },
      });
      expect(config.metrics).toEqual({ enabled: true, bind: { kind: 'tcp', host: '', port: 61678 } });
      expect(config.logging).toEqual({
        level: 'debug',
        destination: { file: DEFAULTS.agentLogFile },
        pluginLevel: 'debug',
        pluginDestination: { file: DEFAULTS.pluginLogFile },
      });
      expect(config.paths).toEqual({
        agentSocket: DEFAULTS.agentSocket,
        checkpoint: DEFAULTS.checkpoint,
        cniBinDir: '/opt/cni/bin',
        cniConfDir: '/etc/cni/net.d',
        pluginSource: undefined,
      });
      expect(config.install).toEqual({ bandwidthPlugin: false, disablePodV6: false });
      expect(config.controlPlane).toEqual({
        endpoint: 'http://127.0.0.1:4010',
        region: undefined,
        clusterName: '',
        additionalEniTags: {},
      });
    });

    it('treats empty values as unset', () => {
      // Act
      const { config } = parse({ AWS_VPC_ENI_MTU: '', WARM_ENI_TARGET: '  ' });

      // Assess
      expect(config.network.eniMtu).toBe(9001);
      expect(config.warmPool.usesLedgerDefaults).toBe(true);
    });

    it('derives POD_MTU from AWS_VPC_ENI_MTU when unset', () => {
      // Act
      const { config } = parse({ AWS_VPC_ENI_MTU: '1500' });

      // Assess
      expect(config.network.podMtu).toBe(1500);
    });
  });

  describe('warm-pool knobs', () => {
    it('keeps WARM_ENI_TARGET’s meaning when it is set explicitly', () => {
      // Act
      const { config } = parse({ WARM_ENI_TARGET: '1' });

      // Assess
      expect(config.warmPool.targets).toEqual({ rule: 'eni', warmEniTarget: 1 });
      expect(config.warmPool.usesLedgerDefaults).toBe(false);
    });

    it('lets WARM_IP_TARGET override WARM_ENI_TARGET, with a warning', () => {
      // Act
      const { config, warnings } = parse({ WARM_ENI_TARGET: '2', WARM_IP_TARGET: '3' });

      // Assess
      expect(config.warmPool.targets).toEqual({ rule: 'ip', warmIpTarget: 3, minimumIpTarget: 0 });
      expect(warnings.join()).toContain('WARM_ENI_TARGET is ignored');
    });

    it('assumes WARM_IP_TARGET=0 when only MINIMUM_IP_TARGET is set', () => {
      // Act
      const { config } = parse({ MINIMUM_IP_TARGET: '30' });

      // Assess
      expect(config.warmPool.targets).toEqual({ rule: 'ip', warmIpTarget: 0, minimumIpTarget: 30 });
    });

    it.each(['0', '-3'])('treats WARM_IP_TARGET=%s as unset', (value) => {
      // Act
      const { config } = parse({ WARM_IP_TARGET: value, WARM_ENI_TARGET: '1' });

      // Assess
      expect(config.warmPool.targets).toEqual({ rule: 'eni', warmEniTarget: 1 });
    });

    it('uses WARM_PREFIX_TARGET only with prefix delegation', () => {
      // Act
      const withPd = parse({ ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '2' });
      const withoutPd = parse({ WARM_PREFIX_TARGET: '2' });

      // Assess
      expect(withPd.config.warmPool.targets).toEqual({ rule: 'prefix', warmPrefixTarget: 2 });
      expect(withPd.config.warmPool.prefixDelegation).toBe(true);
      expect(withoutPd.config.warmPool.targets.rule).toBe('ip');
      expect(withoutPd.warnings.join()).toContain('WARM_PREFIX_TARGET has no effect');
    });

    it('lets WARM_IP_TARGET override WARM_PREFIX_TARGET in prefix mode', () => {
      // Act
      const { config } = parse({
        ENABLE_PREFIX_DELEGATION: '1',
        WARM_PREFIX_TARGET: '2',
        WARM_IP_TARGET: '16',
      });

      // Assess
      expect(config.warmPool.targets).toEqual({ rule: 'ip', warmIpTarget: 16, minimumIpTarget: 0 });
    });

    it('ignores MAX_ENI when it is 0 or lower', () => {
      // Act / Assess
      expect(parse({ MAX_ENI: '0' }).config.warmPool.maxEni).toBeUndefined();
      expect(parse({ MAX_ENI: '-1' }).config.warmPool.maxEni).toBeUndefined();
      expect(parse({ MAX_ENI: '3' }).config.warmPool.maxEni).toBe(3);
    });

    it('accepts IP_COOLDOWN_PERIOD from 0 to 86400', () => {
      // Act / Assess
      expect(parse({ IP_COOLDOWN_PERIOD: '0' }).config.warmPool.ipCooldownSeconds).toBe(0);
      expect(parse({ IP_COOLDOWN_PERIOD: '86400' }).config.warmPool.ipCooldownSeconds).toBe(86400);
    });

    it.each([
      ['WARM_ENI_TARGET', '-1', 'integer from 0'],
      ['WARM_ENI_TARGET', 'one', 'integer from 0'],
      ['WARM_IP_TARGET', '2.5', '0 or less means unset'],
      ['MINIMUM_IP_TARGET', 'ten', '0 or less means unset'],
      ['WARM_PREFIX_TARGET', '1e3', '0 or less means unset'],
      ['MAX_ENI', '99999999999', '0 or less means unset'],
      ['IP_COOLDOWN_PERIOD', '-1', 'integer from 0 to 86400'],
      ['IP_COOLDOWN_PERIOD', '86401', 'integer from 0 to 86400'],
      ['ENABLE_PREFIX_DELEGATION', 'yes', 'boolean'],
      ['LEDGER_MAX_PODS', '0', 'integer from 1 to 65535'],
      ['LEDGER_MAX_PODS', '65536', 'integer from 1 to 65535'],
      ['WARM_ENI_TARGET', '2147483648', 'integer from 0'],
    ])('rejects %s=%s', (name, value, allowed) => {
      expectRejected(name, value, allowed);
    });
  });

  describe('network settings', () => {
    it.each(['576', '9001'])('accepts AWS_VPC_ENI_MTU=%s and POD_MTU=%s at the bounds', (mtu) => {
      // Act
      const { config } = parse({ AWS_VPC_ENI_MTU: mtu, POD_MTU: mtu });

      // Assess
      expect(config.network.eniMtu).toBe(Number(mtu));
      expect(config.network.podMtu).toBe(Number(mtu));
    });

    it.each([
      ['AWS_VPC_ENI_MTU', '575', 'integer from 576 to 9001'],
      ['AWS_VPC_ENI_MTU', '9002', 'integer from 576 to 9001'],
      ['AWS_VPC_ENI_MTU', 'jumbo', 'integer from 576 to 9001'],
      ['POD_MTU', '575', 'integer from 576 to 9001'],
      ['POD_MTU', '9002', 'integer from 576 to 9001'],
      ['AWS_VPC_K8S_CNI_VETHPREFIX', 'abcde', 'not eth, vlan or lo'],
      ['AWS_VPC_K8S_CNI_VETHPREFIX', 'eth', 'not eth, vlan or lo'],
      ['AWS_VPC_K8S_CNI_VETHPREFIX', 'vlan', 'not eth, vlan or lo'],
      ['AWS_VPC_K8S_CNI_VETHPREFIX', 'lo', 'not eth, vlan or lo'],
      ['AWS_VPC_K8S_CNI_VETHPREFIX', 'a/b', 'not eth, vlan or lo'],
      ['AWS_VPC_K8S_CNI_EXTERNALSNAT', 'maybe', 'boolean'],
      ['AWS_VPC_K8S_CNI_RANDOMIZESNAT', 'random', 'one of prng, hashrandom, none'],
      ['AWS_VPC_K8S_CNI_RANDOMIZESNAT', 'PRNG', 'one of prng, hashrandom, none'],
      ['AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS', '10.0.0.0/8,10.1.2.3/16', 'not valid: 10.1.2.3/16'],
      ['AWS_EXTERNAL_SERVICE_CIDRS', '300.0.0.0/8', 'not valid: 300.0.0.0/8'],
      ['AWS_VPC_CNI_NODE_PORT_SUPPORT', 'on', 'boolean'],
      ['AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', '2', 'boolean'],
      ['LEDGER_HOST_NETNS', 'bad name', 'network namespace name'],
    ])('rejects %s=%s', (name, value, allowed) => {
      expectRejected(name, value, allowed);
    });

    it('accepts every allowed SNAT randomization and veth prefix', () => {
      // Act
      const modes = ['prng', 'hashrandom', 'none'].map(
        (m) => parse({ AWS_VPC_K8S_CNI_RANDOMIZESNAT: m }).config.network.randomizeSnat,
      );
      const prefix = parse({ AWS_VPC_K8S_CNI_VETHPREFIX: 'lxc1' }).config.network.vethPrefix;

      // Assess
      expect(modes).toEqual(['prng', 'hashrandom', 'none']);
      expect(prefix).toBe('lxc1');
    });

    it('parses CIDR lists with blanks between commas', () => {
      // Act
      const { config } = parse({
        AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '10.0.0.0/8, 192.168.0.0/16,',
        AWS_EXTERNAL_SERVICE_CIDRS: '100.64.0.0/10',
      });

      // Assess
      expect(config.network.excludeSnatCidrs).toEqual(['10.0.0.0/8', '192.168.0.0/16']);
      expect(config.network.externalServiceCidrs).toEqual(['100.64.0.0/10']);
    });

    it('parses booleans as Go’s strconv.ParseBool does', () => {
      // Act
      const values = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].map(
        (v) => parse({ AWS_VPC_K8S_CNI_EXTERNALSNAT: v }).config.network.externalSnat,
      );

      // Assess
      expect(values).toEqual([true, true, true, true, true, true, false, false, false, false, false, false]);
    });
  });

  describe('endpoints, logs and paths', () => {
    it('requires LEDGER_API_ENDPOINT', () => {
      // Act
      let error: unknown;
      try {
        parseAgentConfig({});
      } catch (e) {
        error = e;
      }

      // Assess
      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as InvalidConfigError).issues.map((i) => i.field)).toEqual(['LEDGER_API_ENDPOINT']);
    });

    it.each([
      ['LEDGER_API_ENDPOINT', 'ftp://x', 'http:// or https:// URL'],
      ['LEDGER_API_ENDPOINT', 'not a url', 'http:// or https:// URL'],
      ['LEDGER_API_REGION', 'Europe', 'AWS region'],
      ['AWS_EC2_ENDPOINT', 'localhost', 'http:// or https:// URL'],
      ['INTROSPECTION_BIND_ADDRESS', '127.0.0.1', 'host:port'],
      ['INTROSPECTION_BIND_ADDRESS', '127.0.0.1:70000', 'host:port'],
      ['INTROSPECTION_BIND_ADDRESS', 'unix:relative.sock', 'unix:<absolute path>'],
      ['LEDGER_METRICS_BIND_ADDRESS', 'example.com:80', 'host:port'],
      ['DISABLE_INTROSPECTION', 'nope', 'boolean'],
      ['DISABLE_METRICS', 'nope', 'boolean'],
      ['AWS_VPC_K8S_CNI_LOGLEVEL', 'TRACE', 'one of debug, info, warn, error, fatal'],
      ['AWS_VPC_K8S_PLUGIN_LOG_LEVEL', 'verbose', 'one of debug, info, warn, error, fatal'],
      ['AWS_VPC_K8S_CNI_LOG_FILE', 'relative.log', 'stdout, stderr or an absolute file path'],
      ['AWS_VPC_K8S_PLUGIN_LOG_FILE', 'stdout', 'stderr or an absolute file path'],
      ['LEDGER_AGENT_SOCKET', 'agent.sock', 'absolute path'],
      ['LEDGER_CHECKPOINT_PATH', './ipam.json', 'absolute path'],
      ['HOST_CNI_BIN_PATH', 'opt/cni/bin', 'absolute path'],
      ['HOST_CNI_CONFDIR_PATH', 'net.d', 'absolute path'],
      ['LEDGER_PLUGIN_SOURCE', 'dist/ledger-cni', 'absolute path'],
      ['ENABLE_BANDWIDTH_PLUGIN', 'enabled', 'boolean'],
      ['DISABLE_POD_V6', 'enabled', 'boolean'],
      ['ADDITIONAL_ENI_TAGS', '{"a":1}', 'JSON object of string values'],
      ['ADDITIONAL_ENI_TAGS', '["a"]', 'JSON object of string values'],
      ['ADDITIONAL_ENI_TAGS', '{bad json', 'JSON object of string values'],
      ['ENABLE_IPv6', 'true', 'IPv4 pod addresses only'],
      ['ENABLE_IPv4', 'false', 'IPv4 pod addresses only'],
      ['ENABLE_POD_ENI', 'true', 'security groups for pods'],
      ['ENABLE_V6_EGRESS', 'true', 'IPv6 egress'],
    ])('rejects %s=%s', (name, value, allowed) => {
      expectRejected(name, value, allowed);
    });

    it('accepts unix: introspection, log levels in any case, stdout logs and an empty plugin log as stderr', () => {
      // Act
      const { config } = parse({
        INTROSPECTION_BIND_ADDRESS: 'unix:/run/ledger/introspection.sock',
        LEDGER_METRICS_BIND_ADDRESS: '127.0.0.1:9100',
        AWS_VPC_K8S_CNI_LOGLEVEL: 'INFO',
        AWS_VPC_K8S_CNI_LOG_FILE: 'stdout',
        AWS_VPC_K8S_PLUGIN_LOG_LEVEL: 'Warn',
        AWS_VPC_K8S_PLUGIN_LOG_FILE: '',
        LEDGER_API_REGION: 'eu-west-1',
      });

      // Assess
      expect(config.introspection.bind).toEqual({ kind: 'unix', path: '/run/ledger/introspection.sock' });
      expect(config.metrics.bind).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9100 });
      expect(config.logging).toEqual({
        level: 'info',
        destination: 'stdout',
        pluginLevel: 'warn',
        pluginDestination: 'stderr',
      });
      expect(config.controlPlane.region).toBe('eu-west-1');
    });

    it('drops reserved ADDITIONAL_ENI_TAGS keys with a warning and keeps the rest', () => {
      // Act
      const { config, warnings } = parse({
        ADDITIONAL_ENI_TAGS: '{"team":"payments","k8s.amazonaws.com/x":"y"}',
      });

      // Assess
      expect(config.controlPlane.additionalEniTags).toEqual({ team: 'payments' });
      expect(warnings.join()).toContain('k8s.amazonaws.com/x');
    });

    it('warns about variables that have no effect on a Ledger node', () => {
      // Act
      const { warnings } = parse({
        DISABLE_LEAKED_ENI_CLEANUP: 'true',
        AWS_EC2_ENDPOINT: 'http://127.0.0.1:1',
      });

      // Assess
      expect(warnings.some((w) => w.startsWith('DISABLE_LEAKED_ENI_CLEANUP has no effect'))).toBe(true);
      expect(warnings.some((w) => w.startsWith('AWS_EC2_ENDPOINT is not used'))).toBe(true);
    });
  });

  describe('error reporting', () => {
    it('reports every bad variable at once', () => {
      // Act
      const issues = issuesOf({
        AWS_VPC_ENI_MTU: '100',
        AWS_VPC_K8S_CNI_VETHPREFIX: 'vlan',
        WARM_IP_TARGET: 'x',
      });

      // Assess
      expect(issues.map((i) => i.field).sort()).toEqual([
        'AWS_VPC_ENI_MTU',
        'AWS_VPC_K8S_CNI_VETHPREFIX',
        'WARM_IP_TARGET',
      ]);
    });

    it('puts each variable, value and rule in the message', () => {
      // Act
      let message = '';
      try {
        parse({ AWS_VPC_ENI_MTU: '100' });
      } catch (e) {
        message = (e as Error).message;
      }

      // Assess
      expect(message).toContain('AWS_VPC_ENI_MTU="100" is not valid: an integer from 576 to 9001');
    });
  });
});
