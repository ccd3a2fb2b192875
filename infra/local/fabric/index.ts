export type { FabricModel } from './desired-state';
export { type Fabric, type FabricOptions, startFabric } from './fabric';
export { instanceLinkName, routerLinkName } from './names';
export { ENI_MTU, ENI_NEXT_HOP } from './plan';
export { DEFAULT_OUTSIDE_CIDR } from './router';
