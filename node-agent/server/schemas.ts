/** Validation of the plugin's requests, so a malformed body is a clear 400 and changes nothing. */
import { z } from 'zod';
import { isIpv4 } from '../../core/net/ipv4';

const ifName = z
  .string()
  .min(1)
  .max(15)
  .regex(/^[^/:\s]+$/, 'must be 1 to 15 characters without /, : or whitespace')
  .refine((n) => n !== '.' && n !== '..', 'must not be . or ..');

// Paths and names end up in `ip -batch` lines: whitespace would split or inject commands.
const netnsPath = z
  .string()
  .max(4096)
  .regex(/^(\/\S*)?$/, 'must be empty or an absolute path without whitespace');

const identity = {
  containerId: z.string().min(1).max(256),
  ifName,
  netns: netnsPath,
  podNamespace: z.string().min(1).max(253),
  podName: z.string().min(1).max(253),
  infraContainerId: z.string().max(256).optional(),
};

const previous = z.object({
  hostIfName: ifName.optional(),
  hostMac: z.string().optional(),
  podMac: z.string().optional(),
  ip: z.string().refine(isIpv4, 'must be a dotted IPv4 address').optional(),
  sandbox: z.string().optional(),
});

export const AddRequestSchema = z.object({
  ...identity,
  netns: netnsPath.refine((p) => p !== '', 'is required for ADD'),
  mtu: z.number().int().min(576).max(9001).optional(),
});

export const DelRequestSchema = z.object({ ...identity, previous: previous.optional() });

export const CheckRequestSchema = z.object({ ...identity, previous });

export const GcRequestSchema = z.object({
  validAttachments: z.array(z.object({ containerId: z.string().min(1), ifName })).max(100_000),
});

/** "field: problem" for each issue, naming the value where there is one. */
export function describeIssues(error: z.ZodError, body: unknown): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      const value = issue.path.reduce<unknown>(
        (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
        body,
      );
      return `${path || 'body'}=${JSON.stringify(value) ?? 'missing'}: ${issue.message}`;
    })
    .join('; ');
}
