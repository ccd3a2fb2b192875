/**
 * The node agent's settings, parsed once at start from the environment. Names, defaults and
 * ranges follow the AWS VPC CNI's variables (seeds), except the warm-pool defaults, which
 * are ours (see README.md in this folder).
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** AWS_VPC_K8S_CNI_RANDOMIZESNAT: --random-fully, --random, or neither on the SNAT rule. */
export const SNAT_RANDOMIZATION = ['prng', 'hashrandom', 'none'] as const;
export type SnatRandomization = (typeof SNAT_RANDOMIZATION)[number];

export type BindAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** Where a log goes: a standard stream or an absolute file path. */
export type LogDestination = 'stdout' | 'stderr' | { readonly file: string };

/**
 * Which warm-pool rule applies, decided the way ipamd decides it: WARM_IP_TARGET or
 * MINIMUM_IP_TARGET override WARM_PREFIX_TARGET and WARM_ENI_TARGET.
 */
export type WarmTargets =
  | {
      readonly rule: 'ip';
      readonly warmIpTarget: number;
      readonly minimumIpTarget: number;
    }
  | { readonly rule: 'eni'; readonly warmEniTarget: number }
  | { readonly rule: 'prefix'; readonly warmPrefixTarget: number };

export interface WarmPoolConfig {
  readonly targets: WarmTargets;
  /** True when no warm knob was set and Ledger's own defaults apply. */
  readonly usesLedgerDefaults: boolean;
  readonly prefixDelegation: boolean;
  /** MAX_ENI when positive; undefined means the instance type's limit. */
  readonly maxEni: number | undefined;
  /** IP_COOLDOWN_PERIOD in seconds. */
  readonly ipCooldownSeconds: number;
  /** LEDGER_MAX_PODS when set; otherwise the registered node's max pods. */
  readonly maxPods: number | undefined;
}

export interface AgentConfig {
  readonly warmPool: WarmPoolConfig;
  readonly network: {
    readonly eniMtu: number;
    readonly podMtu: number;
    readonly vethPrefix: string;
    readonly externalSnat: boolean;
    readonly randomizeSnat: SnatRandomization;
    readonly excludeSnatCidrs: readonly string[];
    readonly externalServiceCidrs: readonly string[];
    readonly nodePortSupport: boolean;
    readonly customNetworking: boolean;
    /** The network namespace that plays the host in local mode; empty on a real node. */
    readonly hostNetns: string;
  };
  readonly controlPlane: {
    readonly endpoint: string;
    /** SigV4 signing region; undefined means the region of the node's availability zone. */
    readonly region: string | undefined;
    readonly clusterName: string;
    readonly additionalEniTags: Readonly<Record<string, string>>;
  };
  readonly paths: {
    readonly agentSocket: string;
    readonly checkpoint: string;
    readonly cniBinDir: string;
    readonly cniConfDir: string;
    /** The plugin executable to install; undefined means dist/ledger-cni next to the agent. */
    readonly pluginSource: string | undefined;
  };
  readonly introspection: { readonly enabled: boolean; readonly bind: BindAddress };
  readonly metrics: { readonly enabled: boolean; readonly bind: BindAddress };
  readonly logging: {
    readonly level: LogLevel;
    readonly destination: LogDestination;
    readonly pluginLevel: LogLevel;
    readonly pluginDestination: LogDestination;
  };
  readonly install: { readonly bandwidthPlugin: boolean; readonly disablePodV6: boolean };
  /** AWS_EC2_ENDPOINT as given; the agent never calls EC2 and only reports it. */
  readonly ec2Endpoint: string | undefined;
}

export interface ParsedConfig {
  readonly config: AgentConfig;
  /** Settings that were accepted but have no effect, or were partly ignored, for the start log. */
  readonly warnings: readonly string[];
}
