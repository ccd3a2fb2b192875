/** Strips the storage-only attributes (keys, index keys, kind) from an item read back. */
export function recordOf<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, itemKind: _k, ...rest } = item;
  return rest as T;
}
