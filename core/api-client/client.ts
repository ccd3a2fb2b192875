/**
 * Typed client for every route in core/contract/api.ts. The node agent passes the SDK's
 * default credential chain (its instance role); ledgerctl passes the operator's.
 */
import type {
  IpLookupResponse,
  LeaseRequest,
  LeaseResponse,
  ListNodesResponse,
  NodeState,
  RegisterNodeRequest,
  RegisterNodeResponse,
  ReleaseRequest,
  ReleaseResponse,
  SubnetCapacityResponse,
  UsageReport,
} from '../contract/api';
import { SignedHttp, type SignedHttpOptions } from './signed-http';

export type ApiClientOptions = SignedHttpOptions;

export class ApiClient {
  private readonly http: SignedHttp;

  constructor(options: ApiClientOptions) {
    this.http = new SignedHttp(options);
  }

  registerNode(instanceId: string, body: RegisterNodeRequest): Promise<RegisterNodeResponse> {
    return this.http.send({ method: 'POST', path: `${node(instanceId)}/register`, body });
  }

  getNode(instanceId: string): Promise<NodeState> {
    return this.http.send({ method: 'GET', path: node(instanceId) });
  }

  lease(instanceId: string, body: LeaseRequest): Promise<LeaseResponse> {
    return this.http.send({ method: 'POST', path: `${node(instanceId)}/leases`, body });
  }

  release(instanceId: string, body: ReleaseRequest): Promise<ReleaseResponse> {
    return this.http.send({ method: 'POST', path: `${node(instanceId)}/releases`, body });
  }

  async reportUsage(instanceId: string, body: UsageReport): Promise<void> {
    await this.http.send({ method: 'PUT', path: `${node(instanceId)}/usage`, body });
  }

  listNodes(): Promise<ListNodesResponse> {
    return this.http.send({ method: 'GET', path: '/v1/nodes' });
  }

  subnetCapacity(): Promise<SubnetCapacityResponse> {
    return this.http.send({ method: 'GET', path: '/v1/subnets' });
  }

  lookupIp(ip: string): Promise<IpLookupResponse> {
    return this.http.send({ method: 'GET', path: `/v1/ips/${encodeURIComponent(ip)}` });
  }
}

function node(instanceId: string): string {
  return `/v1/nodes/${encodeURIComponent(instanceId)}`;
}
