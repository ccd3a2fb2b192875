/**
 * The plugin's log: never stdout (the runtime reads the result there). A file by default,
 * stderr when asked or when the file cannot be opened; one JSON object per line.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export const DEFAULT_LOG_FILE = '/var/log/ledger-cni/plugin.log';

const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, FATAL: 50 } as const;
type Level = keyof typeof LEVELS;

/** True for the level names AWS_VPC_K8S_PLUGIN_LOG_LEVEL accepts, in any case. */
export function isLogLevel(name: string): boolean {
  return Object.hasOwn(LEVELS, name.toUpperCase());
}

export interface PluginLog {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLog(
  destination: string | undefined,
  levelName: string | undefined,
  writeStderr: (text: string) => void,
): PluginLog {
  const level = LEVELS[(levelName ?? 'DEBUG').toUpperCase() as Level] ?? LEVELS.DEBUG;
  let file = destination ?? DEFAULT_LOG_FILE;
  // An empty value means stderr, as upstream Kubernetes practice has it; stdout is never allowed.
  if (file === '' || file === 'stdout') file = 'stderr';
  const write = (text: string) => {
    if (file !== 'stderr') {
      try {
        mkdirSync(dirname(file), { recursive: true });
        appendFileSync(file, text);
        return;
      } catch {
        file = 'stderr';
      }
    }
    writeStderr(text);
  };
  const at =
    (name: Level) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (LEVELS[name] < level) return;
      write(
        `${JSON.stringify({ time: new Date().toISOString(), level: name.toLowerCase(), msg, ...fields })}\n`,
      );
    };
  return { debug: at('DEBUG'), info: at('INFO'), warn: at('WARN'), error: at('ERROR') };
}
