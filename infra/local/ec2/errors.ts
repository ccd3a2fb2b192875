import { LedgerError } from '../../../core/errors';

/** Codes EC2 answers with a 5xx status; every other code is the caller's mistake (400). */
const SERVER_SIDE_CODES: Readonly<Record<string, number>> = {
  InternalError: 500,
  InternalFailure: 500,
  ServiceUnavailable: 503,
  Unavailable: 503,
  // EC2 answers throttling with 503 "Request limit exceeded.", unlike most AWS services' 400.
  RequestLimitExceeded: 503,
};

/** An error the simulator answers with EC2's error document: the code is what SDK callers see as `name`. */
export class Ec2ApiError extends LedgerError {
  readonly status: number;

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.status = httpStatusOf(code);
  }
}

export function httpStatusOf(code: string): number {
  return SERVER_SIDE_CODES[code] ?? 400;
}

export const notFound = (code: string, what: string, id: string): Ec2ApiError =>
  new Ec2ApiError(code, `The ${what} ID '${id}' does not exist`);

export const invalidValue = (message: string): Ec2ApiError =>
  new Ec2ApiError('InvalidParameterValue', message);
