/**
 * The node agent's lifecycle. Start: IMDS → credentials → register → restore checkpoint →
 * datapath reconcile → serve the plugin → pool loop → introspection/metrics → install the
 * plugin and conflist (the runtime's readiness signal, so it comes last). Stop runs the
 * started parts in reverse. Each step is a module with its own start and stop.
 */

import { dirname, join } from 'node:path';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { DependencyError } from '../core/errors';
import type { AgentConfig } from './config/types';
import { nodeCredentials } from './control-plane/credentials';
import { NodeClient } from './control-plane/node-client';
import { registerNode } from './control-plane/register';
import { createHostNetwork, createPodNetwork, restorePodRoutes } from './datapath';
import { routeTableFor, vethPrefixOf, wiredHostIfName } from './datapath/names';
import { type InstanceIdentity, readInstanceIdentity } from './imds';
import { installPlugin } from './install/install';
import type { HttpEndpoint } from './introspection/http-listen';
import { startIntrospection } from './introspection/server';
import type { Logger } from './logging';
import { createAgentMetrics } from './metrics/registry';
import { startMetricsServer } from './metrics/server';
import { ipJson, namedNetns } from './ns';
import { LeasePool } from './pool/lease-pool';
import { PoolMaintainer } from './pool/pool-maintainer';
import { dropAssignmentsWithoutLinks } from './pool/stale-assignments';
import { nodeCapacity, type WarmPoolRule } from './pool/warm-math';
import { startPluginServer } from './server';

/** How long readiness waits for the first lease of a fresh node. */
const FIRST_LEASE_WAIT_MS = 10_000;

export interface AgentOptions {
  config: AgentConfig;
  logger: Logger;
  env: Readonly<Record<string, string | undefined>>;
  knownVariables: readonly string[];
  /** The plugin to install when LEDGER_PLUGIN_SOURCE is unset. */
  defaultPluginSource: string;
  readIdentity?: () => Promise<InstanceIdentity>;
  credentials?: AwsCredentialIdentityProvider;
  startedAt?: number;
}

