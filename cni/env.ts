/** The CNI_* environment of one invocation, validated per command as the spec requires. */
import { invalidEnv } from './errors';

export const COMMANDS = {
  add: 'ADD',
  del: 'DEL',
  check: 'CHECK',
  status: 'STATUS',
  gc: 'GC',
  version: 'VERSION',
} as const;
export type CniCommand = (typeof COMMANDS)[keyof typeof COMMANDS];

export interface CniEnv {
  command: CniCommand;
  containerId: string;
  netns: string;
  ifName: string;
  podNamespace: string;
  podName: string;
  infraContainerId?: string;
  cniPath: string[];
}

const KNOWN_ARGS = [
  'IgnoreUnknown',
  'K8S_POD_NAMESPACE',
  'K8S_POD_NAME',
  'K8S_POD_INFRA_CONTAINER_ID',
  'K8S_POD_UID',
];
const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function parseCommand(value: string | undefined): CniCommand {
  const command = Object.values(COMMANDS).find((c) => c === value);
  if (command === undefined) invalidEnvThrow('CNI_COMMAND', value, Object.values(COMMANDS).join(', '));
  return command as CniCommand;
}

function invalidEnvThrow(name: string, value: string | undefined, allowed: string): never {
  throw invalidEnv(name, value, allowed);
}

export function validIfName(name: string): boolean {
  return name.length > 0 && name.length <= 15 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

/** `K=V;K=V`; unknown keys are an error unless IgnoreUnknown is 1 or true. */
export function parseCniArgs(text: string | undefined): Map<string, string> {
  const args = new Map<string, string>();
  if (text === undefined || text === '') return args;
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    if (at <= 0) invalidEnvThrow('CNI_ARGS', text, 'KEY=VALUE pairs separated by ;');
    args.set(pair.slice(0, at), pair.slice(at + 1));
  }
  const ignoreUnknown = ['1', 'true'].includes((args.get('IgnoreUnknown') ?? '').toLowerCase());
  const unknown = [...args.keys()].filter((k) => !KNOWN_ARGS.includes(k));
  if (unknown.length > 0 && !ignoreUnknown) {
    invalidEnvThrow(
      'CNI_ARGS',
      text,
      `unknown keys ${unknown.join(', ')}; known are ${KNOWN_ARGS.join(', ')}, or set IgnoreUnknown=1`,
    );
  }
  return args;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') invalidEnvThrow(name, value, 'required for this command');
  return value;
}

/** Reads and checks the variables the command needs; STATUS, GC and VERSION need none. */
export function parseEnv(env: NodeJS.ProcessEnv, command: CniCommand): CniEnv {
  const base: CniEnv = {
    command,
    containerId: '',
    netns: '',
    ifName: '',
    podNamespace: '',
    podName: '',
    cniPath: [],
  };
  if (command !== COMMANDS.add && command !== COMMANDS.del && command !== COMMANDS.check) return base;
  const containerId = required(env, 'CNI_CONTAINERID');
  if (!CONTAINER_ID.test(containerId)) {
    invalidEnvThrow('CNI_CONTAINERID', containerId, 'letters, digits, _ . - starting with a letter or digit');
  }
  const ifName = required(env, 'CNI_IFNAME');
  if (!validIfName(ifName)) {
    invalidEnvThrow('CNI_IFNAME', ifName, '1 to 15 characters, not . or .., without /, : or whitespace');
  }
  // DEL may come with no netns: the sandbox is already gone (containerd's ctr sends it so).
  const netns = command === COMMANDS.del ? (env.CNI_NETNS ?? '') : required(env, 'CNI_NETNS');
  if (netns !== '' && !/^\/\S*$/.test(netns))
    invalidEnvThrow('CNI_NETNS', netns, 'an absolute path without whitespace');
  const cniPath = required(env, 'CNI_PATH')
    .split(':')
    .filter((p) => p !== '');
  const args = parseCniArgs(env.CNI_ARGS);
  // Without Kubernetes (podman, ctr) there is no pod name: the container id stands in for it.
  return {
    command,
    containerId,
    netns,
    ifName,
    podNamespace: args.get('K8S_POD_NAMESPACE') || 'default',
    podName: args.get('K8S_POD_NAME') || containerId,
    infraContainerId: args.get('K8S_POD_INFRA_CONTAINER_ID') || undefined,
    cniPath,
  };
}
