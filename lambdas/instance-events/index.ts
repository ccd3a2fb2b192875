import { contextFromEnv } from '../shared/context-from-env';
import { handleInstanceEvent, type InstanceEventOutcome, type InstanceStateEvent } from './handle-event';

const ctx = contextFromEnv(process.env, 'ledger-instance-events');

export function handler(event: InstanceStateEvent): Promise<InstanceEventOutcome> {
  return handleInstanceEvent(ctx, event);
}
