import { notFound } from '../errors';

/** Narrows a Describe result to explicitly named ids; a missing id fails the whole call, as in EC2. */
export function restrictToIds<R>(
  records: readonly R[],
  ids: readonly string[],
  idOf: (r: R) => string,
  exists: (id: string) => boolean,
  notFoundCode: string,
  what: string,
): R[] {
  if (ids.length === 0) return [...records];
  for (const id of ids) if (!exists(id)) throw notFound(notFoundCode, what, id);
  const wanted = new Set(ids);
  return records.filter((r) => wanted.has(idOf(r)));
}
