/** HTTP answers in payload format 2.0, and every error mapped to its status and ApiErrorBody. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ZodError } from 'zod';
import { type ApiErrorBody, LEASE_NOT_STARTED } from '../../core/contract/api';
import { Ec2BudgetSpentError, type LogSink, NotRegisteredError } from '../../core/ec2';
import { CapacityError, DependencyError, InvalidInputError } from '../../core/errors';

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export function errorAnswer(status: number, body: ApiErrorBody): APIGatewayProxyStructuredResultV2 {
  return json(status, body);
}

export function answerForError(error: unknown, log: LogSink): APIGatewayProxyStructuredResultV2 {
  if (error instanceof ZodError) {
    const fields = error.issues.map((i) => ({ path: i.path.join('.') || 'body', message: i.message }));
    return errorAnswer(400, {
      code: 'InvalidRequest',
      message: fields.map((f) => `${f.path}: ${f.message}`).join('; '),
      fields,
    });
  }
  if (error instanceof NotRegisteredError) {
    return errorAnswer(404, {
      code: 'NodeNotRegistered',
      message: error.message,
      fields: [{ path: error.field, message: error.allowed }],
    });
  }
  if (error instanceof InvalidInputError) {
    return errorAnswer(400, {
      code: 'InvalidInput',
      message: error.message,
      fields: [{ path: error.field, message: error.allowed }],
    });
  }
  if (error instanceof CapacityError) return errorAnswer(409, { code: error.reason, message: error.message });
  if (error instanceof Ec2BudgetSpentError) {
    log.info('EC2 budget spent: request refused before any EC2 call', { error: error.message });
    const answer = errorAnswer(503, {
      code: LEASE_NOT_STARTED,
      message: error.message,
      retryAfterSeconds: error.retryAfterSeconds,
    });
    return { ...answer, headers: { ...answer.headers, 'retry-after': String(error.retryAfterSeconds) } };
  }
  if (error instanceof DependencyError) {
    log.warn('dependency failed', { error: error.message });
    return errorAnswer(503, { code: 'Unavailable', message: error.message });
  }
  log.error('request failed', {
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return errorAnswer(500, { code: 'InternalError', message: 'the control plane failed; retry later' });
}
