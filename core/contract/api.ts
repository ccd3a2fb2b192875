/**
 * The control plane's HTTP API: the one contract between node agents, operators
 * (ledgerctl) and the api Lambda. Paths, request bodies (validated with zod so every
 * 400 names the field and what is allowed) and response shapes live here only.
 */
import { z } from 'zod';
import { isCidr, isIpv4, PREFIX_SIZE } from '../net/ipv4';

export const API_VERSION = 'v1';

/** Route keys exactly as API Gateway's HTTP API reports them in `routeKey`. */
export const ROUTES = {
  registerNode: 'POST /v1/nodes/{instanceId}/register',
  getNode: 'GET /v1/nodes/{instanceId}',
  lease: 'POST /v1/nodes/{instanceId}/leases',
  release: 'POST /v1/nodes/{instanceId}/releases',
  reportUsage: 'PUT /v1/nodes/{instanceId}/usage',
  listNodes: 'GET /v1/nodes',
  subnetCapacity: 'GET /v1/subnets',
  lookupIp: 'GET /v1/ips/{ip}',
} as const;
export type RouteName = keyof typeof ROUTES;

/** Routes a node's own role may call; every other route is for the operator role. */
export const NODE_ROUTES: readonly RouteName[] = [
  'registerNode',
  'getNode',
  'lease',
  'release',
  'reportUsage',
];

export const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const instanceId = z.string().regex(INSTANCE_ID, 'must look like i-0123456789abcdef0');
const ipv4 = z.string().refine(isIpv4, 'must be a dotted IPv4 address such as 10.0.1.17');
const cidr = z.string().refine(isCidr, 'must be an IPv4 CIDR block such as 10.0.1.16/28');
const idempotencyKey = z
  .string()
  .min(8, 'must be 8 to 64 characters of [A-Za-z0-9-_]')
  .max(64, 'must be 8 to 64 characters of [A-Za-z0-9-_]')
  .regex(/^[A-Za-z0-9_-]+$/, 'must be 8 to 64 characters of [A-Za-z0-9-_]');
const tagKey = z
  .string()
  .min(1)
  .max(127)
  .refine((k) => !k.toLowerCase().startsWith('aws:'), 'tag keys starting with aws: are reserved by AWS');

export const RegisterNodeRequest = z
  .object({
    instanceType: z
      .string()
      .regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'must be an EC2 instance type such as m5.large'),
    availabilityZone: z.string().min(1),
    /** MAX_ENI on the node: a cap below the instance type's limit; absent means the type's limit. */
    maxEni: z.number().int().min(1).max(64).optional(),
    /** ADDITIONAL_ENI_TAGS on the node, added to every ENI created for it. */
    additionalEniTags: z.record(tagKey, z.string().max(255)).optional(),
    /** ENABLE_PREFIX_DELEGATION on the node. */
    prefixDelegation: z.boolean().optional(),
    /** AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG on the node. */
    customNetworking: z.boolean().optional(),
  })
  .strict();
export type RegisterNodeRequest = z.infer<typeof RegisterNodeRequest>;

export const LeaseRequest = z
  .object({
    idempotencyKey,
    ipv4: z.number().int().min(1).max(250).optional(),
    prefixes: z.number().int().min(1).max(16).optional(),
    /**
     * How many of the addresses asked for are for pods waiting on the node now. The EC2 calls
     * that lease those go ahead of warm-pool top-ups; the rest are made only while the EC2
     * budget has room to spare. Unset means all of them (a caller that does not say).
     */
    forPods: z.number().int().min(0).max(250).optional(),
  })
  .strict()
  .refine((b) => (b.ipv4 === undefined) !== (b.prefixes === undefined), {
    message: 'exactly one of ipv4 (1-250) or prefixes (1-16) is required',
    path: ['ipv4'],
  })
  .refine((b) => b.forPods === undefined || b.forPods <= (b.ipv4 ?? (b.prefixes ?? 0) * PREFIX_SIZE), {
    message: 'forPods may not exceed the addresses asked for (ipv4, or prefixes × 16)',
    path: ['forPods'],
  });
export type LeaseRequest = z.infer<typeof LeaseRequest>;

