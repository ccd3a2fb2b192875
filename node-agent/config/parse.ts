/**
 * parseAgentConfig: every variable the agent reads, checked together so that one start
 * reports every mistake. A bad value throws InvalidConfigError and the agent does not start.
 */
import { type Env, EnvReader } from '../../core/config/env-reader';
import { readBindAddress } from './bind-address';
import {
  readAdditionalEniTags,
  readApiEndpoint,
  readHostNetns,
  readLogDestination,
  readLogLevel,
  readRegion,
  readVethPrefix,
} from './fields';
import { type AgentConfig, type ParsedConfig, SNAT_RANDOMIZATION } from './types';
import { readWarmPoolConfig } from './warm-pool';

export const DEFAULTS = {
  eniMtu: 9001,
  introspectionBind: '127.0.0.1:61679',
  metricsBind: ':61678',
  agentSocket: '/var/run/ledger-cni/agent.sock',
  checkpoint: '/var/run/ledger-cni/ipam.json',
  cniBinDir: '/opt/cni/bin',
  cniConfDir: '/etc/cni/net.d',
  agentLogFile: '/var/log/ledger-cni/agent.log',
  pluginLogFile: '/var/log/ledger-cni/plugin.log',
} as const;

const MTU_MIN = 576;
const MTU_MAX = 9001;

/** Features of the AWS VPC CNI that Ledger does not have: turning them on must not pass silently. */
const UNSUPPORTED_WHEN = [
  { name: 'ENABLE_IPv6', value: true, why: 'false: Ledger CNI assigns IPv4 pod addresses only' },
  { name: 'ENABLE_IPv4', value: false, why: 'true: Ledger CNI assigns IPv4 pod addresses only' },
  { name: 'ENABLE_POD_ENI', value: true, why: 'false: security groups for pods are not supported' },
  { name: 'ENABLE_V6_EGRESS', value: true, why: 'false: IPv6 egress for IPv4 pods is not supported' },
] as const;

/** Variables the AWS VPC CNI reads that mean nothing on a Ledger node; set, they only warn. */
const NO_EFFECT_ON_NODE: Record<string, string> = {
  AWS_MANAGE_ENIS_NON_SCHEDULABLE: 'ENIs are managed by the control plane',
  DISABLE_LEAKED_ENI_CLEANUP: 'the control plane’s reconciler cleans up leaked ENIs, not the node',
  ENABLE_SUBNET_DISCOVERY: 'the control plane picks subnets',
  DISABLE_NETWORK_RESOURCE_PROVISIONING: 'the node never calls EC2',
  ENABLE_NFTABLES: 'deprecated upstream',
  AWS_VPC_K8S_CNI_CONFIGURE_RPFILTER: 'deprecated upstream; rp_filter is always set loose',
  DISABLE_TCP_EARLY_DEMUX: 'only applies to security groups for pods',
  ANNOTATE_POD_IP: 'the agent does not call the Kubernetes API',
};

export function parseAgentConfig(environment: Env): ParsedConfig {
  const env = new EnvReader(environment);

  for (const rule of UNSUPPORTED_WHEN) {
    if (env.bool(rule.name, !rule.value) === rule.value && env.isSet(rule.name)) {
      env.fail(rule.name, env.raw(rule.name), rule.why);
    }
  }
  for (const [name, why] of Object.entries(NO_EFFECT_ON_NODE)) {
    if (!env.isSet(name)) continue;
    env.bool(name, false);
    env.warn(`${name} has no effect: ${why}`);
  }

  const warmPool = readWarmPoolConfig(env);
  const eniMtu = env.int('AWS_VPC_ENI_MTU', MTU_MIN, MTU_MAX, DEFAULTS.eniMtu);
  const ec2Endpoint = env.optionalUrl('AWS_EC2_ENDPOINT');
  if (ec2Endpoint !== undefined) {
    env.warn(
      'AWS_EC2_ENDPOINT is not used by the node agent, which never calls EC2; set it on the control plane',
    );
  }

  const config: AgentConfig = {
    warmPool,
    network: {
      eniMtu,
      podMtu: env.int('POD_MTU', MTU_MIN, MTU_MAX, eniMtu),
      vethPrefix: readVethPrefix(env),
      externalSnat: env.bool('AWS_VPC_K8S_CNI_EXTERNALSNAT', false),
      randomizeSnat: env.oneOf('AWS_VPC_K8S_CNI_RANDOMIZESNAT', SNAT_RANDOMIZATION, 'prng'),
      excludeSnatCidrs: env.cidrList('AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS'),
      externalServiceCidrs: env.cidrList('AWS_EXTERNAL_SERVICE_CIDRS'),
      nodePortSupport: env.bool('AWS_VPC_CNI_NODE_PORT_SUPPORT', true),
      customNetworking: env.bool('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', false),
      hostNetns: readHostNetns(env),
    },
    controlPlane: {
      endpoint: readApiEndpoint(env),
      region: readRegion(env),
      clusterName: env.string('CLUSTER_NAME', ''),
      additionalEniTags: readAdditionalEniTags(env),
    },
    paths: {
      agentSocket: env.absolutePath('LEDGER_AGENT_SOCKET', DEFAULTS.agentSocket),
      checkpoint: env.absolutePath('LEDGER_CHECKPOINT_PATH', DEFAULTS.checkpoint),
      cniBinDir: env.absolutePath('HOST_CNI_BIN_PATH', DEFAULTS.cniBinDir),
      cniConfDir: env.absolutePath('HOST_CNI_CONFDIR_PATH', DEFAULTS.cniConfDir),
      pluginSource: env.isSet('LEDGER_PLUGIN_SOURCE')
        ? env.absolutePath('LEDGER_PLUGIN_SOURCE', '')
        : undefined,
    },
    introspection: {
      enabled: !env.bool('DISABLE_INTROSPECTION', false),
      bind: readBindAddress(env, 'INTROSPECTION_BIND_ADDRESS', DEFAULTS.introspectionBind),
    },
    metrics: {
      enabled: !env.bool('DISABLE_METRICS', false),
      bind: readBindAddress(env, 'LEDGER_METRICS_BIND_ADDRESS', DEFAULTS.metricsBind),
    },
    logging: {
      level: readLogLevel(env, 'AWS_VPC_K8S_CNI_LOGLEVEL'),
      destination: readLogDestination(env, 'AWS_VPC_K8S_CNI_LOG_FILE', DEFAULTS.agentLogFile, true),
      pluginLevel: readLogLevel(env, 'AWS_VPC_K8S_PLUGIN_LOG_LEVEL'),
      pluginDestination: readLogDestination(
        env,
        'AWS_VPC_K8S_PLUGIN_LOG_FILE',
        DEFAULTS.pluginLogFile,
        false,
      ),
    },
    install: {
      bandwidthPlugin: env.bool('ENABLE_BANDWIDTH_PLUGIN', false),
      disablePodV6: env.bool('DISABLE_POD_V6', false),
    },
    ec2Endpoint,
  };

  if (config.network.podMtu > eniMtu && env.isSet('POD_MTU')) {
    env.warn(
      `POD_MTU=${config.network.podMtu} is above AWS_VPC_ENI_MTU=${eniMtu}; pod packets may be dropped`,
    );
  }
  if (config.network.externalSnat && config.network.excludeSnatCidrs.length > 0) {
    env.warn('AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS has no effect with AWS_VPC_K8S_CNI_EXTERNALSNAT=true');
  }

  env.assertValid();
  return { config, warnings: env.warnings };
}
