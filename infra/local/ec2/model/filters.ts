import { Ec2ApiError } from '../errors';
import type { TagMap } from './records';

export interface Filter {
  readonly name: string;
  readonly values: readonly string[];
}

/** Filter names of one resource kind mapped to the values a record has for it. */
export type FilterFields<R> = Readonly<Record<string, (record: R) => readonly (string | undefined)[]>>;

/** EC2 filter values accept `*` and `?` wildcards. */
function valueMatches(pattern: string, actual: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === actual;
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`).test(actual);
}

function anyMatches(patterns: readonly string[], actual: readonly (string | undefined)[]): boolean {
  return actual.some((a) => a !== undefined && patterns.some((p) => valueMatches(p, a)));
}

/** Rejects unknown filter names before any record is looked at, as EC2 does. */
export function checkFilterNames<R>(filters: readonly Filter[], fields: FilterFields<R>): void {
  for (const f of filters) {
    const known =
      f.name.startsWith('tag:') || f.name === 'tag-key' || f.name === 'tag-value' || f.name in fields;
    if (!known) throw new Ec2ApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    if (f.values.length === 0) {
      throw new Ec2ApiError('InvalidParameterValue', `The filter '${f.name}' must have at least one value`);
    }
  }
}

/** Every filter must match (AND); within one filter any value may match (OR). */
export function matchesFilters<R extends { readonly tags: TagMap }>(
  record: R,
  filters: readonly Filter[],
  fields: FilterFields<R>,
): boolean {
  return filters.every((f) => {
    if (f.name.startsWith('tag:')) return anyMatches(f.values, [record.tags.get(f.name.slice(4))]);
    if (f.name === 'tag-key') return anyMatches(f.values, [...record.tags.keys()]);
    if (f.name === 'tag-value') return anyMatches(f.values, [...record.tags.values()]);
    const field = fields[f.name];
    return field ? anyMatches(f.values, field(record)) : false;
  });
}

export function selectRecords<R extends { readonly tags: TagMap }>(
  records: Iterable<R>,
  filters: readonly Filter[],
  fields: FilterFields<R>,
): R[] {
  checkFilterNames(filters, fields);
  return [...records].filter((r) => matchesFilters(r, filters, fields));
}
