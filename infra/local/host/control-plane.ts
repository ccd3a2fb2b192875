/**
 * The control plane on this machine: the same handler logic the Lambdas run, fed the same
 * event shapes — HTTP API requests (SigV4 verified against LocalIam), a reconciler
 * schedule, and the EC2 simulator's instance state changes as EventBridge events.
 */

import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type ControlPlaneContext,
  type ControlPlaneEc2,
  createControlPlaneEc2,
  type LogSink,
  type ReconcileReport,
  reconcile,
  silentLog,
} from '../../../core/ec2';
import type { BucketSize, ThrottleCategory } from '../../../core/ec2/budget';
import {
  type ClusterConfig,
  ensureLedgerTable,
  type Ledger,
  ledgerOf,
  putClusterConfig,
} from '../../../core/ledger';
import { handleApiRequest } from '../../../lambdas/api/handle-request';
import {
  handleInstanceEvent,
  INSTANCE_STATE_CHANGE,
  type InstanceStateEvent,
} from '../../../lambdas/instance-events/handle-event';
import { closeServer } from '../loopback';
import { startApiServer } from './api-server';
import type { CredentialLookup } from './sigv4-verifier';

/** The part of the EC2 simulator's model the host listens to. */
export interface InstanceStateSource {
  on(event: 'change', listener: (e: { kind: string; instanceId?: string; state?: string }) => void): unknown;
  off(event: 'change', listener: (e: { kind: string; instanceId?: string; state?: string }) => void): unknown;
}

export interface LocalControlPlaneOptions {
  ec2: { endpoint: string; region: string; model?: InstanceStateSource };
  dynamodbEndpoint: string;
  iam: CredentialLookup & { accountId?: string };
  clusterName: string;
  vpcId: string;
  nodeRoleNames: string[];
  operatorRoleNames: string[];
  port?: number;
  /** Reconciler period; 0 or absent runs it only through runReconciler(). */
  reconcileIntervalMs?: number;
  leakGraceSeconds?: number;
  tableName?: string;
  subnetIds?: string[];
  customNetworkConfigs?: ClusterConfig['customNetworkConfigs'];
  /** Seconds released addresses cool before going back to EC2 (default 30). */
  coolingSeconds?: number;
  /** Single addresses out of carved /28 prefixes on Nitro nodes (default true). */
  carvePrefixes?: boolean;
  budget?: Partial<Record<ThrottleCategory, BucketSize>>;
  lockTtlMs?: number;
  lockWaitMs?: number;
  detachWaitMs?: number;
  log?: LogSink;
  now?: () => Date;
  afterStep?: ControlPlaneContext['afterStep'];
}

export interface LocalControlPlane {
  endpoint: string;
  ledger: Ledger;
  ec2: ControlPlaneEc2;
  context: ControlPlaneContext;
  runReconciler(): Promise<ReconcileReport>;
  /** Resolves once every instance event delivered so far has been handled. */
  eventsSettled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalControlPlane(options: LocalControlPlaneOptions): Promise<LocalControlPlane> {
  const tableName = options.tableName ?? 'ledger-cni';
  const dynamodb = new DynamoDBClient({
    endpoint: options.dynamodbEndpoint,
    region: options.ec2.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureLedgerTable(dynamodb, tableName);
  const ledger = ledgerOf(dynamodb, tableName, options.now);
  const config: ClusterConfig = {
    clusterName: options.clusterName,
    vpcId: options.vpcId,
    ...(options.subnetIds?.length ? { subnetIds: options.subnetIds } : {}),
    customNetworkConfigs: options.customNetworkConfigs ?? {},
    coolingSeconds: options.coolingSeconds ?? 30,
    carvePrefixes: options.carvePrefixes ?? true,
  };
  await putClusterConfig(ledger, config);
  const ec2 = createControlPlaneEc2({
    region: options.ec2.region,
    endpoint: options.ec2.endpoint,
    budget: options.budget,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const context: ControlPlaneContext = {
    ledger,
    ec2,
    config,
    log: options.log ?? silentLog,
    lockTtlMs: options.lockTtlMs,
    lockWaitMs: options.lockWaitMs,
    leakGraceSeconds: options.leakGraceSeconds,
    detachWaitMs: options.detachWaitMs,
    afterStep: options.afterStep,
  };
  const accountId = options.iam.accountId ?? '111122223333';
  const { endpoint, server } = await startApiServer({
    iam: options.iam,
    accountId,
    port: options.port,
    invoke: (event) =>
      handleApiRequest(
        { ...context, nodeRoleNames: options.nodeRoleNames, operatorRoleNames: options.operatorRoleNames },
        event,
      ),
  });

  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const settled = p.catch((error: unknown) =>
      context.log.error('handler failed', { error: String(error) }),
    );
    pending.add(settled);
    void settled.finally(() => pending.delete(settled));
  };
  const onChange = (e: { kind: string; instanceId?: string; state?: string }) => {
    if (e.kind !== 'instance-state' || !e.instanceId || !e.state) return;
    track(
      handleInstanceEvent(context, instanceStateEvent(e.instanceId, e.state, options.ec2.region, accountId)),
    );
  };
  options.ec2.model?.on('change', onChange);

  let reconciling: Promise<ReconcileReport> | undefined;
  const runReconciler = () => {
    // One pass at a time, as one scheduled Lambda invocation would be.
    reconciling ??= reconcile(context).finally(() => {
      reconciling = undefined;
    });
    return reconciling;
  };
  const timer =
    options.reconcileIntervalMs && options.reconcileIntervalMs > 0
      ? setInterval(() => track(runReconciler()), options.reconcileIntervalMs)
      : undefined;
  timer?.unref();

  const eventsSettled = async () => {
    while (pending.size > 0) await Promise.all([...pending]);
  };
  return {
    endpoint,
    ledger,
    ec2,
    context,
    runReconciler,
    eventsSettled,
    stop: async () => {
      if (timer) clearInterval(timer);
      options.ec2.model?.off('change', onChange);
      await closeServer(server);
      await Promise.race([eventsSettled(), new Promise((r) => setTimeout(r, 2_000))]);
      ec2.client.destroy();
      dynamodb.destroy();
    },
  };
}

export function instanceStateEvent(
  instanceId: string,
  state: string,
  region: string,
  account: string,
): InstanceStateEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': INSTANCE_STATE_CHANGE,
    source: 'aws.ec2',
    account,
    time: new Date().toISOString(),
    region,
    resources: [`arn:aws:ec2:${region}:${account}:instance/${instanceId}`],
    detail: { 'instance-id': instanceId, state },
  };
}
