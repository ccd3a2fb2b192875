/**
 * Names of everything the fabric creates. Namespaces carry the fabric's prefix so that
 * parallel fabrics (jest workers, a demo next to a test) never collide; links live only inside
 * those namespaces, so their names need to be unique per namespace only.
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../../core/errors';

/** Linux's IFNAMSIZ is 16 including the terminating NUL. */
export const MAX_INTERFACE_NAME = 15;

const PREFIX_PATTERN = /^[a-z][a-z0-9-]{0,23}$/;

export function validateFabricPrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new InvalidInputError(
      'prefix',
      prefix,
      'a namespace name prefix of 1-24 characters: a lower-case letter, then letters, digits or "-"',
    );
  }
  return prefix;
}

export interface FabricNames {
  readonly prefix: string;
  readonly router: string;
  readonly outside: string;
  node(instanceId: string): string;
  /** Whether a namespace name belongs to this fabric (for cleanup after a crash). */
  owns(namespace: string): boolean;
  /** The instance whose namespace this is, if it is one of this fabric's instance namespaces. */
  instanceOf(namespace: string): string | undefined;
}

export function fabricNames(prefix: string): FabricNames {
  validateFabricPrefix(prefix);
  return {
    prefix,
    router: `${prefix}-vpc`,
    outside: `${prefix}-out`,
    node: (instanceId) => `${prefix}-${instanceId}`,
    owns: (namespace) => namespace.startsWith(`${prefix}-`),
    instanceOf: (namespace) => {
      const rest = namespace.startsWith(`${prefix}-`) ? namespace.slice(prefix.length + 1) : '';
      return /^i-[0-9a-f]+$/.test(rest) ? rest : undefined;
    },
  };
}

/** The router's side of the link to the outside namespace, and the outside's own side. */
export const OUTSIDE_ROUTER_LINK = 'outside';
export const OUTSIDE_LINK = 'eth0';

/** How an instance sees the ENI at a device index, as on EC2's Linux images. */
export function instanceLinkName(deviceIndex: number): string {
  return `eth${deviceIndex}`;
}

const ENI_ID_PATTERN = /^eni-[0-9a-f]{8,17}$/;

/**
 * The router's side of an ENI's link. It keeps the tail of the ENI id so that a person
 * reading `ip -n <prefix>-vpc link` can tell which ENI a link is; ids of another shape are hashed.
 */
export function routerLinkName(eniId: string): string {
  const tail = ENI_ID_PATTERN.test(eniId)
    ? eniId.slice(-11)
    : createHash('sha256').update(eniId).digest('hex').slice(0, 11);
  return `eni-${tail}`;
}
