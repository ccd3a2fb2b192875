/**
 * Typed reads of environment variables that collect every mistake instead of stopping at
 * the first, so a daemon that refuses to start lists all that is wrong in one message.
 * Booleans follow Go's strconv.ParseBool, as the AWS VPC CNI's variables do, so a value
 * copied from an aws-node manifest means the same here.
 */
import { InvalidInputError, LedgerError } from '../errors';
import { isCidr } from '../net/ipv4';

export type Env = Readonly<Record<string, string | undefined>>;

/** Every invalid variable at once; `issues` name the variable, the value and what is allowed. */
export class InvalidConfigError extends LedgerError {
  constructor(readonly issues: InvalidInputError[]) {
    super(
      `invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues
        .map((i) => `  - ${i.message}`)
        .join('\n')}`,
    );
  }
}

const TRUE_WORDS = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE_WORDS = ['0', 'f', 'F', 'FALSE', 'false', 'False'];
const BOOL_ALLOWED = 'a boolean (true/false, 1/0, t/f, TRUE/FALSE, True/False)';

export class EnvReader {
  readonly issues: InvalidInputError[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly env: Env) {}

  /** The raw value; an empty string counts as unset, as it does for the AWS VPC CNI. */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  /** The value exactly as set, for variables where an empty string has a meaning of its own. */
  rawUntrimmed(name: string): string | undefined {
    return this.env[name];
  }

  isSet(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  fail(name: string, value: unknown, allowed: string): void {
    this.issues.push(new InvalidInputError(name, value, allowed));
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (TRUE_WORDS.includes(value)) return true;
    if (FALSE_WORDS.includes(value)) return false;
    this.fail(name, value, BOOL_ALLOWED);
    return fallback;
  }

  /** An integer in [min, max]; undefined when unset (or when invalid, after recording why). */
  optionalInt(name: string, min: number, max: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const allowed = `an integer from ${min} to ${max}`;
    if (!/^[+-]?\d+$/.test(value)) {
      this.fail(name, value, allowed);
      return undefined;
    }
    const n = Number(value);
    if (n < min || n > max) {
      this.fail(name, value, allowed);
      return undefined;
    }
    return n;
  }

  int(name: string, min: number, max: number, fallback: number): number {
    return this.optionalInt(name, min, max) ?? fallback;
  }

  oneOf<const T extends string>(name: string, choices: readonly T[], fallback: T, caseSensitive = true): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = choices.find((c) =>
      caseSensitive ? c === value : c.toLowerCase() === value.toLowerCase(),
    );
    if (match === undefined) this.fail(name, value, `one of ${choices.join(', ')}`);
    return match ?? fallback;
  }

  /** A comma-separated list of IPv4 CIDR blocks; blanks between commas are ignored. */
  cidrList(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const bad = items.filter((s) => !isCidr(s));
    if (bad.length > 0) {
      this.fail(
        name,
        value,
        `a comma-separated list of IPv4 CIDR blocks such as 10.0.0.0/16,192.168.0.0/24 (not valid: ${bad.join(', ')})`,
      );
      return [];
    }
    return items;
  }

  /** An http(s) URL; undefined when unset. */
  optionalUrl(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      this.fail(name, value, 'an http:// or https:// URL such as https://api.example.com');
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      this.fail(name, value, 'an http:// or https:// URL such as https://api.example.com');
      return undefined;
    }
    return value;
  }

  /** An absolute file system path. */
  absolutePath(name: string, fallback: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!value.startsWith('/') || value.includes('\0')) {
      this.fail(name, value, 'an absolute path such as /var/run/ledger-cni/agent.sock');
      return fallback;
    }
    return value;
  }

  /** Throws InvalidConfigError when anything read so far was invalid. */
  assertValid(): void {
    if (this.issues.length > 0) throw new InvalidConfigError(this.issues);
  }
}
