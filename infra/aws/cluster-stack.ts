/**
 * One cluster's control plane: ledger table, the three functions, the HTTP API, the event
 * rules and the policies nodes and operators need. `cdk deploy` once per cluster.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { InstanceProfile, type IRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_ENV } from '../../core/contract/lambda-env';
import { AccessPolicies } from './access-policies';
import {
  type LedgerClusterProps,
  type ResolvedClusterProps,
  resolveClusterProps,
  roleNameFromArn,
} from './cluster-props';
import { ControlPlaneFunction, type HandlerCode, type HandlerName } from './control-plane-function';
import { ec2Statements } from './ec2-permissions';
import { EventRules } from './event-rules';
import { LedgerHttpApi } from './http-api';
import { LedgerTable } from './ledger-table';
import { acknowledgeNagFindings } from './nag-suppressions';

export interface LedgerClusterStackProps extends StackProps {
  readonly cluster: LedgerClusterProps;
  /** @default bundle */
  readonly handlerCode?: HandlerCode;
}

/** Memory and time per function, and why. */
const SIZING = {
  // On the node's lease path. Lambda gives CPU in proportion to memory, and each cold start
  // parses a 1.6 MB bundle (the AWS SDK included): 1 GB starts it faster than 512 MB for
  // little cost at this request rate. 28 s ends the function before the HTTP API's 30 s
  // integration limit, with room for CreateNetworkInterface + AttachNetworkInterface (up to 10 s).
  api: { memorySize: 1024, timeout: Duration.seconds(28) },
  // One instance's items and a few ENI deletions.
  instanceEvents: { memorySize: 256, timeout: Duration.seconds(60) },
  // Pages through every ENI and subnet of the cluster at a throttled EC2 call rate.
  reconciler: { memorySize: 512, timeout: Duration.minutes(5) },
} as const satisfies Record<HandlerName, { memorySize: number; timeout: Duration }>;

const DESCRIPTIONS: Record<HandlerName, string> = {
  api: 'Ledger CNI API: node registration, address leases, usage, capacity and lookups',
  instanceEvents: 'Ledger CNI: forget terminated instances',
  reconciler: 'Ledger CNI: delete leaked ENIs, drop vanished instances, refresh subnets',
};

export class LedgerClusterStack extends Stack {
  public readonly settings: ResolvedClusterProps;
  public readonly table: LedgerTable;
  public readonly functions: Record<HandlerName, ControlPlaneFunction>;
  public readonly httpApi: LedgerHttpApi;
  public readonly access: AccessPolicies;
  public readonly nodeRoles: readonly IRole[];

