/**
 * Builds the control plane's dependencies from the Lambda environment (core/contract/
 * lambda-env.ts), once per module: the Lambdas call it at import time, never per request.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { LAMBDA_ENV } from '../../core/contract/lambda-env';
import { type ControlPlaneContext, createControlPlaneEc2 } from '../../core/ec2';
import { InvalidInputError } from '../../core/errors';
import { type ClusterConfig, ledgerOf } from '../../core/ledger';
import { createLogger } from './logger';

export type Env = Readonly<Record<string, string | undefined>>;

export function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new InvalidInputError(name, env[name] ?? '', 'a non-empty value (set by the stack)');
  return value;
}

export function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const CustomNetworkConfigs = z.record(
  z.string().min(1),
  z
    .object({
      subnetId: z.string().regex(/^subnet-/),
      securityGroups: z.array(z.string().regex(/^sg-/)).min(1).max(16),
    })
    .strict(),
);

export function clusterConfigFromEnv(env: Env): ClusterConfig {
  const raw = env[LAMBDA_ENV.customNetworkConfigs];
  let customNetworkConfigs: ClusterConfig['customNetworkConfigs'] = {};
  if (raw?.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const checked = CustomNetworkConfigs.safeParse(parsed);
    if (!checked.success) {
      throw new InvalidInputError(
        LAMBDA_ENV.customNetworkConfigs,
        raw,
        'JSON such as {"us-east-1a": {"subnetId": "subnet-…", "securityGroups": ["sg-…"]}}',
      );
    }
    customNetworkConfigs = checked.data;
  }
  const subnetIds = list(env, LAMBDA_ENV.subnetIds);
  const carve = env[LAMBDA_ENV.carvePrefixes]?.trim() || 'true';
  if (carve !== 'true' && carve !== 'false')
    throw new InvalidInputError(LAMBDA_ENV.carvePrefixes, carve, 'true or false');
  return {
    clusterName: required(env, LAMBDA_ENV.clusterName),
    vpcId: required(env, LAMBDA_ENV.vpcId),
    ...(subnetIds.length ? { subnetIds } : {}),
    customNetworkConfigs,
    coolingSeconds: 30,
    carvePrefixes: carve === 'true',
  };
}

export function contextFromEnv(env: Env, service: string): ControlPlaneContext {
  const region = env.AWS_REGION ?? 'us-east-1';
  const dynamodb = new DynamoDBClient({ region, endpoint: env[LAMBDA_ENV.dynamodbEndpoint] || undefined });
  const grace = Number(env[LAMBDA_ENV.leakGraceSeconds] ?? 300);
  const ledger = ledgerOf(dynamodb, required(env, LAMBDA_ENV.tableName));
  return {
    ledger,
    // Every concurrent container of every function draws on one EC2 budget in the ledger.
    ec2: createControlPlaneEc2({
      region,
      endpoint: env[LAMBDA_ENV.ec2Endpoint] || undefined,
      sharedBudget: ledger,
    }),
    config: clusterConfigFromEnv(env),
    log: createLogger(service),
    leakGraceSeconds: Number.isFinite(grace) && grace >= 0 ? grace : 300,
  };
}
