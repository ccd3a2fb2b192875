/** The network configuration on stdin, checked by hand: the plugin bundle carries no schema library. */
import { DEFAULT_AGENT_SOCKET } from '../core/contract/agent-socket';
import { validIfName } from './env';
import { CNI_CODES, CniError, invalidConfig } from './errors';
import { isLogLevel } from './log';
import { type CniVersion, isSupportedVersion, SUPPORTED_VERSIONS } from './versions';

export interface NetConf {
  cniVersion: CniVersion;
  name: string;
  type: string;
  mtu?: number;
  agentSocket: string;
  pluginLogFile?: string;
  pluginLogLevel?: string;
  prevResult?: Record<string, unknown>;
  /** GC's list of attachments to keep; undefined when the runtime sent none. */
  validAttachments?: { containerId: string; ifName: string }[];
}

const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function optionalString(raw: Record<string, unknown>, field: string, allowed: string): string | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidConfig(field, value, allowed);
  return value;
}

export function decodeJson(stdin: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (error) {
    throw new CniError(CNI_CODES.decodeFailure, 'network config on stdin is not valid JSON', String(error));
  }
  if (!isObject(raw))
    throw new CniError(CNI_CODES.decodeFailure, 'network config on stdin is not a JSON object');
  return raw;
}

/** Reads the version first so every later error can be reported in the runtime's version. */
export function versionOf(raw: Record<string, unknown>): CniVersion {
  const version = raw.cniVersion;
  if (typeof version !== 'string' || version === '') {
    throw invalidConfig('cniVersion', version, `one of ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  if (!isSupportedVersion(version)) {
    throw new CniError(
      CNI_CODES.incompatibleVersion,
      `cniVersion ${JSON.stringify(version)} is not supported: this plugin speaks ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  }
  return version;
}

export const VALID_ATTACHMENTS_KEY = 'cni.dev/valid-attachments';
/** The key CNI 1.1.0 as first published named the list; libcni sends both. */
const SPEC_1_1_0_ATTACHMENTS_KEY = 'cni.dev/attachments';

function parseValidAttachments(raw: Record<string, unknown>): NetConf['validAttachments'] {
  const field = raw[VALID_ATTACHMENTS_KEY] !== undefined ? VALID_ATTACHMENTS_KEY : SPEC_1_1_0_ATTACHMENTS_KEY;
  const list = raw[field];
  if (list === undefined) return undefined;
  const allowed =
    'an array of {"containerID": non-empty string, "ifname": 1 to 15 characters, not . or .., without /, : or whitespace}';
  if (!Array.isArray(list)) throw invalidConfig(field, list, allowed);
  return list.map((entry) => {
    if (
      !isObject(entry) ||
      typeof entry.containerID !== 'string' ||
      entry.containerID === '' ||
      typeof entry.ifname !== 'string' ||
      !validIfName(entry.ifname)
    ) {
      throw invalidConfig(field, entry, allowed);
    }
    return { containerId: entry.containerID, ifName: entry.ifname };
  });
}

/** A path, "stderr", or "" for stderr as well; anything but a string is refused. */
function pluginLogFile(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidConfig('pluginLogFile', value, 'a file path, or "stderr"');
  return value;
}

function logLevel(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !isLogLevel(value)) {
    throw invalidConfig('pluginLogLevel', value, 'DEBUG, INFO, WARN, ERROR or FATAL');
  }
  return value;
}

export function parseConfig(raw: Record<string, unknown>): NetConf {
  const cniVersion = versionOf(raw);
  const name = raw.name;
  if (typeof name !== 'string' || !NETWORK_NAME.test(name)) {
    throw invalidConfig('name', name, 'letters, digits, _ . - starting with a letter or digit');
  }
  const type = raw.type;
  if (typeof type !== 'string' || type === '') throw invalidConfig('type', type, 'the plugin binary name');
  const mtu = raw.mtu;
  if (mtu !== undefined && (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 576 || mtu > 9001)) {
    throw invalidConfig('mtu', mtu, 'an integer from 576 to 9001');
  }
  const agentSocket = optionalString(raw, 'agentSocket', 'an absolute path to the node agent socket');
  if (agentSocket !== undefined && !agentSocket.startsWith('/')) {
    throw invalidConfig('agentSocket', agentSocket, 'an absolute path to the node agent socket');
  }
  const prevResult = raw.prevResult;
  if (prevResult !== undefined && !isObject(prevResult)) {
    throw invalidConfig('prevResult', prevResult, 'a CNI result object');
  }
  return {
    cniVersion,
    name,
    type,
    mtu: mtu as number | undefined,
    agentSocket: agentSocket ?? DEFAULT_AGENT_SOCKET,
    pluginLogFile: pluginLogFile(raw.pluginLogFile),
    pluginLogLevel: logLevel(raw.pluginLogLevel),
    prevResult,
    validAttachments: parseValidAttachments(raw),
  };
}
