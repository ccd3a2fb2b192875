/** One handler per CNI command; each gets validated env and config and talks to the agent. */
import {
  type AddRequest,
  AGENT_ROUTES,
  type CheckRequest,
  type DelRequest,
  type GcRequest,
  type GcResponse,
  type PodIdentity,
  type PodWiring,
  type StatusResponse,
} from '../core/contract/agent-socket';
import { type AgentClient, AgentUnreachableError } from './agent-client';
import { type NetConf, VALID_ATTACHMENTS_KEY } from './config';
import type { CniEnv } from './env';
import { CNI_CODES, CniError, invalidConfig } from './errors';
import { teardownFromPrevious } from './fallback-teardown';
import type { PluginLog } from './log';
import { previousFrom, toResult } from './result';
import { hasStatusAndGc } from './versions';

export interface CommandContext {
  env: CniEnv;
  conf: NetConf;
  agent: AgentClient;
  log: PluginLog;
}

/** What a command prints on success; undefined prints nothing (DEL, CHECK, STATUS, GC). */
export type CommandOutput = Record<string, unknown> | undefined;

function identity(env: CniEnv): PodIdentity {
  return {
    containerId: env.containerId,
    ifName: env.ifName,
    netns: env.netns,
    podNamespace: env.podNamespace,
    podName: env.podName,
    ...(env.infraContainerId === undefined ? {} : { infraContainerId: env.infraContainerId }),
  };
}

export async function cmdAdd({ env, conf, agent, log }: CommandContext): Promise<CommandOutput> {
  const request: AddRequest = { ...identity(env), ...(conf.mtu === undefined ? {} : { mtu: conf.mtu }) };
  const wiring = await agent.call<PodWiring>('POST', AGENT_ROUTES.add, request);
  log.info('ADD done', {
    containerId: env.containerId,
    ip: wiring.ip,
    hostIfName: wiring.hostInterface.name,
  });
  return toResult(wiring, conf.cniVersion);
}

export async function cmdDel({ env, conf, agent, log }: CommandContext): Promise<CommandOutput> {
  const previous = previousFrom(conf.prevResult, env.ifName);
  const request: DelRequest = { ...identity(env), previous };
  try {
    await agent.call('POST', AGENT_ROUTES.del, request);
    log.info('DEL done', { containerId: env.containerId });
  } catch (error) {
    if (!(error instanceof AgentUnreachableError)) throw error;
    // DEL must not fail because the agent is down: unwire from prevResult, the agent reclaims the address.
    const failures = teardownFromPrevious(previous);
    log.warn('DEL without the agent, torn down from prevResult', {
      containerId: env.containerId,
      reason: error.message,
      failures,
    });
  }
  return undefined;
}

export async function cmdCheck({ env, conf, agent, log }: CommandContext): Promise<CommandOutput> {
  if (conf.prevResult === undefined) throw invalidConfig('prevResult', undefined, 'required for CHECK');
  const request: CheckRequest = { ...identity(env), previous: previousFrom(conf.prevResult, env.ifName) };
  await agent.call('POST', AGENT_ROUTES.check, request);
  log.debug('CHECK passed', { containerId: env.containerId });
  return undefined;
}

function requireStatusAndGc(conf: NetConf, command: string): void {
  if (!hasStatusAndGc(conf.cniVersion)) {
    throw new CniError(
      CNI_CODES.incompatibleVersion,
      `${command} needs cniVersion 1.1.0, the config has ${conf.cniVersion}`,
    );
  }
}

export async function cmdStatus({ conf, agent }: CommandContext): Promise<CommandOutput> {
  requireStatusAndGc(conf, 'STATUS');
  let status: StatusResponse;
  try {
    status = await agent.call<StatusResponse>('GET', AGENT_ROUTES.status);
  } catch (error) {
    if (error instanceof AgentUnreachableError)
      throw new CniError(CNI_CODES.notAvailable, error.message, error.details);
    throw error;
  }
  if (!status.ready)
    throw new CniError(CNI_CODES.notAvailable, status.msg ?? 'the node agent cannot add pods now');
  return undefined;
}

export async function cmdGc({ conf, agent, log }: CommandContext): Promise<CommandOutput> {
  requireStatusAndGc(conf, 'GC');
  // Without the list every pod would count as stale: refuse rather than tear the node down.
  if (conf.validAttachments === undefined) {
    throw invalidConfig(
      VALID_ATTACHMENTS_KEY,
      undefined,
      'the attachments to keep, an array of {"containerID": string, "ifname": string} (may be empty)',
    );
  }
  const request: GcRequest = { validAttachments: conf.validAttachments };
  const answer = await agent.call<GcResponse>('POST', AGENT_ROUTES.gc, request);
  log.info('GC done', { removed: answer.removed.length });
  return undefined;
}
