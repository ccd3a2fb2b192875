import { randomBytes } from 'node:crypto';

/** IMDSv2 session tokens: TTL of 1 to 21600 seconds, as the real service accepts. */
export const MIN_TOKEN_TTL_SECONDS = 1;
export const MAX_TOKEN_TTL_SECONDS = 21_600;

export class TokenStore {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The TTL header's value, or undefined when it is missing or out of range. */
  static parseTtl(header: string | string[] | undefined): number | undefined {
    const text = Array.isArray(header) ? header[0] : header;
    if (text === undefined || !/^\d+$/.test(text)) return undefined;
    const ttl = Number(text);
    return ttl >= MIN_TOKEN_TTL_SECONDS && ttl <= MAX_TOKEN_TTL_SECONDS ? ttl : undefined;
  }

  issue(ttlSeconds: number): string {
    this.forgetExpired();
    const token = randomBytes(32).toString('base64url');
    this.expiries.set(token, this.now() + ttlSeconds * 1000);
    return token;
  }

  isValid(token: string | string[] | undefined): boolean {
    if (typeof token !== 'string') return false;
    const expiry = this.expiries.get(token);
    return expiry !== undefined && expiry > this.now();
  }

  private forgetExpired(): void {
    const t = this.now();
    for (const [token, expiry] of this.expiries) if (expiry <= t) this.expiries.delete(token);
  }
}
