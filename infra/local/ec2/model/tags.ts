import { Ec2ApiError, notFound } from '../errors';
import type { TagMap } from './records';
import type { Ec2Store } from './store';

export interface TagInput {
  readonly key: string;
  readonly value?: string;
}

const MAX_TAGS_PER_RESOURCE = 50;

/** Finds the tag map of any taggable resource by its id, with the NotFound code EC2 uses for its kind. */
function tagsOf(store: Ec2Store, resourceId: string): TagMap {
  const kind = resourceId.slice(0, resourceId.lastIndexOf('-'));
  const found =
    kind === 'vpc'
      ? store.vpcs.get(resourceId)
      : kind === 'subnet'
        ? store.subnets.get(resourceId)
        : kind === 'sg'
          ? store.securityGroups.get(resourceId)
          : kind === 'i'
            ? store.instances.get(resourceId)
            : kind === 'eni'
              ? store.interfaces.get(resourceId)
              : undefined;
  if (found) return found.tags;
  const codes: Record<string, [string, string]> = {
    vpc: ['InvalidVpcID.NotFound', 'vpc'],
    subnet: ['InvalidSubnetID.NotFound', 'subnet'],
    sg: ['InvalidGroup.NotFound', 'security group'],
    i: ['InvalidInstanceID.NotFound', 'instance'],
    eni: ['InvalidNetworkInterfaceID.NotFound', 'network interface'],
  };
  const code = codes[kind];
  if (!code) throw new Ec2ApiError('InvalidID', `The ID '${resourceId}' is not valid`);
  throw notFound(code[0], code[1], resourceId);
}

export function validateTags(tags: readonly TagInput[]): void {
  for (const t of tags) {
    if (t.key.length === 0 || t.key.length > 128) {
      throw new Ec2ApiError('InvalidParameterValue', `Tag key '${t.key}' must be 1 to 128 characters long.`);
    }
    if (t.key.toLowerCase().startsWith('aws:')) {
      throw new Ec2ApiError(
        'InvalidParameterValue',
        `Tag keys starting with 'aws:' are reserved for internal use`,
      );
    }
    if ((t.value ?? '').length > 256) {
      throw new Ec2ApiError(
        'InvalidParameterValue',
        `Tag value for key '${t.key}' must be at most 256 characters long.`,
      );
    }
  }
}

export function createTags(store: Ec2Store, resourceIds: readonly string[], tags: readonly TagInput[]): void {
  validateTags(tags);
  const maps = resourceIds.map((id) => tagsOf(store, id));
  for (const map of maps) {
    const keys = new Set([...map.keys(), ...tags.map((t) => t.key)]);
    if (keys.size > MAX_TAGS_PER_RESOURCE) {
      throw new Ec2ApiError('TagLimitExceeded', `A resource may have at most ${MAX_TAGS_PER_RESOURCE} tags.`);
    }
  }
  for (const map of maps) for (const t of tags) map.set(t.key, t.value ?? '');
}

/** A tag given with a value is deleted only if the value matches, as EC2 does. */
export function deleteTags(store: Ec2Store, resourceIds: readonly string[], tags: readonly TagInput[]): void {
  const maps = resourceIds.map((id) => tagsOf(store, id));
  for (const map of maps) {
    if (tags.length === 0) map.clear();
    for (const t of tags) {
      if (t.value === undefined || map.get(t.key) === t.value) map.delete(t.key);
    }
  }
}

export function tagMapOf(tags: readonly TagInput[]): TagMap {
  validateTags(tags);
  return new Map(tags.map((t) => [t.key, t.value ?? '']));
}
