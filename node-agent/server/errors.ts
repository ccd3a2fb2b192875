/** How failures become the agent's error answers, each with the CNI code the plugin reports. */
import { type AgentErrorBody, CNI_CODES, type CniCode } from '../../core/contract/agent-socket';
import { CapacityError, DependencyError, InvalidInputError } from '../../core/errors';
import { PoolExhaustedError } from '../pool/types';

/** A failure whose CNI code is already decided. */
export class AgentRequestError extends Error {
  constructor(
    readonly code: CniCode,
    message: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'AgentRequestError';
  }
}

export function toErrorAnswer(error: unknown): { status: number; body: AgentErrorBody } {
  if (error instanceof AgentRequestError) {
    const status =
      error.code === CNI_CODES.internal ? 500 : error.code === CNI_CODES.tryAgainLater ? 503 : 400;
    return { status, body: { code: error.code, msg: error.message, details: error.details } };
  }
  if (error instanceof InvalidInputError) {
    return { status: 400, body: { code: CNI_CODES.invalidEnv, msg: error.message } };
  }
  if (error instanceof PoolExhaustedError || error instanceof CapacityError) {
    return {
      status: 503,
      body: {
        code: CNI_CODES.tryAgainLater,
        msg: error.message,
        details: 'no address is cached; try again later',
      },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const details =
    error instanceof DependencyError ? 'a command or dependency of the node agent failed' : undefined;
  return { status: 500, body: { code: CNI_CODES.internal, msg: message, details } };
}
