/**
 * Error types shared by every part. A user's mistake (bad input, bad config) and a fault of
 * ours or of a dependency are different types, so callers can answer 4xx vs 5xx, or CNI
 * code 4/7 vs 11/999, without parsing messages.
 */

export class LedgerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A value from a user (env var, request body, CLI flag, stdin) that is not allowed. */
export class InvalidInputError extends LedgerError {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`${field}=${JSON.stringify(value)} is not valid: ${allowed}`);
  }
}

/** The request is valid but cannot be served now (capacity, limits); retrying later may help. */
export class CapacityError extends LedgerError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** A dependency (EC2, DynamoDB, the control plane, the agent) failed or could not be reached. */
export class DependencyError extends LedgerError {}
