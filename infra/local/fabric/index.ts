export type { FabricModel } from './desired-state';
export { type Fabric, type FabricOptions, startFabric } from './fabric';
export { ENI_NEXT_HOP } from './plan';
export { DEFAULT_OUTSIDE_CIDR } from './router';
