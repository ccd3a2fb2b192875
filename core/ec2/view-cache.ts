/**
 * Short-lived sharing of read-only EC2 views within one control-plane process: a burst of
 * nodes asking the same question (the zone's subnets, the VPC's CIDRs) costs one Describe,
 * not one each. Concurrent askers share the call in flight; a failed call is not kept.
 */
import type { ControlPlaneEc2 } from './client';

interface Entry {
  readonly loadedAt: number;
  readonly value: Promise<unknown>;
}

const views = new WeakMap<ControlPlaneEc2, Map<string, Entry>>();

export interface CachedView<T> {
  readonly value: T;
  /** True for the caller whose call loaded it: only that caller need record what EC2 said. */
  readonly fresh: boolean;
}

export async function cachedView<T>(
  ec2: ControlPlaneEc2,
  key: string,
  maxAgeMs: number,
  load: () => Promise<T>,
): Promise<CachedView<T>> {
  let entries = views.get(ec2);
  if (!entries) {
    entries = new Map();
    views.set(ec2, entries);
  }
  const now = Date.now();
  const cached = entries.get(key);
  if (cached && now - cached.loadedAt <= maxAgeMs) return { value: (await cached.value) as T, fresh: false };
  const value = load();
  const entry: Entry = { loadedAt: now, value };
  entries.set(key, entry);
  try {
    return { value: await value, fresh: true };
  } catch (error) {
    if (entries.get(key) === entry) entries.delete(key);
    throw error;
  }
}

/** Forgets every view of this client, e.g. after a change the caller knows makes them stale. */
export function forgetViews(ec2: ControlPlaneEc2): void {
  views.delete(ec2);
}
