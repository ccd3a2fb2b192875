/**
 * ledgerctl: the operator's view of a cluster's ledger, against the control plane's API in
 * AWS or in local mode, signed with the caller's own credentials (the SDK's default chain).
 */
import { parseArgs } from 'node:util';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { ApiClient } from '../../../core/api-client';
import { INSTANCE_ID } from '../../../core/contract/api';
import { isIpv4 } from '../../../core/net/ipv4';
import { renderIp, renderNode, renderNodes, renderSubnets } from './render';

export const USAGE = `usage: ledgerctl <command> [--endpoint URL] [--region REGION] [--json]

commands:
  subnets            capacity per subnet: EC2 free, leased, used by pods, cooling, idle
  nodes              every registered node with its ENIs, leases and pods
  node <instance-id> one node's ENIs, addresses and pods
  ip <address>       which node, ENI and pod hold an address

--endpoint defaults to $LEDGER_API_ENDPOINT, --region to $LEDGER_API_REGION or $AWS_REGION.`;

export class UsageError extends Error {}

export interface CliContext {
  argv: string[];
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  client?: ApiClient;
}

export async function runLedgerctl(ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: ctx.argv,
    allowPositionals: true,
    options: {
      endpoint: { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg] = positionals;
  if (values.help || command === undefined) {
    ctx.out(USAGE);
    return values.help ? 0 : 2;
  }
  const client =
    ctx.client ?? clientFrom(values.endpoint ?? ctx.env.LEDGER_API_ENDPOINT, values.region, ctx.env);
  const show = (data: unknown, text: () => string) =>
    ctx.out(values.json ? JSON.stringify(data, null, 2) : text());

  switch (command) {
    case 'subnets': {
      const { subnets } = await client.subnetCapacity();
      show({ subnets }, () => renderSubnets(subnets));
      return 0;
    }
    case 'nodes': {
      const list = await client.listNodes();
      show(list, () => renderNodes(list));
      return 0;
    }
    case 'node': {
      if (arg === undefined || !INSTANCE_ID.test(arg))
        throw new UsageError(
          `node needs an instance id such as i-0123456789abcdef0, got ${JSON.stringify(arg)}`,
        );
      const node = await client.getNode(arg);
      show(node, () => renderNode(node));
      return 0;
    }
    case 'ip': {
      if (arg === undefined || !isIpv4(arg))
        throw new UsageError(`ip needs a dotted IPv4 address such as 10.0.1.17, got ${JSON.stringify(arg)}`);
      const found = await client.lookupIp(arg);
      show(found, () => renderIp(found));
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}: one of subnets, nodes, node, ip`);
  }
}

function clientFrom(
  endpoint: string | undefined,
  region: string | undefined,
  env: NodeJS.ProcessEnv,
): ApiClient {
  if (!endpoint) throw new UsageError('no API endpoint: pass --endpoint or set LEDGER_API_ENDPOINT');
  const resolvedRegion = region ?? env.LEDGER_API_REGION ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!resolvedRegion)
    throw new UsageError('no region: pass --region or set LEDGER_API_REGION or AWS_REGION');
  return new ApiClient({ endpoint, region: resolvedRegion, credentials: fromNodeProviderChain() });
}
