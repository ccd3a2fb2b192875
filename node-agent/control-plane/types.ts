/**
 * What the pool needs from the control plane, bound to this node. The pool depends on this
 * interface only, so it never learns about SigV4, URLs or instance ids.
 */
import type { LeaseRequest, LeaseResponse, ReleaseResponse, UsageReport } from '../../core/contract/api';

export interface NodeLeases {
  lease(request: LeaseRequest): Promise<LeaseResponse>;
  release(request: { idempotencyKey: string; addresses: string[] }): Promise<ReleaseResponse>;
  reportUsage(report: UsageReport): Promise<void>;
}
