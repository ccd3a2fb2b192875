/**
 * The pod side of the datapath over `ip -batch`: one exec in the node (shared with the pods
 * wired at the same time, ./host-batch), one in the sandbox.
 * Deleting a veth waits out the kernel's RCU grace period (10-30 ms); a DEL may leave that
 * wait running once the pod's rules are gone, and a later setup of the same link waits for it.
 */
import type { PodWiring } from '../../core/contract/agent-socket';
import { POD_GATEWAY } from '../../core/contract/pod-datapath';
import { InvalidInputError } from '../../core/errors';
import { CommandError, ipBatch, isNamespaceFile, namedNetns } from '../ns';
import { createHostBatch } from './host-batch';
import { hostVethName, randomMac, routeTableFor } from './names';
import { checkPod } from './pod-check';
import {
  hostSetupLines,
  isAlreadyGone,
  type PodLinkPlan,
  podSetupLines,
  ruleTeardownLines,
} from './pod-commands';
import { sandboxNetns } from './sandbox-netns';
import type {
  PodCheckRequest,
  PodNetwork,
  PodNetworkSettings,
  PodSetupRequest,
  PodTeardownRequest,
} from './types';

/** Throws for what a tolerant batch reported, unless it only says the thing was already gone. */
function throwUnlessGone(what: string, failures: string[]): void {
  const real = failures.filter((f) => !isAlreadyGone(f));
  if (real.length > 0) throw new CommandError(what, { code: 1, stdout: '', stderr: real.join('\n') });
}

export function createPodNetwork(settings: PodNetworkSettings): PodNetwork {
  const host = namedNetns(settings.hostNetns);
  const hostBatch = createHostBatch(host);

  /** Link deletions in flight by name; each settles (never rejects) when its `ip` is done. */
  const linkDeletions = new Map<string, Promise<void>>();

  function deleteLink(name: string): Promise<void> {
    const deletion = (linkDeletions.get(name) ?? Promise.resolve()).then(async () =>
      throwUnlessGone(
        `deleting link ${name}`,
        await ipBatch(host, [`link del dev ${name}`], 'tolerant', 'slow'),
      ),
    );
    const settled = deletion.then(
      () => undefined,
      () => undefined,
    );
    linkDeletions.set(name, settled);
    void settled.then(() => {
      if (linkDeletions.get(name) === settled) linkDeletions.delete(name);
    });
    return deletion;
  }

  async function deleteRules(ip: string | undefined, hostIfName: string | undefined): Promise<void> {
    if (ip === undefined) return;
    throwUnlessGone(
      `deleting the rules of ${ip}`,
      await ipBatch(host, ruleTeardownLines(ip, hostIfName), 'tolerant'),
    );
  }

  async function teardown(request: PodTeardownRequest): Promise<void> {
    const link = request.hostIfName === undefined ? undefined : deleteLink(request.hostIfName);
    if (link !== undefined && request.onLinkError !== undefined) {
      link.catch(request.onLinkError);
      await deleteRules(request.ip, request.hostIfName);
      return;
    }
    await Promise.all([link, deleteRules(request.ip, request.hostIfName)]);
  }

  async function setup(request: PodSetupRequest): Promise<PodWiring> {
    if (request.netns === '' || !(await isNamespaceFile(request.netns))) {
      throw new InvalidInputError('CNI_NETNS', request.netns, 'the path of an existing network namespace');
    }
    const sandbox = await sandboxNetns(request.netns);
    const plan: PodLinkPlan = {
      hostIfName: hostVethName(settings.vethPrefix, request.namespace, request.pod),
      hostMac: randomMac(),
      podIfName: request.ifName,
      podMac: randomMac(),
      netnsPath: request.netns,
      ip: request.ip,
      mtu: request.mtu ?? settings.mtu,
      routeTable: routeTableFor(request.eni.deviceIndex),
    };
    // A DEL of this pod's previous sandbox may still be deleting the link of the same name.
    await linkDeletions.get(plan.hostIfName);
    try {
      await setupHostSide(plan);
      await ipBatch(sandbox, podSetupLines(plan));
    } catch (error) {
      await teardown({ hostIfName: plan.hostIfName, ip: plan.ip }).catch(() => undefined);
      throw error;
    }
    return {
      hostInterface: { name: plan.hostIfName, mac: plan.hostMac },
      podInterface: { name: plan.podIfName, mac: plan.podMac, sandbox: request.netns },
      ip: plan.ip,
      gateway: POD_GATEWAY,
      mtu: plan.mtu,
      routeTable: plan.routeTable,
    };
  }

  /** A repeated ADD after a crash finds its own leftovers: clear them once and try again. */
  async function setupHostSide(plan: PodLinkPlan): Promise<void> {
    try {
      await hostBatch.run(hostSetupLines(plan));
    } catch (error) {
      if (!(error instanceof CommandError) || !/File exists/.test(error.result.stderr)) throw error;
      await teardown({ hostIfName: plan.hostIfName, ip: plan.ip });
      await hostBatch.run(hostSetupLines(plan));
    }
  }

  return {
    hostIfName: (namespace, pod) => hostVethName(settings.vethPrefix, namespace, pod),
    setup,
    teardown,
    check: (request: PodCheckRequest) => checkPod(host, request),
  };
}
