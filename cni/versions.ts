/** The CNI spec versions this plugin speaks, and which commands each one has. */
export const SUPPORTED_VERSIONS = ['0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

export const LATEST_VERSION: CniVersion = '1.1.0';

export function isSupportedVersion(version: string): version is CniVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(version);
}

/** STATUS and GC arrived in 1.1.0; a runtime speaking an older version never sends them. */
export function hasStatusAndGc(version: CniVersion): boolean {
  return version === '1.1.0';
}
