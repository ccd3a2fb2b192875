/**
 * The control plane as one node sees it: core/api-client's ApiClient with the instance id
 * bound, signing with the node's credentials (the instance role on EC2, the local IMDS
 * simulator's role in local mode).
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ApiClient } from '../../core/api-client';
import type {
  LeaseRequest,
  LeaseResponse,
  NodeState,
  RegisterNodeRequest,
  RegisterNodeResponse,
  ReleaseResponse,
  UsageReport,
} from '../../core/contract/api';
import { nodeCredentials } from './credentials';
import type { NodeLeases } from './types';

export interface NodeClientOptions {
  endpoint: string;
  region: string;
  instanceId: string;
  /** Defaults to the environment's keys, else the instance role's from IMDS. */
  credentials?: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  timeoutMs?: number;
}

export class NodeClient implements NodeLeases {
  readonly instanceId: string;
  private readonly api: ApiClient;

  constructor(options: NodeClientOptions) {
    this.instanceId = options.instanceId;
    this.api = new ApiClient({
      endpoint: options.endpoint,
      region: options.region,
      credentials: options.credentials ?? nodeCredentials(),
      // A lease that attaches an ENI takes seconds; the API's own limit (28 s Lambda, 30 s API
      // Gateway) is the bound, so the agent sees the API's answer rather than giving up first.
      timeoutMs: options.timeoutMs ?? 30_000,
    });
  }

  register(body: RegisterNodeRequest): Promise<RegisterNodeResponse> {
    return this.api.registerNode(this.instanceId, body);
  }

  state(): Promise<NodeState> {
    return this.api.getNode(this.instanceId);
  }

  lease(request: LeaseRequest): Promise<LeaseResponse> {
    return this.api.lease(this.instanceId, request);
  }

  release(request: { idempotencyKey: string; addresses: string[] }): Promise<ReleaseResponse> {
    return this.api.release(this.instanceId, request);
  }

  reportUsage(report: UsageReport): Promise<void> {
    return this.api.reportUsage(this.instanceId, report);
  }
}
