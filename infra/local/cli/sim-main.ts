import { InvalidInputError } from '../../../core/errors';
import { startLocalCloud } from '../cloud';
import { startEc2Simulator } from '../ec2';
import { LOCAL_CLUSTER_NAME, operatorEnvLines, startControlPlaneFor } from '../stack';
import { parseEc2Flags, parseUpFlags, USAGE } from './sim-options';

/** What the CLI touches outside itself, passed in so tests can drive it in-process. */
export interface CliContext {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM), with the signal's name. */
  readonly waitForStop: () => Promise<string>;
}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

async function runEc2(args: readonly string[], ctx: CliContext): Promise<number> {
  const flags = parseEc2Flags(args);
  const sim = await startEc2Simulator({
    port: flags.port,
    region: flags.region,
    throttling: flags.throttling,
    latencyMs: flags.latencyMs,
    attachDelayMs: flags.attachDelayMs,
    detachDelayMs: flags.detachDelayMs,
    scenario: flags.scenario,
  });
  ctx.stdout.write(
    `ec2 ${sim.endpoint} region=${sim.region} throttling=${flags.throttling ? 'on' : 'off'}\n`,
  );
  for (const [name, id] of Object.entries(sim.scenario.subnets)) ctx.stdout.write(`subnet ${name} ${id}\n`);
  ctx.stdout.write('ready\n');
  const signal = await ctx.waitForStop();
  await sim.stop();
  ctx.stdout.write(`stopped on ${signal}\n`);
  return EXIT.ok;
}

async function runUp(args: readonly string[], ctx: CliContext): Promise<number> {
  const flags = parseUpFlags(args);
  const cloud = await startLocalCloud({
    scenario: flags.scenario,
    nodes: flags.nodes,
    instanceType: flags.instanceType,
    ec2Port: flags.ec2Port,
    dynamoPort: flags.dynamoPort,
    dynamoPath: flags.dynamoPath,
    throttling: flags.throttling,
    latencyMs: flags.latencyMs,
    attachDelayMs: flags.attachDelayMs,
    detachDelayMs: flags.detachDelayMs,
  });
  ctx.stdout.write(`ec2 ${cloud.ec2.endpoint} region=${cloud.ec2.region}\n`);
  ctx.stdout.write(`dynamodb ${cloud.dynamodb.endpoint}\n`);
  for (const node of cloud.nodes) {
    ctx.stdout.write(
      `node ${node.instanceId} ${node.privateIp} ${node.availabilityZone} imds=${node.imds.endpoint}\n`,
    );
  }
  const controlPlane = await startControlPlaneFor(cloud).catch(async (error: unknown) => {
    await cloud.stop();
    throw error;
  });
  ctx.stdout.write(`api ${controlPlane.endpoint} cluster=${LOCAL_CLUSTER_NAME}\n`);
  ctx.stdout.write('# to call the API as the operator (e.g. ledgerctl subnets):\n');
  for (const line of operatorEnvLines(cloud, controlPlane.endpoint)) ctx.stdout.write(`${line}\n`);
  ctx.stdout.write('ready\n');
  const signal = await ctx.waitForStop();
  await controlPlane.stop();
  await cloud.stop();
  ctx.stdout.write(`stopped on ${signal}\n`);
  return EXIT.ok;
}

/** Runs one `ledger-sim` command and returns its exit code: 2 for a usage mistake, 1 for a fault. */
export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'ec2':
        return await runEc2(args, ctx);
      case 'up':
        return await runUp(args, ctx);
      case 'help':
      case '--help':
      case '-h':
        ctx.stdout.write(USAGE);
        return EXIT.ok;
      default:
        throw new InvalidInputError('command', command ?? '', 'one of ec2, up, help');
    }
  } catch (error) {
    if (error instanceof InvalidInputError) {
      ctx.stderr.write(`ledger-sim: ${error.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    ctx.stderr.write(`ledger-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  }
}

/** The process's own context: real streams, and stop on the first SIGINT or SIGTERM. */
export function processContext(): CliContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    waitForStop: () =>
      new Promise((resolve) => {
        const stop = (signal: string) => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve(signal);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }),
  };
}
