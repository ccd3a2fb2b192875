/**
 * Verifies SigV4 signatures as API Gateway's IAM authorizer does: the signature is
 * recomputed from the secret that belongs to the access key, never trusted from the
 * request. Any mismatch, unknown key, missing token, expired credentials or stale date is
 * a 403 with API Gateway's own message, so clients see the same answers as in AWS.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface IssuedCredentials {
  secretAccessKey: string;
  sessionToken?: string;
  arn: string;
  roleName: string;
  sessionName: string;
  expiration: Date | string;
}

/** What the verifier needs from LocalIam: the secret and identity behind an access key. */
export interface CredentialLookup {
  lookup(accessKeyId: string): IssuedCredentials | undefined;
}

export interface IncomingSigned {
  method: string;
  /** Path as sent on the wire, without the query string. */
  path: string;
  query: Record<string, string | string[]>;
  /** Header names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface VerifiedCaller {
  accessKeyId: string;
  arn: string;
  roleName: string;
  sessionName: string;
}

export type Verification =
  | { ok: true; caller: VerifiedCaller }
  | { ok: false; status: 401 | 403; message: string };

const MAX_SKEW_MS = 5 * 60_000;
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.';
const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export async function verifySigV4(
  req: IncomingSigned,
  iam: CredentialLookup,
  now: Date = new Date(),
): Promise<Verification> {
  const authorization = header(req.headers, 'authorization');
  if (!authorization) return deny(401, 'Missing Authentication Token');
  const m = AUTH_PATTERN.exec(authorization);
  if (!m) return deny(403, 'Authorization header requires Credential, SignedHeaders and Signature');
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = m as unknown as string[];
  if (service !== 'execute-api')
    return deny(403, `Credential should be scoped to correct service: 'execute-api'.`);
  const amzDate = header(req.headers, 'x-amz-date');
  const signingDate = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!signingDate || !amzDate?.startsWith(scopeDate))
    return deny(403, 'X-Amz-Date is missing or does not match the credential scope');
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_SKEW_MS) return deny(403, 'Signature expired');
  const issued = iam.lookup(accessKeyId);
  if (!issued) return deny(403, 'The security token included in the request is invalid.');
  if (new Date(issued.expiration).getTime() <= now.getTime())
    return deny(403, 'The security token included in the request is expired');
  if (issued.sessionToken && header(req.headers, 'x-amz-security-token') !== issued.sessionToken)
    return deny(403, 'The security token included in the request is invalid.');
  const signedNames = signedHeaderList.split(';');
  if (!signedNames.includes('host')) return deny(403, 'The host header must be signed');
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    const value = header(req.headers, name);
    if (value === undefined) return deny(403, `Signed header ${name} is missing from the request`);
    headers[name] = value;
  }
  // The signer trusts x-amz-content-sha256 as the payload's hash; it must match the body received.
  const claimedHash = headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(req.body).digest('hex')) {
    return deny(403, MISMATCH);
  }
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken },
    sha256: Sha256,
  });
  const expected = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: headers.host,
      path: req.path,
      query: req.query,
      headers,
      body: req.body,
    },
    { signingDate },
  );
  const expectedSignature =
    /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1] ?? '';
  if (!sameText(expectedSignature, signature)) {
    return deny(403, MISMATCH);
  }
  return {
    ok: true,
    caller: { accessKeyId, arn: issued.arn, roleName: issued.roleName, sessionName: issued.sessionName },
  };
}

function deny(status: 401 | 403, message: string): Verification {
  return { ok: false, status, message };
}

function header(headers: IncomingSigned['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
