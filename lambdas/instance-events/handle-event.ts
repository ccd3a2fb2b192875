/**
 * EventBridge "EC2 Instance State-change Notification": when an instance is terminated its
 * node leaves the ledger. Earlier states are ignored: only at `terminated` has EC2 released
 * the interfaces, so leftovers can be told apart from ENIs still attached.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { type ControlPlaneContext, forgetNode } from '../../core/ec2';
import { getNode, NodeBusyError } from '../../core/ledger';

export const INSTANCE_STATE_CHANGE = 'EC2 Instance State-change Notification';

export interface InstanceStateDetail {
  'instance-id': string;
  state: string;
}

export type InstanceStateEvent = EventBridgeEvent<typeof INSTANCE_STATE_CHANGE, InstanceStateDetail>;

export interface InstanceEventOutcome {
  instanceId: string;
  forgotten: boolean;
}

export async function handleInstanceEvent(
  ctx: ControlPlaneContext,
  event: InstanceStateEvent,
): Promise<InstanceEventOutcome> {
  const instanceId = event.detail?.['instance-id'];
  const state = event.detail?.state;
  if (event['detail-type'] !== INSTANCE_STATE_CHANGE || !instanceId) {
    ctx.log.warn('ignored event that is not an instance state change', { detailType: event['detail-type'] });
    return { instanceId: instanceId ?? '', forgotten: false };
  }
  if (state !== 'terminated') return { instanceId, forgotten: false };
  if (!(await getNode(ctx.ledger, instanceId))) return { instanceId, forgotten: false };
  if (!(await forgetNode(ctx, instanceId))) {
    if (!(await getNode(ctx.ledger, instanceId))) return { instanceId, forgotten: false };
    // A failed invocation is retried by EventBridge; the reconciler also forgets it later.
    throw new NodeBusyError(`node ${instanceId} stayed busy; forgetting it is left to a retry`);
  }
  return { instanceId, forgotten: true };
}