export interface RunningAgent {
  readonly identity: InstanceIdentity;
  readonly pool: LeasePool;
  readonly introspection?: HttpEndpoint;
  readonly metrics?: HttpEndpoint;
  stop(): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { config, logger } = options;
  const stack: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const part of stack.reverse()) {
      await part.stop().catch((error) => logger.error(`stopping ${part.name} failed`, error));
    }
    stack.length = 0;
  };

  try {
    const identity = await (options.readIdentity ?? readInstanceIdentity)();
    logger.info('instance identity', { ...identity });

    const credentials = options.credentials ?? nodeCredentials();
    await credentials().catch((error: unknown) => {
      const why = (error as Error).message;
      throw new DependencyError(`no AWS credentials from the environment or IMDS: ${why}`, { cause: error });
    });

    const client = new NodeClient({
      endpoint: config.controlPlane.endpoint,
      region: config.controlPlane.region ?? identity.region,
      instanceId: identity.instanceId,
      credentials,
    });
    const { warmPool } = config;
    const registration = await registerNode({
      register: (body) => client.register(body),
      body: {
        instanceType: identity.instanceType,
        availabilityZone: identity.availabilityZone,
        ...(warmPool.maxEni === undefined ? {} : { maxEni: warmPool.maxEni }),
        additionalEniTags: { ...config.controlPlane.additionalEniTags },
        prefixDelegation: warmPool.prefixDelegation,
        customNetworking: config.network.customNetworking,
      },
      instanceId: identity.instanceId,
      cachePath: join(dirname(config.paths.checkpoint), 'registration.json'),
      logger,
    });
    const { limits } = registration.response;
    logger.info('registered', { fresh: registration.fresh, limits });

    const pool = await LeasePool.open({
      instanceId: identity.instanceId,
      checkpointPath: config.paths.checkpoint,
      cooldownMs: warmPool.ipCooldownSeconds * 1000,
    });
    logger.info('checkpoint restored', { assignments: pool.assignments().length, enis: pool.enis().length });
    if (registration.fresh) {
      try {
        const adopted = await pool.adoptLeases((await client.state()).leased);
        logger.info('leases reconciled with the control plane', { ...adopted });
      } catch (error) {
        logger.warn('cannot read this node from the control plane; keeping the checkpoint as is', error);
      }
    }

    const vpcCidrs =
      registration.response.vpcCidrs.length > 0 ? registration.response.vpcCidrs : identity.vpcCidrs;
    const podNetwork = createPodNetwork({
      hostNetns: config.network.hostNetns,
      vethPrefix: config.network.vethPrefix,
      mtu: config.network.podMtu,
    });
    const hostNetwork = createHostNetwork({
      hostNetns: config.network.hostNetns,
      primaryMac: identity.primaryMac,
      primaryIp: identity.primaryIp,
      vpcCidrs,
      eniMtu: config.network.eniMtu,
      vethPrefix: config.network.vethPrefix,
      // Pods kept across a change of AWS_VPC_K8S_CNI_VETHPREFIX keep their links' names.
      earlierVethPrefixes: pool.assignments().flatMap((a) => {
        const prefix = a.hostIfName === undefined ? undefined : vethPrefixOf(a.hostIfName);
        return prefix === undefined || prefix === config.network.vethPrefix ? [] : [prefix];
      }),
      externalSnat: config.network.externalSnat,
      randomizeSnat: config.network.randomizeSnat,
      excludeSnatCidrs: [...config.network.excludeSnatCidrs],
      externalServiceCidrs: [...config.network.externalServiceCidrs],
      nodePortSupport: config.network.nodePortSupport,
    });
    await hostNetwork.apply(pool.enis());
    const links = await ipJson<{ ifname: string }>(namedNetns(config.network.hostNetns), ['link', 'show']);
    const stale = await dropAssignmentsWithoutLinks(pool, new Set(links.map((l) => l.ifname)), (a) =>
      wiredHostIfName(a, podNetwork),
    );
    if (stale.length > 0) logger.warn('dropped assignments whose pod link is gone', { count: stale.length });
    const routes = await restorePodRoutes(
      namedNetns(config.network.hostNetns),
      pool.assignments().map((a) => ({
        ip: a.ip,
        hostIfName: wiredHostIfName(a, podNetwork),
        routeTable: routeTableFor(a.eni.deviceIndex),
      })),
    );
    logger.info('pod routes restored', { ...routes });

    const server = await startPluginServer({
      socketPath: config.paths.agentSocket,
      pool,
      podNetwork,
      hostNetwork,
      logger,
    });
    stack.push({ name: 'plugin server', stop: () => server.stop() });

    const unit = warmPool.prefixDelegation ? 'prefix' : 'ipv4';
    const rule: WarmPoolRule = { targets: warmPool.targets, unit };
    const capacity = nodeCapacity(limits, unit, warmPool.maxEni, warmPool.maxPods);
    const maintainer = new PoolMaintainer({ pool, leases: client, rule, capacity, logger });
    maintainer.start();
    stack.push({ name: 'pool maintainer', stop: () => maintainer.stop() });
    await maintainer.firstPass(FIRST_LEASE_WAIT_MS);

    let introspection: HttpEndpoint | undefined;
    if (config.introspection.enabled) {
      introspection = await startIntrospection({
        config,
        pool,
        rule,
        capacity,
        env: options.env,
        knownVariables: options.knownVariables,
      });
      stack.push({ name: 'introspection', stop: () => introspection!.close() });
    }
    let metricsEndpoint: HttpEndpoint | undefined;
    if (config.metrics.enabled) {
      const metrics = createAgentMetrics({
        pool,
        rule,
        capacity,
        maxEnis: Math.min(limits.maxEnis, warmPool.maxEni ?? limits.maxEnis),
      });
      metrics.recordStartup((Date.now() - (options.startedAt ?? Date.now())) / 1000);
      metricsEndpoint = await startMetricsServer(config.metrics.bind, metrics);
      stack.push({ name: 'metrics', stop: () => metricsEndpoint!.close() });
    }

    const installed = await installPlugin({
      pluginSource: config.paths.pluginSource ?? options.defaultPluginSource,
      cniBinDir: config.paths.cniBinDir,
      cniConfDir: config.paths.cniConfDir,
      podMtu: config.network.podMtu,
      agentSocket: config.paths.agentSocket,
      pluginLogLevel: config.logging.pluginLevel,
      pluginLogDestination: config.logging.pluginDestination,
      bandwidthPlugin: config.install.bandwidthPlugin,
      disablePodV6: config.install.disablePodV6,
    });
    logger.info('agent ready', { ...installed, instanceId: identity.instanceId });

    return {
      identity,
      pool,
      ...(introspection ? { introspection } : {}),
      ...(metricsEndpoint ? { metrics: metricsEndpoint } : {}),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
