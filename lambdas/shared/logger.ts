import { Logger } from '@aws-lambda-powertools/logger';
import type { LogSink } from '../../core/ec2';

/** JSON logs (Powertools) behind the small LogSink the orchestration code writes to. */
export function createLogger(
  serviceName: string,
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT',
): LogSink {
  const logger = new Logger({ serviceName, ...(logLevel ? { logLevel } : {}) });
  return {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}
