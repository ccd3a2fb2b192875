/**
 * The conflist the runtime reads: our plugin, then portmap with SNAT for hostPort traffic,
 * then bandwidth (ENABLE_BANDWIDTH_PLUGIN) and tuning that turns IPv6 off in the pod
 * (DISABLE_POD_V6), the chain the AWS VPC CNI's installer writes.
 */
import type { LogDestination, LogLevel } from '../config/types';

export const CONFLIST_FILE = '10-ledger.conflist';
export const PLUGIN_BINARY = 'ledger-cni';
export const NETWORK_NAME = 'ledger-cni';
/** The newest version the plugin and Debian's reference plugins both speak. */
export const CONFLIST_CNI_VERSION = '1.0.0';

export interface ConflistSettings {
  podMtu: number;
  agentSocket: string;
  pluginLogLevel: LogLevel;
  pluginLogDestination: LogDestination;
  bandwidthPlugin: boolean;
  disablePodV6: boolean;
}

export function buildConflist(settings: ConflistSettings): Record<string, unknown> {
  const destination = settings.pluginLogDestination;
  const plugins: Record<string, unknown>[] = [
    {
      type: PLUGIN_BINARY,
      mtu: settings.podMtu,
      agentSocket: settings.agentSocket,
      pluginLogFile: typeof destination === 'string' ? destination : destination.file,
      pluginLogLevel: settings.pluginLogLevel.toUpperCase(),
    },
    { type: 'portmap', capabilities: { portMappings: true }, snat: true },
  ];
  if (settings.bandwidthPlugin) plugins.push({ type: 'bandwidth', capabilities: { bandwidth: true } });
  if (settings.disablePodV6) {
    plugins.push({
      type: 'tuning',
      sysctl: {
        'net.ipv6.conf.all.disable_ipv6': '1',
        'net.ipv6.conf.default.disable_ipv6': '1',
        'net.ipv6.conf.lo.disable_ipv6': '1',
      },
    });
  }
  return { cniVersion: CONFLIST_CNI_VERSION, name: NETWORK_NAME, plugins };
}
