/**
 * What the agent does for each plugin command, over the pool and the datapath. The pool
 * serializes its own state (one lock), so a pod waiting for a lease holds up no other ADD
 * or DEL; wiring runs in parallel.
 */
import {
  type AddRequest,
  type CheckRequest,
  CNI_CODES,
  type DelRequest,
  type GcRequest,
  type GcResponse,
  type PodWiring,
  type StatusResponse,
} from '../../core/contract/agent-socket';
import { routeTableFor, wiredHostIfName } from '../datapath/names';
import type { Assignment } from '../pool/types';
import { AgentRequestError } from './errors';
import type { PluginServerOptions } from './types';

export type HandlerDeps = Pick<PluginServerOptions, 'pool' | 'podNetwork' | 'hostNetwork' | 'logger'>;

export interface Handlers {
  add(request: AddRequest): Promise<PodWiring>;
  del(request: DelRequest): Promise<void>;
  check(request: CheckRequest): Promise<void>;
  status(): StatusResponse;
  gc(request: GcRequest): Promise<GcResponse>;
}

export function createHandlers({ pool, podNetwork, hostNetwork, logger }: HandlerDeps): Handlers {
  const hostIfNameOf = (assignment: Assignment) => wiredHostIfName(assignment, podNetwork);
  /**
   * The host veth is named after the pod, not the sandbox: when a newer sandbox of the same
   * pod holds an assignment, the link is its, and only this sandbox's rules may go.
   */
  function linkOwnedByOther(namespace: string, pod: string, containerId: string): boolean {
    return pool
      .assignments()
      .some((a) => a.namespace === namespace && a.pod === pod && a.containerId !== containerId);
  }

  /** Answers once the pod's rules are gone; its link's deletion finishes after the DEL answers. */
  async function unwire(
    namespace: string,
    pod: string,
    containerId: string,
    ip: string | undefined,
    hostIfName?: string,
  ) {
    const name = hostIfName ?? podNetwork.hostIfName(namespace, pod);
    const owned = !linkOwnedByOther(namespace, pod, containerId);
    await podNetwork.teardown({
      hostIfName: owned ? name : undefined,
      ip,
      onLinkError: (error) =>
        logger.warn('pod link not deleted; the next ADD of the pod or its sandbox removal clears it', {
          containerId,
          link: name,
          error: String(error),
        }),
    });
  }

  async function add(request: AddRequest): Promise<PodWiring> {
    const assignment = await pool.assign({
      containerId: request.containerId,
      ifName: request.ifName,
      namespace: request.podNamespace,
      pod: request.podName,
      netns: request.netns,
      hostIfName: podNetwork.hostIfName(request.podNamespace, request.podName),
    });
    try {
      await hostNetwork?.ensureEni(assignment.eni);
      const wiring = await podNetwork.setup({
        containerId: request.containerId,
        ifName: request.ifName,
        netns: request.netns,
        namespace: request.podNamespace,
        pod: request.podName,
        ip: assignment.ip,
        eni: assignment.eni,
        mtu: request.mtu,
      });
      logger.info('pod wired', {
        containerId: request.containerId,
        ip: assignment.ip,
        link: wiring.hostInterface.name,
      });
      return wiring;
    } catch (error) {
      await pool
        .unassign(request.containerId, request.ifName)
        .catch((e) => logger.error('cannot undo the assignment of a failed ADD', { error: String(e) }));
      throw error;
    }
  }

  async function del(request: DelRequest): Promise<void> {
    const held = pool.find(request.containerId, request.ifName);
    // A late DEL's prevResult may name an address that has since gone to another pod: its rules are not ours.
    const previousIp = request.previous?.ip;
    const reused = pool
      .assignments()
      .some((a) => a.ip === previousIp && a.containerId !== request.containerId);
    const ip = held?.ip ?? (reused ? undefined : previousIp);
    // Both at once: the checkpoint's fsync need not wait for `ip`. Should the rules fail, the
    // DEL fails and its retry (or the address's next ADD, finding them) removes them; the
    // released address cools down meanwhile.
    const [, removed] = await Promise.all([
      unwire(
        request.podNamespace,
        request.podName,
        request.containerId,
        ip,
        request.previous?.hostIfName ?? held?.hostIfName,
      ),
      pool.unassign(request.containerId, request.ifName),
    ]);
    logger.info('pod unwired', { containerId: request.containerId, ip, released: removed !== undefined });
  }

  async function check(request: CheckRequest): Promise<void> {
    const held = pool.find(request.containerId, request.ifName);
    if (held === undefined) {
      throw new AgentRequestError(
        CNI_CODES.checkMismatch,
        `the agent holds no address for container ${request.containerId} interface ${request.ifName}`,
      );
    }
    const problems = mismatchWithPrevious(held, request);
    problems.push(
      ...(await podNetwork.check({
        hostIfName: request.previous.hostIfName ?? hostIfNameOf(held),
        ifName: request.ifName,
        netns: request.netns,
        ip: held.ip,
        routeTable: routeTableFor(held.eni.deviceIndex),
        hostMac: request.previous.hostMac,
        podMac: request.previous.podMac,
      })),
    );
    if (problems.length > 0) {
      throw new AgentRequestError(CNI_CODES.checkMismatch, `pod network differs: ${problems.join('; ')}`);
    }
  }

  async function gc(request: GcRequest): Promise<GcResponse> {
    const valid = new Set(request.validAttachments.map((a) => `${a.containerId}/${a.ifName}`));
    const stale = pool.assignments().filter((a) => !valid.has(`${a.containerId}/${a.ifName}`));
    const removed: GcResponse['removed'] = [];
    const failed: string[] = [];
    for (const assignment of stale) {
      try {
        await podNetwork.teardown({
          hostIfName: hostIfNameForGc(assignment, valid),
          ip: assignment.ip,
        });
        await pool.unassign(assignment.containerId, assignment.ifName);
        removed.push({ containerId: assignment.containerId, ifName: assignment.ifName, ip: assignment.ip });
      } catch (error) {
        logger.warn('GC could not remove an attachment', {
          containerId: assignment.containerId,
          error: String(error),
        });
        failed.push(`${assignment.containerId}/${assignment.ifName}: ${String(error)}`);
      }
    }
    logger.info('GC done', {
      removed: removed.length,
      failed: failed.length,
      kept: pool.assignments().length,
    });
    // The spec has GC go on past a failure and report it; a later GC tries the rest again.
    if (failed.length > 0) {
      throw new AgentRequestError(
        CNI_CODES.ioFailure,
        `GC removed ${removed.length} stale attachments but not ${failed.length}: ${failed.join('; ')}`,
      );
    }
    return { removed };
  }

  /** A stale sandbox's link name is shared with a newer, valid sandbox of the same pod: spare it. */
  function hostIfNameForGc(assignment: Assignment, valid: Set<string>): string | undefined {
    const sharedWithValid = pool
      .assignments()
      .some(
        (a) =>
          valid.has(`${a.containerId}/${a.ifName}`) &&
          a.namespace === assignment.namespace &&
          a.pod === assignment.pod,
      );
    return sharedWithValid ? undefined : hostIfNameOf(assignment);
  }

  function status(): StatusResponse {
    return pool.canAssign()
      ? { ready: true }
      : {
          ready: false,
          msg: 'the node agent holds no free address; pods cannot be added until it leases more',
        };
  }

  return { add, del, check, status, gc };
}

function mismatchWithPrevious(held: Assignment, request: CheckRequest): string[] {
  const problems: string[] = [];
  if (request.previous.ip !== undefined && request.previous.ip !== held.ip) {
    problems.push(`prevResult has address ${request.previous.ip}, the agent assigned ${held.ip}`);
  }
  if (request.previous.sandbox !== undefined && request.previous.sandbox !== request.netns) {
    problems.push(`prevResult has sandbox ${request.previous.sandbox}, CNI_NETNS is ${request.netns}`);
  }
  return problems;
}
