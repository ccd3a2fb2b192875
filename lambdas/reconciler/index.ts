import { type ReconcileReport, reconcile } from '../../core/ec2';
import { contextFromEnv } from '../shared/context-from-env';

const ctx = contextFromEnv(process.env, 'ledger-reconciler');

/** Invoked by the EventBridge schedule; the event carries nothing the pass needs. */
export function handler(): Promise<ReconcileReport> {
  return reconcile(ctx);
}
