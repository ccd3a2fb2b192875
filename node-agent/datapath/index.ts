export { createHostNetwork } from './host-network';
export { hostVethName, MAIN_ROUTE_TABLE, PODS_ROUTE_TABLE, RULE_PRIORITY, routeTableFor } from './names';
export { createPodNetwork } from './pod-network';
export { type PodRoutesReport, type RestoredPod, restorePodRoutes } from './pod-routes';
export type {
  HostNetwork,
  HostNetworkSettings,
  PodCheckRequest,
  PodNetwork,
  PodNetworkSettings,
  PodSetupRequest,
  PodTeardownRequest,
  RandomizeSnat,
} from './types';
export { RANDOMIZE_SNAT } from './types';
