export {
  categoryOf,
  DEFAULT_BUDGET,
  Ec2Budget,
  Ec2BudgetSpentError,
  THROTTLE_CATEGORIES,
  type ThrottleCategory,
  TokenBucket,
} from './budget';
export { CAPACITY_REASONS, type CapacityReason } from './capacity';
export {
  type ControlPlaneEc2,
  createControlPlaneEc2,
  type Ec2CallStats,
  type Ec2ClientOptions,
  ec2ErrorCode,
} from './client';
export { type ControlPlaneContext, type LogSink, silentLog } from './context';
export { forgetNode } from './forget-node';
export { LEASE_OPERATION, leaseAddresses } from './lease';
export { NotRegisteredError, requireNode } from './node-registry';
export { type ReconcileReport, reconcile, repairNode, sweepLeakedEnis } from './reconcile';
export { customNetworkFor, registerNode } from './register';
export { RELEASE_OPERATION, releaseAddresses } from './release';
export { candidateSubnets } from './subnet-discovery';
export { trimNode } from './trim';
