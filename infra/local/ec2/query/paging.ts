import { Ec2ApiError } from '../errors';
import type { QueryParams } from './params';

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

/** Opaque to callers, as EC2's tokens are; it encodes the offset of the next item. */
function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
}

function decodeToken(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Falls through to the error below.
  }
  throw new Ec2ApiError('InvalidParameterValue', `Invalid value '${token}' for NextToken.`);
}

/** MaxResults/NextToken as EC2's Describe calls take them (MaxResults 5–1000). */
export function paginate<T>(
  params: QueryParams,
  items: readonly T[],
  range = { min: 5, max: 1000 },
): Page<T> {
  const maxResults = params.int('MaxResults', range);
  const token = params.string('NextToken');
  const offset = token ? decodeToken(token) : 0;
  if (maxResults === undefined) return { items: items.slice(offset) };
  const end = offset + maxResults;
  return { items: items.slice(offset, end), nextToken: end < items.length ? encodeToken(end) : undefined };
}
