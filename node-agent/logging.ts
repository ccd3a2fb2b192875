/**
 * The agent's JSON logger: one object per line with time, level, message and fields, to
 * stdout, stderr or an append-only file (AWS_VPC_K8S_CNI_LOG_FILE), filtered by level
 * (AWS_VPC_K8S_CNI_LOGLEVEL). Writes are synchronous so the last lines before a crash or
 * a refused start are not lost.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogDestination, LogLevel } from './config/types';

export interface Logger {
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
  fatal(message: string, ...extra: unknown[]): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };

export interface LoggerOptions {
  level: LogLevel;
  destination: LogDestination;
  /** Fields on every line (e.g. instanceId once known). */
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = writerFor(options.destination);
  const min = RANK[options.level];
  const base = options.base ?? {};
  const log =
    (level: LogLevel) =>
    (message: string, ...extra: unknown[]): void => {
      if (RANK[level] < min) return;
      const line = { time: new Date().toISOString(), level, msg: message, ...base, ...fieldsOf(extra) };
      write(`${JSON.stringify(line, errorReplacer)}\n`);
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    fatal: log('fatal'),
  };
}

/** A logger that drops everything, for code paths and tests that need one but not its output. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  fatal: () => {},
};

function writerFor(destination: LogDestination): (text: string) => void {
  if (destination === 'stdout') return (text) => process.stdout.write(text);
  if (destination === 'stderr') return (text) => process.stderr.write(text);
  mkdirSync(dirname(destination.file), { recursive: true });
  return (text) => appendFileSync(destination.file, text);
}

function fieldsOf(extra: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  extra.forEach((item, i) => {
    if (item instanceof Error) fields.error = item;
    else if (item !== null && typeof item === 'object' && !Array.isArray(item)) Object.assign(fields, item);
    else if (item !== undefined) fields[`arg${i}`] = item;
  });
  return fields;
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