  constructor(scope: Construct, id: string, props: LedgerClusterStackProps) {
    // Checked before super() so a bad prop leaves no half-built stack in the app.
    const settings = resolveClusterProps(props.cluster);
    super(scope, id, {
      description: `Ledger CNI control plane for cluster ${settings.clusterName}`,
      ...props,
    });
    this.settings = settings;
    this.table = new LedgerTable(this, 'Ledger', { deletionProtection: settings.deletionProtection });
    this.nodeRoles = this.nodeRolesFor(settings);
    const operatorRoles = settings.operatorRoleArns.map((arn, i) =>
      Role.fromRoleArn(this, `OperatorRole${i}`, arn, { mutable: false }),
    );

    const environment = this.environmentFor(settings, operatorRoles);
    // Custom-networking subnets are pod subnets too.
    const customSubnets = Object.values(settings.customNetworkConfigs).map((c) => c.subnetId);
    const ec2Scope = {
      ...settings,
      subnetIds: settings.subnetIds && [...new Set([...settings.subnetIds, ...customSubnets])],
    };
    const retention = settings.logRetentionDays as RetentionDays;
    const fn = (handler: HandlerName, sizing: { memorySize: number; timeout: Duration }) => {
      const f = new ControlPlaneFunction(this, handlerConstructId(handler), {
        handler,
        description: DESCRIPTIONS[handler],
        ...sizing,
        environment,
        logRetention: retention,
        handlerCode: props.handlerCode,
      });
      this.table.table.grantReadWriteData(f.role);
      for (const statement of ec2Statements(this, handler, ec2Scope)) f.role.addToPolicy(statement);
      return f;
    };
    const reconcileEvery = Duration.minutes(settings.reconcileEveryMinutes);
    this.functions = {
      api: fn('api', SIZING.api),
      instanceEvents: fn('instanceEvents', SIZING.instanceEvents),
      // Never longer than the interval, so a slow sweep does not run into the next one.
      reconciler: fn('reconciler', {
        memorySize: SIZING.reconciler.memorySize,
        timeout: Duration.minutes(
          Math.min(settings.reconcileEveryMinutes, SIZING.reconciler.timeout.toMinutes()),
        ),
      }),
    };

    this.httpApi = new LedgerHttpApi(this, 'Http', {
      clusterName: settings.clusterName,
      handler: this.functions.api.function,
      logRetention: retention,
    });
    this.access = new AccessPolicies(this, 'Access', {
      clusterName: settings.clusterName,
      api: this.httpApi,
      nodeRoles: this.nodeRoles,
      operatorRoles,
    });
    new EventRules(this, 'Events', {
      clusterName: settings.clusterName,
      instanceEvents: this.functions.instanceEvents.function,
      reconciler: this.functions.reconciler.function,
      reconcileEvery,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.httpApi.stage.url,
      description: 'LEDGER_API_URL for the node agents',
    });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'NodePolicyArn', { value: this.access.nodePolicy.managedPolicyArn });
    new CfnOutput(this, 'OperatorPolicyArn', { value: this.access.operatorPolicy.managedPolicyArn });
    acknowledgeNagFindings(this);
  }

  private nodeRolesFor(settings: ResolvedClusterProps): IRole[] {
    if (settings.nodeRoleArns) {
      return settings.nodeRoleArns.map((arn, i) =>
        Role.fromRoleArn(this, `NodeRole${i}`, arn, { mutable: false }),
      );
    }
    const role = new Role(this, 'NodeRole', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
      description: `Ledger CNI nodes of cluster ${settings.clusterName}`,
    });
    const profile = new InstanceProfile(this, 'NodeInstanceProfile', { role });
    new CfnOutput(this, 'NodeRoleArn', { value: role.roleArn });
    new CfnOutput(this, 'NodeInstanceProfileArn', { value: profile.instanceProfileArn });
    return [role];
  }

  private environmentFor(
    settings: ResolvedClusterProps,
    operatorRoles: readonly IRole[],
  ): Record<string, string> {
    const env: Record<string, string> = {
      [LAMBDA_ENV.tableName]: this.table.table.tableName,
      [LAMBDA_ENV.clusterName]: settings.clusterName,
      [LAMBDA_ENV.vpcId]: settings.vpcId,
      [LAMBDA_ENV.nodeRoleNames]: settings.nodeRoleArns
        ? settings.nodeRoleArns.map(roleNameFromArn).join(',')
        : this.nodeRoles.map((r) => r.roleName).join(','),
      [LAMBDA_ENV.operatorRoleNames]: operatorRoles.map((r) => r.roleName).join(','),
      [LAMBDA_ENV.leakGraceSeconds]: String(settings.leakGraceSeconds),
      [LAMBDA_ENV.carvePrefixes]: String(settings.carvePrefixes),
    };
    if (settings.subnetIds) env[LAMBDA_ENV.subnetIds] = settings.subnetIds.join(',');
    if (Object.keys(settings.customNetworkConfigs).length > 0) {
      env[LAMBDA_ENV.customNetworkConfigs] = JSON.stringify(settings.customNetworkConfigs);
    }
    return env;
  }
}

/** `instanceEvents` → `InstanceEvents`: readable logical ids. */
function handlerConstructId(handler: HandlerName): string {
  return handler[0]!.toUpperCase() + handler.slice(1);
}
