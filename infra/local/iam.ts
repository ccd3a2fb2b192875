import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../../core/errors';

/**
 * Local stand-in for STS-issued instance-role credentials: the IMDS simulator hands them to
 * a simulated node, and the local API host looks them up to verify SigV4 signatures and
 * learn which role and instance (session name) signed a request.
 */

export interface RoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface IssuedRoleCredentials extends RoleCredentials {
  /** arn:aws:sts::<account>:assumed-role/<role>/<session>, as GetCallerIdentity reports it. */
  readonly arn: string;
  readonly roleName: string;
  readonly sessionName: string;
}

export const DEFAULT_ACCOUNT_ID = '111122223333';
/** STS's limits on role session durations. */
const MIN_TTL_SECONDS = 900;
const MAX_TTL_SECONDS = 43_200;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** Characters of STS access key ids after the ASIA prefix (temporary credentials). */
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function accessKeyId(): string {
  const bytes = randomBytes(16);
  return `ASIA${[...bytes].map((b) => KEY_ALPHABET[b % KEY_ALPHABET.length]).join('')}`;
}

export class LocalIam {
  private readonly issued = new Map<string, IssuedRoleCredentials>();

  constructor(readonly accountId: string = DEFAULT_ACCOUNT_ID) {
    if (!/^\d{12}$/.test(accountId)) throw new InvalidInputError('accountId', accountId, 'twelve digits');
  }

  issueRoleCredentials(roleName: string, sessionName: string, ttlSeconds = 3600): IssuedRoleCredentials {
    if (!ROLE_NAME.test(roleName)) {
      throw new InvalidInputError('roleName', roleName, '1-64 characters of letters, digits and +=,.@_-');
    }
    if (!SESSION_NAME.test(sessionName)) {
      throw new InvalidInputError(
        'sessionName',
        sessionName,
        '2-64 characters of letters, digits and +=,.@_-',
      );
    }
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_TTL_SECONDS || ttlSeconds > MAX_TTL_SECONDS) {
      throw new InvalidInputError(
        'ttlSeconds',
        ttlSeconds,
        `an integer from ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS}`,
      );
    }
    const credentials: IssuedRoleCredentials = {
      accessKeyId: accessKeyId(),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(96).toString('base64'),
      // STS reports expirations to the second.
      expiration: new Date(Math.floor(Date.now() / 1000 + ttlSeconds) * 1000),
      arn: `arn:aws:sts::${this.accountId}:assumed-role/${roleName}/${sessionName}`,
      roleName,
      sessionName,
    };
    this.issued.set(credentials.accessKeyId, credentials);
    return credentials;
  }

  /** Credentials issued under this key id, expired ones included: the verifier decides what expiry means. */
  lookup(accessKeyId: string): IssuedRoleCredentials | undefined {
    return this.issued.get(accessKeyId);
  }

  /** Forgets a key, as if the role session were revoked. */
  revoke(accessKeyId: string): boolean {
    return this.issued.delete(accessKeyId);
  }
}
