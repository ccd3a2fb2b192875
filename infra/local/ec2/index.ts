export type { Ec2ChangeEvent, InstanceStateName } from './events';
export { FaultInjector } from './faults';
export { Ec2Model } from './model/ec2-model';
export type {
  AttachmentRecord,
  InstanceRecord,
  NetworkInterfaceRecord,
  SecurityGroupRecord,
  SubnetRecord,
  VpcRecord,
} from './model/records';
export { applyScenario, loadScenarioFile, type Scenario, type ScenarioResult } from './scenario';
export { type Ec2Simulator, type Ec2SimulatorOptions, startEc2Simulator } from './simulator';
export type { SimStats } from './stats';
export { type BucketOverrides, EC2_BUCKETS } from './throttling';
