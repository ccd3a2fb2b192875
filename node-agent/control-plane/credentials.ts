/**
 * The node's AWS credentials: static keys from the environment when they are set, otherwise
 * the instance role's from IMDSv2 (at AWS_EC2_METADATA_SERVICE_ENDPOINT when set, as local
 * mode does). Not the SDK's whole default chain: a node has no profile, SSO session, token
 * file or credential process to consult, and loading those providers cost the agent about
 * 4 MiB of RSS (bench/agent-memory).
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { chain, memoize } from '@smithy/core/config';
import { fromInstanceMetadata } from '@smithy/credential-provider-imds';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Instance-role credentials are renewed this long before they expire, as the SDK's chain does. */
const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

export function nodeCredentials(): AwsCredentialIdentityProvider {
  return memoize<AwsCredentialIdentity>(
    chain(fromEnv(), fromInstanceMetadata()),
    (c) => c.expiration !== undefined && c.expiration.getTime() - Date.now() < RENEW_BEFORE_EXPIRY_MS,
    (c) => c.expiration !== undefined,
  );
}
