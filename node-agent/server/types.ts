import type { HostNetwork, PodNetwork } from '../datapath/types';
import type { AddressPool } from '../pool/types';

/** The few logger methods the server uses; the agent's JSON logger fits it. */
export interface ServerLogger {
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

export interface PluginServerOptions {
  /** Unix socket path; its directory is created and a stale socket file replaced. */
  socketPath: string;
  pool: AddressPool;
  podNetwork: PodNetwork;
  /** When given, a pod's secondary ENI is set up before the pod is wired. */
  hostNetwork?: HostNetwork;
  logger: ServerLogger;
}

export interface PluginServer {
  stop(): Promise<void>;
}
