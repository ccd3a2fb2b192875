/**
 * One plugin invocation: read env and stdin, run the command, print the result or the CNI
 * error on stdout, and return the exit code. Dependencies come in so tests can call it.
 */
import { createAgentClient } from './agent-client';
import {
  type CommandContext,
  type CommandOutput,
  cmdAdd,
  cmdCheck,
  cmdDel,
  cmdGc,
  cmdStatus,
} from './commands';
import { decodeJson, parseConfig, versionOf } from './config';
import { type CniCommand, COMMANDS, parseCommand, parseEnv } from './env';
import { CNI_CODES, CniError, invalidEnv } from './errors';
import { createLog, isLogLevel } from './log';
import { type CniVersion, LATEST_VERSION, SUPPORTED_VERSIONS } from './versions';

export interface RunContext {
  env: NodeJS.ProcessEnv;
  stdin: string;
  stdout(text: string): void;
  stderr(text: string): void;
}

const HANDLERS: Record<Exclude<CniCommand, 'VERSION'>, (ctx: CommandContext) => Promise<CommandOutput>> = {
  [COMMANDS.add]: cmdAdd,
  [COMMANDS.del]: cmdDel,
  [COMMANDS.check]: cmdCheck,
  [COMMANDS.status]: cmdStatus,
  [COMMANDS.gc]: cmdGc,
};

function errorJson(version: CniVersion, error: unknown): string {
  const known = error instanceof CniError;
  const body = {
    cniVersion: version,
    code: known ? error.code : CNI_CODES.internal,
    msg: error instanceof Error ? error.message : String(error),
    ...(known && error.details !== undefined ? { details: error.details } : {}),
  };
  return `${JSON.stringify(body)}\n`;
}

export async function run(ctx: RunContext): Promise<number> {
  let version: CniVersion = LATEST_VERSION;
  try {
    const command = parseCommand(ctx.env.CNI_COMMAND);
    if (command === COMMANDS.version) {
      // VERSION answers whatever stdin holds, even nothing: it is how runtimes probe us.
      ctx.stdout(
        `${JSON.stringify({ cniVersion: LATEST_VERSION, supportedVersions: SUPPORTED_VERSIONS })}\n`,
      );
      return 0;
    }
    const raw = decodeJson(ctx.stdin);
    version = versionOf(raw);
    const conf = parseConfig(raw);
    const env = parseEnv(ctx.env, command);
    const envLevel = ctx.env.AWS_VPC_K8S_PLUGIN_LOG_LEVEL;
    if (envLevel !== undefined && !isLogLevel(envLevel)) {
      throw invalidEnv('AWS_VPC_K8S_PLUGIN_LOG_LEVEL', envLevel, 'DEBUG, INFO, WARN, ERROR or FATAL');
    }
    const log = createLog(
      ctx.env.AWS_VPC_K8S_PLUGIN_LOG_FILE ?? conf.pluginLogFile,
      envLevel ?? conf.pluginLogLevel,
      ctx.stderr,
    );
    log.debug('invoked', { command, containerId: env.containerId, netns: env.netns, ifName: env.ifName });
    try {
      const output = await HANDLERS[command]({ env, conf, agent: createAgentClient(conf.agentSocket), log });
      if (output !== undefined) ctx.stdout(`${JSON.stringify(output)}\n`);
      return 0;
    } catch (error) {
      log.error(`${command} failed`, { containerId: env.containerId, error: String(error) });
      throw error;
    }
  } catch (error) {
    ctx.stdout(errorJson(version, error));
    return 1;
  }
}
