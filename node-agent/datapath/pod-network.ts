/** The pod side of the datapath over `ip -batch`: one exec in the node, one in the sandbox. */
import type { PodWiring } from '../../core/contract/agent-socket';
import type { IpRuleEntry } from '../../core/contract/pod-datapath';
import { POD_GATEWAY } from '../../core/contract/pod-datapath';
import { InvalidInputError } from '../../core/errors';
import { isCidr } from '../../core/net/ipv4';
import { CommandError, ipBatch, ipJson, namedNetns, netnsAtPath, netnsExists } from '../ns';
import { hostVethName, randomMac, routeTableFor } from './names';
import { checkPod } from './pod-check';
import {
  hostSetupLines,
  hostTeardownLines,
  isAlreadyGone,
  type PodLinkPlan,
  podSetupLines,
} from './pod-commands';
import type {
  PodCheckRequest,
  PodNetwork,
  PodNetworkSettings,
  PodSetupRequest,
  PodTeardownRequest,
} from './types';

export function createPodNetwork(settings: PodNetworkSettings): PodNetwork {
  const host = namedNetns(settings.hostNetns);
  const fromPodDestinations = [...(settings.fromPodDestinations ?? [])];
  const bad = fromPodDestinations.find((c) => !isCidr(c));
  if (bad !== undefined)
    throw new InvalidInputError('fromPodDestinations', bad, 'IPv4 CIDR blocks such as 10.0.0.0/16');

  async function teardown(request: PodTeardownRequest): Promise<void> {
    const rules = request.ip === undefined ? [] : await ipJson<IpRuleEntry>(host, ['rule', 'show']);
    const failures = await ipBatch(
      host,
      hostTeardownLines(request.hostIfName, request.ip, rules),
      'tolerant',
    );
    const real = failures.filter((f) => !isAlreadyGone(f));
    if (real.length > 0) {
      throw new CommandError(`teardown of ${request.hostIfName ?? request.ip}`, {
        code: 1,
        stdout: '',
        stderr: real.join('\n'),
      });
    }
  }

  async function setup(request: PodSetupRequest): Promise<PodWiring> {
    const sandbox = netnsAtPath(request.netns);
    if (request.netns === '' || !(await netnsExists(sandbox))) {
      throw new InvalidInputError('CNI_NETNS', request.netns, 'the path of an existing network namespace');
    }
    const plan: PodLinkPlan = {
      hostIfName: hostVethName(settings.vethPrefix, request.namespace, request.pod),
      hostMac: randomMac(),
      podIfName: request.ifName,
      podMac: randomMac(),
      netnsPath: request.netns,
      ip: request.ip,
      mtu: request.mtu ?? settings.mtu,
      routeTable: routeTableFor(request.eni.deviceIndex),
      fromPodDestinations,
    };
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
      await ipBatch(host, hostSetupLines(plan));
    } catch (error) {
      if (!(error instanceof CommandError) || !/File exists/.test(error.result.stderr)) throw error;
      await teardown({ hostIfName: plan.hostIfName, ip: plan.ip });
      await ipBatch(host, hostSetupLines(plan));
    }
  }

  return {
    hostIfName: (namespace, pod) => hostVethName(settings.vethPrefix, namespace, pod),
    setup,
    teardown,
    check: (request: PodCheckRequest) => checkPod(host, request, fromPodDestinations),
  };
}
