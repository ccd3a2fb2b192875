/** Listen addresses written as the AWS VPC CNI writes them: `host:port`, `:port`, or `unix:<path>`. */
import type { EnvReader } from '../../core/config/env-reader';
import { isIpv4 } from '../../core/net/ipv4';
import type { BindAddress } from './types';

const ALLOWED = 'host:port (IPv4 address or localhost, port 1-65535), :port, or unix:<absolute path>';

export function parseBindAddress(text: string): BindAddress | undefined {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length);
    return path.startsWith('/') && !path.includes('\0') ? { kind: 'unix', path } : undefined;
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return undefined;
  const host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65_535) return undefined;
  if (host !== '' && host !== 'localhost' && !isIpv4(host)) return undefined;
  return { kind: 'tcp', host: host === 'localhost' ? '127.0.0.1' : host, port };
}

export function formatBindAddress(bind: BindAddress): string {
  return bind.kind === 'unix' ? `unix:${bind.path}` : `${bind.host}:${bind.port}`;
}

export function readBindAddress(env: EnvReader, name: string, fallback: string): BindAddress {
  const value = env.string(name, fallback);
  const parsed = parseBindAddress(value);
  if (parsed === undefined) {
    env.fail(name, value, ALLOWED);
    return parseBindAddress(fallback)!;
  }
  return parsed;
}
