/**
 * The warm-pool knobs. A knob that is set keeps the AWS VPC CNI's meaning; when none is set
 * Ledger's defaults apply, because a lease from the control plane is one API call rather
 * than an ENI attach and so a much smaller idle pool refills as fast (README.md).
 */
import type { EnvReader } from '../../core/config/env-reader';
import type { WarmPoolConfig, WarmTargets } from './types';

/** Free addresses kept ready when no knob is set: enough for a burst while one lease call runs. */
export const DEFAULT_WARM_IP_TARGET = 5;
/** Addresses held from the start: a node's DaemonSets and first pods without a second call. */
export const DEFAULT_MINIMUM_IP_TARGET = 10;
export const DEFAULT_IP_COOLDOWN_SECONDS = 30;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const NON_POSITIVE_MEANS_UNSET = 'an integer (0 or less means unset)';

/** Reads an integer knob where the seeds say a non-positive value equals not setting it. */
function positiveOrUnset(env: EnvReader, name: string): number | undefined {
  const value = env.raw(name);
  if (value === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(value) || Number(value) < INT32_MIN || Number(value) > INT32_MAX) {
    env.fail(name, value, NON_POSITIVE_MEANS_UNSET);
    return undefined;
  }
  const n = Number(value);
  return n > 0 ? n : undefined;
}

export function readWarmPoolConfig(env: EnvReader): WarmPoolConfig {
  const prefixDelegation = env.bool('ENABLE_PREFIX_DELEGATION', false);
  const warmIp = positiveOrUnset(env, 'WARM_IP_TARGET');
  const minimumIp = positiveOrUnset(env, 'MINIMUM_IP_TARGET');
  const warmPrefix = positiveOrUnset(env, 'WARM_PREFIX_TARGET');
  const warmEni = env.optionalInt('WARM_ENI_TARGET', 0, INT32_MAX);
  const maxEni = positiveOrUnset(env, 'MAX_ENI');
  const ipCooldownSeconds = env.int('IP_COOLDOWN_PERIOD', 0, 86_400, DEFAULT_IP_COOLDOWN_SECONDS);
  const maxPods = env.optionalInt('LEDGER_MAX_PODS', 1, 65_535);

  if (warmPrefix !== undefined && !prefixDelegation) {
    env.warn('WARM_PREFIX_TARGET has no effect unless ENABLE_PREFIX_DELEGATION=true');
  }
  if (warmEni !== undefined && (warmIp !== undefined || minimumIp !== undefined)) {
    env.warn('WARM_ENI_TARGET is ignored because WARM_IP_TARGET or MINIMUM_IP_TARGET is set');
  }

  let targets: WarmTargets;
  let usesLedgerDefaults = false;
  if (warmIp !== undefined || minimumIp !== undefined) {
    targets = { rule: 'ip', warmIpTarget: warmIp ?? 0, minimumIpTarget: minimumIp ?? 0 };
  } else if (prefixDelegation && warmPrefix !== undefined) {
    targets = { rule: 'prefix', warmPrefixTarget: warmPrefix };
  } else if (warmEni !== undefined) {
    targets = { rule: 'eni', warmEniTarget: warmEni };
  } else {
    targets = {
      rule: 'ip',
      warmIpTarget: DEFAULT_WARM_IP_TARGET,
      minimumIpTarget: DEFAULT_MINIMUM_IP_TARGET,
    };
    usesLedgerDefaults = true;
  }
  return { targets, usesLedgerDefaults, prefixDelegation, maxEni, ipCooldownSeconds, maxPods };
}
