/**
 * After a restart, an assignment in the checkpoint whose host veth no longer exists belongs
 * to a pod that went away while the agent was down (its DEL could not reach us). Those are
 * unassigned, so their addresses cool down and return to the pool; all others are kept.
 */
import type { AddressPool, Assignment } from './types';

export async function dropAssignmentsWithoutLinks(
  pool: AddressPool,
  hostLinkNames: ReadonlySet<string>,
  hostIfNameOf: (assignment: Assignment) => string,
): Promise<Assignment[]> {
  const stale = pool.assignments().filter((a) => !hostLinkNames.has(hostIfNameOf(a)));
  for (const a of stale) await pool.unassign(a.containerId, a.ifName);
  return stale;
}
