/**
 * The protocol between the CNI plugin and its node agent: HTTP/1.1 with JSON bodies over a
 * unix socket. Types and constants only, no runtime dependencies: the plugin imports this
 * file and must stay a small bundle that starts fast.
 */

export const DEFAULT_AGENT_SOCKET = '/var/run/ledger-cni/agent.sock';

export const AGENT_ROUTES = {
  add: '/v1/cni/add',
  del: '/v1/cni/del',
  check: '/v1/cni/check',
  status: '/v1/cni/status',
  gc: '/v1/cni/gc',
} as const;

/** Error codes of the CNI spec, plus our own from 100 up. */
export const CNI_CODES = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnv: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  notAvailable: 50,
  limitedConnectivity: 51,
  /** CHECK found the system or the agent's state differing from prevResult. */
  checkMismatch: 110,
  internal: 999,
} as const;
export type CniCode = (typeof CNI_CODES)[keyof typeof CNI_CODES];

/** Who the request is for, from CNI_* env and CNI_ARGS. */
export interface PodIdentity {
  containerId: string;
  ifName: string;
  /** CNI_NETNS; may be empty on DEL. */
  netns: string;
  podNamespace: string;
  podName: string;
  infraContainerId?: string;
}

export interface AddRequest extends PodIdentity {
  /** The network config's mtu, overriding the agent's POD_MTU. */
  mtu?: number;
}

/** What the plugin can recover from prevResult, so DEL and CHECK work without the agent's memory. */
export interface PreviousWiring {
  hostIfName?: string;
  hostMac?: string;
  podMac?: string;
  /** The pod's address without prefix length. */
  ip?: string;
  sandbox?: string;
}

export interface DelRequest extends PodIdentity {
  previous?: PreviousWiring;
}

export interface CheckRequest extends PodIdentity {
  previous: PreviousWiring;
}

export interface GcRequest {
  validAttachments: { containerId: string; ifName: string }[];
}

/** How a pod was wired: enough for the plugin to write any supported CNI result version. */
export interface PodWiring {
  hostInterface: { name: string; mac: string };
  podInterface: { name: string; mac: string; sandbox: string };
  /** Dotted IPv4, configured as a /32. */
  ip: string;
  gateway: string;
  mtu: number;
  /** Route table of the pod's ENI; 254 (main) for the primary ENI. */
  routeTable: number;
}

export interface StatusResponse {
  ready: boolean;
  msg?: string;
}

export interface GcResponse {
  removed: { containerId: string; ifName: string; ip: string }[];
}

/** Every non-2xx answer of the agent. */
export interface AgentErrorBody {
  code: CniCode;
  msg: string;
  details?: string;
}
