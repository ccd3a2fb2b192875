import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidInputError } from '../../../core/errors';
import type { Ec2Model } from './model/ec2-model';
import type { TagMap } from './model/records';

/**
 * A repeatable setup (VPCs, subnets, security groups, instances) applied through the same
 * model operations the EC2 API uses. Resources are referred to by name within the file; each
 * gets a Name tag.
 */

const tagsSchema = z.record(z.string().min(1), z.string()).default({});

export const scenarioSchema = z.object({
  description: z.string().optional(),
  vpcs: z
    .array(
      z.object({
        name: z.string().min(1),
        cidrBlock: z.string(),
        tags: tagsSchema,
        subnets: z
          .array(
            z.object({
              name: z.string().min(1),
              cidrBlock: z.string(),
              availabilityZone: z.string().optional(),
              tags: tagsSchema,
            }),
          )
          .default([]),
        securityGroups: z
          .array(
            z.object({ name: z.string().min(1), description: z.string().default('local'), tags: tagsSchema }),
          )
          .default([]),
      }),
    )
    .default([]),
  instances: z
    .array(
      z.object({
        name: z.string().min(1),
        instanceType: z.string().default('m5.large'),
        subnet: z.string(),
        securityGroups: z.array(z.string()).default([]),
        count: z.number().int().min(1).default(1),
        imageId: z.string().default('ami-0local0000000000'),
        tags: tagsSchema,
      }),
    )
    .default([]),
});

export type Scenario = z.input<typeof scenarioSchema>;

/** Names in the scenario mapped to the ids EC2 gave them. */
export interface ScenarioResult {
  readonly vpcs: Record<string, string>;
  readonly subnets: Record<string, string>;
  readonly securityGroups: Record<string, string>;
  readonly instances: Record<string, string[]>;
}

export function parseScenario(raw: unknown, source = 'scenario'): z.output<typeof scenarioSchema> {
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidInputError(`${source}.${issue.path.join('.')}`, raw, issue.message);
  }
  return parsed.data;
}

export function loadScenarioFile(path: string): z.output<typeof scenarioSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidInputError('scenario', path, `a readable JSON file (${(error as Error).message})`);
  }
  return parseScenario(raw, path);
}

const withName = (name: string, tags: Record<string, string>): TagMap =>
  new Map([['Name', name], ...Object.entries(tags)]);

export function applyScenario(model: Ec2Model, input: Scenario): ScenarioResult {
  const scenario = parseScenario(input);
  const result: ScenarioResult = { vpcs: {}, subnets: {}, securityGroups: {}, instances: {} };
  for (const v of scenario.vpcs) {
    const vpc = model.createVpc({ cidrBlock: v.cidrBlock, tags: withName(v.name, v.tags) });
    result.vpcs[v.name] = vpc.vpcId;
    for (const s of v.subnets) {
      result.subnets[s.name] = model.createSubnet({
        vpcId: vpc.vpcId,
        cidrBlock: s.cidrBlock,
        availabilityZone: s.availabilityZone,
        tags: withName(s.name, s.tags),
      }).subnetId;
    }
    for (const g of v.securityGroups) {
      result.securityGroups[g.name] = model.createSecurityGroup({
        groupName: g.name,
        description: g.description,
        vpcId: vpc.vpcId,
        tags: withName(g.name, g.tags),
      }).groupId;
    }
  }
  for (const i of scenario.instances) {
    const subnetId = result.subnets[i.subnet];
    if (!subnetId)
      throw new InvalidInputError(
        `instances.${i.name}.subnet`,
        i.subnet,
        `one of ${Object.keys(result.subnets).join(', ')}`,
      );
    const groupIds = i.securityGroups.map((g) => {
      const id = result.securityGroups[g];
      if (!id)
        throw new InvalidInputError(
          `instances.${i.name}.securityGroups`,
          g,
          `one of ${Object.keys(result.securityGroups).join(', ')}`,
        );
      return id;
    });
    const launched = model.runInstances({
      imageId: i.imageId,
      instanceType: i.instanceType,
      count: i.count,
      minCount: i.count,
      subnetId,
      groupIds,
      instanceTags: withName(i.name, i.tags),
      interfaceTags: new Map(),
    });
    result.instances[i.name] = launched.map((x) => x.instanceId);
  }
  return result;
}
