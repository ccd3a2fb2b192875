/**
 * What drives the two background functions: EC2's own state-change event when an instance is
 * terminated, and a fixed schedule for the reconciler.
 */
import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export const INSTANCE_TERMINATED_PATTERN = {
  source: ['aws.ec2'],
  detailType: ['EC2 Instance State-change Notification'],
  detail: { state: ['terminated'] },
} as const;

export interface EventRulesProps {
  readonly clusterName: string;
  readonly instanceEvents: IFunction;
  readonly reconciler: IFunction;
  readonly reconcileEvery: Duration;
}

export class EventRules extends Construct {
  public readonly instanceTerminated: Rule;
  public readonly reconcileSchedule: Rule;

  constructor(scope: Construct, id: string, props: EventRulesProps) {
    super(scope, id);
    // Events carry no tags, so every terminated instance in the Region arrives; the handler
    // ignores instances the ledger does not know. A lost event costs little: the reconciler
    // drops ledger entries of vanished instances on its next run, hence no dead-letter queue.
    this.instanceTerminated = new Rule(this, 'InstanceTerminated', {
      description: `Ledger CNI ${props.clusterName}: forget the leases and ENIs of terminated instances`,
      eventPattern: {
        source: [...INSTANCE_TERMINATED_PATTERN.source],
        detailType: [...INSTANCE_TERMINATED_PATTERN.detailType],
        detail: { state: [...INSTANCE_TERMINATED_PATTERN.detail.state] },
      },
      targets: [
        new LambdaFunction(props.instanceEvents, { retryAttempts: 4, maxEventAge: Duration.hours(1) }),
      ],
    });
    this.reconcileSchedule = new Rule(this, 'ReconcileSchedule', {
      description: `Ledger CNI ${props.clusterName}: sweep leaked ENIs, vanished instances and subnet drift`,
      schedule: Schedule.rate(props.reconcileEvery),
      // A missed run is replaced by the next one; retrying an old run would only overlap it.
      targets: [new LambdaFunction(props.reconciler, { retryAttempts: 0 })],
    });
  }
}
