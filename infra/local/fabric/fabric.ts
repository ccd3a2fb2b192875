/**
 * The simulated VPC fabric: a namespace per running instance, a veth per attached ENI into a
 * "vpc" router namespace that routes every address EC2 assigned and enforces the source/dest
 * check, and an "outside" namespace beyond the router. It follows the EC2 simulator's model:
 * every change event schedules one pass that compares the model with what exists and applies
 * the difference, so missed or reordered events cannot leave it wrong for long.
 */
import { setImmediate } from 'node:timers/promises';
import { DependencyError, InvalidInputError } from '../../../core/errors';
import { cidrsOverlap, parseCidr } from '../../../core/net/ipv4';
import { CoalescingRunner } from './coalescing-runner';
import { addNamespace, deleteNamespaces, ipBatch, listLinks, listNamespaces } from './commands';
import { EMPTY_FABRIC, type FabricModel, type FabricSpec, readFabricSpec } from './desired-state';
import { type FabricNames, fabricNames, OUTSIDE_ROUTER_LINK } from './names';
import { type Operation, planChanges } from './plan';
import { createRouterAndOutside, DEFAULT_OUTSIDE_CIDR, outsideAddressing } from './router';

export interface FabricOptions {
  readonly model: FabricModel;
  /**
   * Start of every namespace name; unique per test file or demo run.
   * @default `fab${process.pid}`
   */
  readonly prefix?: string;
  /**
   * Network of the outside namespace: the router takes its first host, the outside host the tenth.
   * @default 203.0.113.0/24
   */
  readonly outsideCidr?: string;
  /** Failures of passes that no `sync()` waits for. @default written to stderr */
  readonly onError?: (error: unknown) => void;
}

export interface Fabric {
  /** The namespace that plays the instance's host; it exists while the instance is running. */
  nodeNamespace(instanceId: string): string;
  readonly routerNamespace: string;
  readonly outsideNamespace: string;
  /** The outside host's address, beyond the router and outside the VPC. */
  readonly outsideAddress: string;
  /** Resolves once the fabric matches the model as it is at the time of the call. */
  sync(): Promise<void>;
  /** Removes every namespace and link of the fabric; safe to call more than once. */
  stop(): Promise<void>;
}

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 10_000;

async function apply(operations: readonly Operation[]): Promise<void> {
  for (const operation of operations) {
    if (operation.kind === 'batch') {
      await ipBatch(operation.lines, { namespace: operation.namespace, tolerant: operation.tolerant });
    } else if (operation.kind === 'add-namespace') {
      await addNamespace(operation.namespace);
    } else {
      await deleteNamespaces(operation.namespaces);
    }
  }
}

async function deleteOwnedNamespaces(names: FabricNames): Promise<void> {
  const owned = (await listNamespaces()).filter((name) => names.owns(name));
  await deleteNamespaces(owned);
}

/**
 * After a failed pass the fabric no longer knows which links and routes exist. It drops every
 * ENI link (the routes go with them) and builds them again from the model, but keeps the
 * instances' namespaces: they hold what the node agent built (pod links, rules), as a real
 * instance keeps its state while an ENI flaps.
 */
async function resetLinks(names: FabricNames): Promise<FabricSpec> {
  const links = (await listLinks(names.router)).filter(
    (name) => name !== 'lo' && name !== OUTSIDE_ROUTER_LINK,
  );
  await ipBatch(
    links.map((name) => `link del ${name}`),
    { namespace: names.router, tolerant: true },
  );
  const nodes = (await listNamespaces())
    .map((namespace) => names.instanceOf(namespace))
    .filter((id): id is string => id !== undefined);
  return { nodes: new Set(nodes), links: new Map() };
}

function checkOutsideIsOutside(spec: FabricSpec, outsideCidr: string): void {
  const outside = parseCidr(outsideCidr);
  for (const link of spec.links.values()) {
    if (cidrsOverlap(parseCidr(link.subnetCidr), outside)) {
      throw new InvalidInputError(
        'outsideCidr',
        outsideCidr,
        `a network outside the VPC; it overlaps subnet ${link.subnetCidr} of ${link.eniId}`,
      );
    }
  }
}

export async function startFabric(options: FabricOptions): Promise<Fabric> {
  const names = fabricNames(options.prefix ?? `fab${process.pid}`);
  const outside = outsideAddressing(options.outsideCidr ?? DEFAULT_OUTSIDE_CIDR);
  const onError =
    options.onError ??
    ((error: unknown) => process.stderr.write(`vpc fabric ${names.prefix}: ${String(error)}\n`));
  if (process.getuid?.() !== 0) {
    throw new DependencyError(
      'the simulated VPC fabric creates network namespaces, veths and routes: run it as root (CAP_NET_ADMIN and CAP_SYS_ADMIN)',
    );
  }

  // A prefix belongs to one fabric at a time; what is left under it is from a run that crashed.
  await deleteOwnedNamespaces(names);
  try {
    await createRouterAndOutside(names, outside);
  } catch (error) {
    await deleteOwnedNamespaces(names).catch(() => undefined);
    throw error;
  }

  let current: FabricSpec = EMPTY_FABRIC;
  let unknownState = false;
  let stopped = false;
  let retryDelayMs = FIRST_RETRY_MS;
  let retryTimer: NodeJS.Timeout | undefined;

  const runner = new CoalescingRunner(async () => {
    // The model announces changes from inside its own updates; reading it now could see half of one.
    await setImmediate();
    if (stopped) return;
    if (unknownState) {
      current = await resetLinks(names);
      unknownState = false;
    }
    const desired = readFabricSpec(options.model, current);
    checkOutsideIsOutside(desired, outside.cidr);
    try {
      await apply(planChanges(current, desired, names));
    } catch (error) {
      unknownState = true;
      scheduleRetry();
      throw error;
    }
    current = desired;
    retryDelayMs = FIRST_RETRY_MS;
  });

  const onChange = (): void => {
    runner.request().catch((error: unknown) => {
      if (!stopped) onError(error);
    });
  };
  // A failed pass is repeated without waiting for EC2's next change, backing off while it keeps failing.
  function scheduleRetry(): void {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      onChange();
    }, retryDelayMs);
    retryTimer.unref();
    retryDelayMs = Math.min(retryDelayMs * 2, MAX_RETRY_MS);
  }
  options.model.on('change', onChange);

  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      options.model.off('change', onChange);
      clearTimeout(retryTimer);
    }
    await runner.idle();
    await deleteOwnedNamespaces(names);
  };

  try {
    await runner.request();
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }

  return {
    nodeNamespace: (instanceId) => names.node(instanceId),
    routerNamespace: names.router,
    outsideNamespace: names.outside,
    outsideAddress: outside.outsideAddress,
    sync: () => (stopped ? Promise.resolve() : runner.request()),
    stop,
  };
}
