import { Ec2ApiError } from '../errors';
import { type InstanceTypeLimits, loadInstanceTypes } from '../instance-types';
import type { Ec2Model } from '../model/ec2-model';
import type { InstanceRecord } from '../model/records';
import { tagMapOf } from '../model/tags';
import { paginate } from '../query/paging';
import type { QueryParams } from '../query/params';
import { renderInstance, renderReservation, renderState } from '../query/render';
import type { XmlObject } from '../query/xml';
import { restrictToIds } from './select';
import type { ActionTable } from './types';

function launch(p: QueryParams, model: Ec2Model): InstanceRecord[] {
  const imageId = p.required('ImageId');
  const minCount = p.requiredInt('MinCount', { min: 1 });
  const maxCount = p.requiredInt('MaxCount', { min: 1 });
  if (maxCount < minCount) {
    throw new Ec2ApiError(
      'InvalidParameterValue',
      `MaxCount (${maxCount}) must be at least MinCount (${minCount}).`,
    );
  }
  const subnetId = p.string('SubnetId') ?? p.string('NetworkInterface.1.SubnetId');
  if (!subnetId)
    throw new Ec2ApiError(
      'VPCIdNotSpecified',
      'No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.',
    );
  const specs = p.tagSpecifications('instance', ['network-interface', 'volume']);
  const profileName = p.string('IamInstanceProfile.Name');
  return model.runInstances({
    imageId,
    instanceType: p.string('InstanceType') ?? 'm5.large',
    count: maxCount,
    minCount,
    subnetId,
    groupIds: [...p.list('SecurityGroupId'), ...p.list('NetworkInterface.1.SecurityGroupId')],
    availabilityZone: p.string('Placement.AvailabilityZone'),
    instanceTags: tagMapOf(specs.instance ?? []),
    interfaceTags: tagMapOf(specs['network-interface'] ?? []),
    iamInstanceProfileArn:
      p.string('IamInstanceProfile.Arn') ??
      (profileName ? `arn:aws:iam::${model.ownerId}:instance-profile/${profileName}` : undefined),
  });
}

function renderInstanceType(t: InstanceTypeLimits): XmlObject {
  return {
    instanceType: t.instanceType,
    currentGeneration: true,
    bareMetal: t.bareMetal,
    hypervisor: t.hypervisor === 'unknown' ? undefined : t.hypervisor,
    networkInfo: {
      maximumNetworkInterfaces: t.maxEnis,
      maximumNetworkCards: t.networkCards,
      defaultNetworkCardIndex: 0,
      ipv4AddressesPerInterface: t.ipv4PerEni,
      ipv6AddressesPerInterface: t.ipv4PerEni,
      ipv6Supported: true,
      enaSupport: t.hypervisor === 'nitro' ? 'required' : 'supported',
      networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: t.maxEnis }],
    },
  };
}

const INSTANCE_TYPE_FILTERS: Readonly<Record<string, (t: InstanceTypeLimits) => string>> = {
  'instance-type': (t) => t.instanceType,
  hypervisor: (t) => t.hypervisor,
  'bare-metal': (t) => String(t.bareMetal),
  'network-info.maximum-network-interfaces': (t) => String(t.maxEnis),
  'network-info.ipv4-addresses-per-interface': (t) => String(t.ipv4PerEni),
};

export const instanceActions: ActionTable = {
  RunInstances: (p, model) => {
    const token = p.string('ClientToken');
    const fingerprint = p.fingerprint('ClientToken');
    const earlier = token ? model.clientTokens.get(`run:${token}`) : undefined;
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        throw new Ec2ApiError(
          'IdempotentParameterMismatch',
          `Client token '${token}' was used with different parameters.`,
        );
      }
      return renderReservation(
        model,
        earlier.resultIds.map((id) => model.getInstance(id)!),
      );
    }
    const launched = launch(p, model);
    if (token)
      model.clientTokens.set(`run:${token}`, { fingerprint, resultIds: launched.map((i) => i.instanceId) });
    return renderReservation(model, launched);
  },

  TerminateInstances: (p, model) => {
    const ids = p.list('InstanceId');
    if (ids.length === 0)
      throw new Ec2ApiError('MissingParameter', 'The request must contain the parameter InstanceId');
    const changes = model.terminateInstances(ids);
    return {
      instancesSet: changes.map((c) => ({
        instanceId: c.instanceId,
        currentState: renderState(c.current),
        previousState: renderState(c.previous),
      })),
    };
  },

  DescribeInstances: (p, model) => {
    const ids = p.list('InstanceId');
    if (ids.length > 0 && p.has('MaxResults')) {
      throw new Ec2ApiError(
        'InvalidParameterCombination',
        'The parameter instancesSet cannot be used with the parameter maxResults',
      );
    }
    const instances = restrictToIds(
      model.listInstances(p.filters()),
      ids,
      (i) => i.instanceId,
      (id) => !!model.getInstance(id),
      'InvalidInstanceID.NotFound',
      'instance',
    );
    const page = paginate(p, instances);
    const reservations = new Map<string, InstanceRecord[]>();
    for (const i of page.items)
      reservations.set(i.reservationId, [...(reservations.get(i.reservationId) ?? []), i]);
    return {
      reservationSet: [...reservations.values()].map((group) => ({
        ...renderReservation(model, []),
        reservationId: group[0]?.reservationId,
        instancesSet: group.map((i) => renderInstance(model, i)),
      })),
      nextToken: page.nextToken,
    };
  },

  DescribeInstanceTypes: (p) => {
    const all = loadInstanceTypes();
    const names = p.list('InstanceType');
    for (const n of names) {
      if (!all.has(n))
        throw new Ec2ApiError(
          'InvalidInstanceType',
          `The following supplied instance types do not exist: [${n}]`,
        );
    }
    const filters = p.filters();
    for (const f of filters) {
      if (!(f.name in INSTANCE_TYPE_FILTERS))
        throw new Ec2ApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    }
    const types = [...all.values()].filter(
      (t) =>
        (names.length === 0 || names.includes(t.instanceType)) &&
        filters.every((f) => f.values.includes(INSTANCE_TYPE_FILTERS[f.name]!(t))),
    );
    const page = paginate(p, types, { min: 5, max: 100 });
    return { instanceTypeSet: page.items.map(renderInstanceType), nextToken: page.nextToken };
  },
};
