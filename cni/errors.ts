/** CNI error results: a spec code, a message a person can act on, and optional details. */
import { CNI_CODES, type CniCode } from '../core/contract/agent-socket';

export { CNI_CODES };

export class CniError extends Error {
  constructor(
    readonly code: CniCode,
    message: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'CniError';
  }
}

/** A bad CNI_* variable: names it, shows the value and says what is allowed. */
export function invalidEnv(name: string, value: string | undefined, allowed: string): CniError {
  const shown = value === undefined ? ' is not set' : `=${JSON.stringify(value)} is not valid`;
  return new CniError(CNI_CODES.invalidEnv, `${name}${shown}: ${allowed}`);
}

/** A bad field of the network configuration on stdin. */
export function invalidConfig(field: string, value: unknown, allowed: string): CniError {
  const shown = value === undefined ? ' is missing' : `=${JSON.stringify(value)} is not valid`;
  return new CniError(CNI_CODES.invalidConfig, `network config field ${field}${shown}: ${allowed}`);
}
