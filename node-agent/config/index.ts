export { formatBindAddress, parseBindAddress } from './bind-address';
export { KNOWN_VARIABLES } from './known-variables';
export { DEFAULTS, parseAgentConfig } from './parse';
export type {
  AgentConfig,
  BindAddress,
  LogDestination,
  LogLevel,
  ParsedConfig,
  SnatRandomization,
  WarmPoolConfig,
  WarmTargets,
} from './types';
export {
  DEFAULT_IP_COOLDOWN_SECONDS,
  DEFAULT_MINIMUM_IP_TARGET,
  DEFAULT_WARM_IP_TARGET,
} from './warm-pool';
