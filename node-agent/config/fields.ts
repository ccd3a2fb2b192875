/** Readers for the agent's variables whose rules are more than a type and a range. */
import type { EnvReader } from '../../core/config/env-reader';
import { isReservedTagKey } from '../../core/contract/tags';
import { LOG_LEVELS, type LogDestination, type LogLevel } from './types';

const RESERVED_VETH_PREFIXES = ['eth', 'vlan', 'lo'];

/** AWS_VPC_K8S_CNI_VETHPREFIX: at most 4 characters, and not a prefix the kernel or EC2 uses. */
export function readVethPrefix(env: EnvReader): string {
  const name = 'AWS_VPC_K8S_CNI_VETHPREFIX';
  const value = env.string(name, 'eni');
  const allowed = '1 to 4 letters, digits, - or _, and not eth, vlan or lo';
  if (!/^[A-Za-z0-9_-]{1,4}$/.test(value) || RESERVED_VETH_PREFIXES.includes(value)) {
    env.fail(name, value, allowed);
    return 'eni';
  }
  return value;
}

export function readLogLevel(env: EnvReader, name: string): LogLevel {
  return env.oneOf(name, LOG_LEVELS, 'debug', false);
}

/**
 * A log destination. The agent's may be stdout; the plugin's may not, because the plugin's
 * stdout carries its CNI result, and an empty value means stderr (the upstream convention).
 */
export function readLogDestination(
  env: EnvReader,
  name: string,
  fallback: string,
  allowStdout: boolean,
): LogDestination {
  // Only the plugin's variable treats an empty value as stderr; for the agent's, empty is unset.
  const given = allowStdout ? env.raw(name) : env.rawUntrimmed(name);
  const value = given === undefined ? fallback : given.trim();
  if (value === '' || value === 'stderr') return 'stderr';
  if (value === 'stdout' && allowStdout) return 'stdout';
  if (value.startsWith('/') && !value.includes('\0')) return { file: value };
  env.fail(
    name,
    value,
    allowStdout ? 'stdout, stderr or an absolute file path' : 'stderr or an absolute file path',
  );
  return 'stderr';
}

const TAG_KEY_MAX = 127;
const TAG_VALUE_MAX = 255;

/**
 * ADDITIONAL_ENI_TAGS: a JSON object of string values. Reserved keys are dropped with a
 * warning, as the AWS VPC CNI ignores them; anything else wrong stops the agent.
 */
export function readAdditionalEniTags(env: EnvReader): Record<string, string> {
  const name = 'ADDITIONAL_ENI_TAGS';
  const value = env.raw(name);
  if (value === undefined) return {};
  const allowed = `a JSON object of string values such as {"team":"payments"}; keys 1-${TAG_KEY_MAX} characters, values at most ${TAG_VALUE_MAX}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    env.fail(name, value, allowed);
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    env.fail(name, value, allowed);
    return {};
  }
  const tags: Record<string, string> = {};
  for (const [key, tagValue] of Object.entries(parsed)) {
    if (
      typeof tagValue !== 'string' ||
      key.length < 1 ||
      key.length > TAG_KEY_MAX ||
      tagValue.length > TAG_VALUE_MAX
    ) {
      env.fail(name, value, `${allowed} (tag ${JSON.stringify(key)} is not)`);
      return {};
    }
    if (isReservedTagKey(key)) {
      env.warn(`ADDITIONAL_ENI_TAGS: tag ${JSON.stringify(key)} uses a reserved prefix and is ignored`);
      continue;
    }
    tags[key] = tagValue;
  }
  return tags;
}

const NETNS_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function readHostNetns(env: EnvReader): string {
  const name = 'LEDGER_HOST_NETNS';
  const value = env.string(name, '');
  if (value === '') return '';
  if (!NETNS_NAME.test(value) || value === '.' || value === '..') {
    env.fail(
      name,
      value,
      'empty (the agent’s own namespace) or a network namespace name of 1-64 letters, digits, _ . -',
    );
    return '';
  }
  return value;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function readRegion(env: EnvReader): string | undefined {
  const name = 'LEDGER_API_REGION';
  const value = env.raw(name);
  if (value === undefined) return undefined;
  if (!REGION.test(value)) {
    env.fail(
      name,
      value,
      'an AWS region such as eu-west-1 (unset: the region of the node’s availability zone)',
    );
    return undefined;
  }
  return value;
}

export function readApiEndpoint(env: EnvReader): string {
  const name = 'LEDGER_API_ENDPOINT';
  if (env.raw(name) === undefined) {
    env.fail(
      name,
      '',
      'required: the control plane API URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com',
    );
    return '';
  }
  return env.optionalUrl(name) ?? '';
}
