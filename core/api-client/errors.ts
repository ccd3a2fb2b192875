/**
 * Errors of the control plane's API as the core/errors.ts types, so a node agent or
 * ledgerctl can tell "my request was wrong" from "try again later" without parsing text.
 * Each carries the HTTP status and the API's ApiErrorBody.
 */
import type { ApiErrorBody } from '../contract/api';
import { CapacityError, DependencyError, InvalidInputError } from '../errors';

/** 400/404: the request names something invalid or unknown. */
export class ApiInvalidInputError extends InvalidInputError {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    const first = body.fields?.[0];
    super(first?.path ?? 'request', undefined, first ? first.message : body.message);
    this.message = `${body.code}: ${body.message}`;
  }
}

/** 401/403: the caller's identity may not make this call (wrong role, or another node's path). */
export class ApiForbiddenError extends InvalidInputError {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super('credentials', undefined, body.message);
    this.message = `${body.code}: ${body.message}`;
  }
}

/** 409: valid, but no capacity now (subnet exhausted, ENI limit); `reason` is the body's code. */
export class ApiCapacityError extends CapacityError {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.code, body.message);
  }
}

/** 429, 5xx, timeouts and network failures: the control plane could not answer; retry later. */
export class ApiUnavailableError extends DependencyError {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: ApiErrorBody,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Maps a non-2xx answer to its error type; a body that is not ApiErrorBody still yields one. */
export function apiErrorFor(status: number, body: unknown): Error {
  const errorBody = asErrorBody(status, body);
  if (status === 409) return new ApiCapacityError(status, errorBody);
  if (status === 401 || status === 403) return new ApiForbiddenError(status, errorBody);
  if (status >= 400 && status < 500 && status !== 429) return new ApiInvalidInputError(status, errorBody);
  return new ApiUnavailableError(`control plane answered ${status}: ${errorBody.message}`, status, errorBody);
}

function asErrorBody(status: number, body: unknown): ApiErrorBody {
  if (body && typeof body === 'object' && 'code' in body && 'message' in body) {
    const b = body as ApiErrorBody;
    return {
      code: String(b.code),
      message: String(b.message),
      ...(b.fields ? { fields: b.fields } : {}),
      ...(typeof b.retryAfterSeconds === 'number' ? { retryAfterSeconds: b.retryAfterSeconds } : {}),
    };
  }
  // API Gateway's own answers (e.g. the IAM authorizer's 403) are {"message": "..."}.
  const message =
    body && typeof body === 'object' && 'message' in body
      ? String((body as { message: unknown }).message)
      : `HTTP ${status}`;
  return { code: `Http${status}`, message };
}