export const ReleaseRequest = z
  .object({
    idempotencyKey,
    /** Secondary addresses (a.b.c.d) or delegated prefixes (a.b.c.d/28). */
    addresses: z
      .array(z.union([ipv4, cidr]))
      .min(1)
      .max(250),
  })
  .strict();
export type ReleaseRequest = z.infer<typeof ReleaseRequest>;

export const PodAssignment = z
  .object({
    ip: ipv4,
    namespace: z.string().min(1).max(253),
    pod: z.string().min(1).max(253),
    containerId: z.string().min(1).max(256),
  })
  .strict();
export type PodAssignment = z.infer<typeof PodAssignment>;

export const UsageReport = z
  .object({
    /** The node's full pod↔IP map at `reportedAt`; it replaces the previous report. */
    assignments: z.array(PodAssignment).max(2000),
    reportedAt: z.string().datetime(),
  })
  .strict();
export type UsageReport = z.infer<typeof UsageReport>;

export const IpLookupPath = z.object({ ip: ipv4 });
export const NodePath = z.object({ instanceId });

/** What a node needs to wire an address: the ENI it lives on. */
export interface LeasedEni {
  eniId: string;
  mac: string;
  deviceIndex: number;
  subnetId: string;
  subnetCidr: string;
  /** The subnet's VPC router, the default gateway in the ENI's route table. */
  gateway: string;
  securityGroups: string[];
  /** The ENI's primary address (not for pods). */
  primaryIp: string;
}

export interface LeasedAddress {
  /** A secondary address (a.b.c.d) or a /28 prefix (a.b.c.d/28). */
  address: string;
  kind: 'ipv4' | 'prefix';
  eni: LeasedEni;
}

export interface LeaseResponse {
  leaseId: string;
  addresses: LeasedAddress[];
}

export interface ReleaseResponse {
  released: string[];
  /** Addresses the node asked to release that it does not hold (already released or never leased). */
  unknown: string[];
}

export interface NodeLimits {
  maxEnis: number;
  ipv4PerEni: number;
  /** ENIs × (addresses per ENI − 1) + 2, as AWS recommends for secondary-IP mode. */
  maxPods: number;
}

export interface CustomNetworkConfig {
  name: string;
  subnetId: string;
  securityGroups: string[];
}

export interface RegisterNodeResponse {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  vpcCidrs: string[];
  primaryEni: LeasedEni;
  limits: NodeLimits;
  customNetwork?: CustomNetworkConfig;
}

export interface NodeState {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  registeredAt: string;
  enis: (LeasedEni & { addresses: string[]; prefixes: string[] })[];
  leased: LeasedAddress[];
  assignments: PodAssignment[];
  usageReportedAt?: string;
}

export interface SubnetCapacity {
  subnetId: string;
  cidr: string;
  availabilityZone: string;
  /** Usable addresses: the block's size less AWS's five reserved. */
  size: number;
  /** What EC2 says is still free in the subnet. */
  ec2Free: number;
  leasedToNodes: number;
  assignedToPods: number;
  cooling: number;
  /** Held for a node but not used by a pod: leased and idle in warm pools, or a carved prefix's spare. */
  idleInWarmPools: number;
}

export interface SubnetCapacityResponse {
  subnets: SubnetCapacity[];
}

export interface IpLookupResponse {
  ip: string;
  /** `spare`: in a /28 the control plane carved for the node, not leased yet. */
  state: 'leased' | 'cooling' | 'primary' | 'spare' | 'unknown';
  instanceId?: string;
  eniId?: string;
  subnetId?: string;
  pod?: { namespace: string; pod: string; containerId: string };
}

export interface NodeSummary {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  enis: number;
  leased: number;
  assigned: number;
}

export interface ListNodesResponse {
  nodes: NodeSummary[];
}

/** Every error answer: a stable code, a message a person can act on, and the fields at fault. */
/**
 * The 503 code of a lease refused before it made any EC2 call, because the cluster's EC2
 * budget was spent (or kept for pods waiting elsewhere): nothing was leased, so the node may
 * ask afresh, with a new key and what it needs by then.
 */
export const LEASE_NOT_STARTED = 'Ec2BudgetSpent';

export interface ApiErrorBody {
  code: string;
  message: string;
  /** With a 503: when asking again could be served (also the Retry-After header). */
  retryAfterSeconds?: number;
  fields?: { path: string; message: string }[];
}
