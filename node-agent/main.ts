/**
 * ledger-agent: parses the environment (refusing to start on any bad value), then runs the
 * agent until SIGTERM or SIGINT, which stop it in reverse start order.
 */
import { dirname, join } from 'node:path';
import { InvalidConfigError } from '../core/config/env-reader';
import { startAgent } from './agent';
import { KNOWN_VARIABLES, parseAgentConfig } from './config';
import { createLogger } from './logging';

async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const startedAt = Date.now();
  let parsed: ReturnType<typeof parseAgentConfig>;
  try {
    parsed = parseAgentConfig(env);
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    // Before the config is known there is no log destination; stderr is where an operator looks.
    process.stderr.write(`ledger-agent: refusing to start: ${error.message}\n`);
    return 2;
  }
  const { config, warnings } = parsed;
  const logger = createLogger({ level: config.logging.level, destination: config.logging.destination });
  for (const warning of warnings) logger.warn(warning);

  // Listening before start: a SIGTERM during a slow start stops the agent once it is up,
  // in reverse order, instead of killing it halfway through.
  const stopRequested = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info('stopping', { signal });
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });

  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    agent = await startAgent({
      config,
      logger,
      env,
      knownVariables: KNOWN_VARIABLES,
      defaultPluginSource: join(dirname(process.argv[1] ?? '.'), 'ledger-cni'),
      startedAt,
    });
  } catch (error) {
    logger.fatal('agent failed to start', error);
    process.stderr.write(`ledger-agent: failed to start: ${(error as Error).message}\n`);
    return 1;
  }

  await stopRequested;
  await agent.stop();
  logger.info('stopped');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`ledger-agent: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  },
);
