import { Ec2ApiError } from '../errors';
import type { Ec2Model } from '../model/ec2-model';
import { tagMapOf } from '../model/tags';
import { paginate } from '../query/paging';
import type { QueryParams } from '../query/params';
import { renderNetworkInterface } from '../query/render';
import type { XmlObject } from '../query/xml';
import { restrictToIds } from './select';
import type { ActionTable } from './types';

/** `PrivateIpAddresses.N.PrivateIpAddress` with `Primary=true` names the primary; the rest are secondaries. */
function explicitAddresses(p: QueryParams): { primary?: string; secondary: string[] } {
  let primary = p.string('PrivateIpAddress');
  const secondary: string[] = [];
  for (let i = 1; p.has(`PrivateIpAddresses.${i}.PrivateIpAddress`); i++) {
    const address = p.string(`PrivateIpAddresses.${i}.PrivateIpAddress`)!;
    if (p.bool(`PrivateIpAddresses.${i}.Primary`) && primary === undefined) primary = address;
    else if (address !== primary) secondary.push(address);
  }
  return { primary, secondary };
}

function create(p: QueryParams, model: Ec2Model): XmlObject {
  const addresses = explicitAddresses(p);
  const eni = model.createNetworkInterface({
    subnetId: p.required('SubnetId'),
    description: p.string('Description'),
    groupIds: p.list('SecurityGroupId'),
    privateIpAddress: addresses.primary,
    secondaryPrivateIpAddresses: addresses.secondary,
    secondaryPrivateIpAddressCount: p.int('SecondaryPrivateIpAddressCount', { min: 1, max: 49 }),
    ipv4Prefixes: [...p.list('Ipv4Prefix').filter(Boolean), ...collectPrefixSpecs(p)],
    ipv4PrefixCount: p.int('Ipv4PrefixCount', { min: 1, max: 49 }),
    tags: tagMapOf(p.tagSpecifications('network-interface')['network-interface'] ?? []),
  });
  return renderNetworkInterface(model, eni);
}

function collectPrefixSpecs(p: QueryParams): string[] {
  const out: string[] = [];
  for (let i = 1; p.has(`Ipv4Prefix.${i}.Ipv4Prefix`); i++) out.push(p.string(`Ipv4Prefix.${i}.Ipv4Prefix`)!);
  return out;
}

export const interfaceActions: ActionTable = {
  CreateNetworkInterface: (p, model) => {
    const token = p.string('ClientToken');
    const fingerprint = p.fingerprint('ClientToken');
    const earlier = token ? model.clientTokens.get(`eni:${token}`) : undefined;
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        throw new Ec2ApiError(
          'IdempotentParameterMismatch',
          `Client token '${token}' was used with different parameters.`,
        );
      }
      const eni = model.getNetworkInterfaceEver(earlier.resultIds[0]!)!;
      return { networkInterface: renderNetworkInterface(model, eni), clientToken: token };
    }
    const networkInterface = create(p, model);
    if (token) {
      model.clientTokens.set(`eni:${token}`, {
        fingerprint,
        resultIds: [networkInterface.networkInterfaceId as string],
      });
    }
    return { networkInterface, clientToken: token };
  },

  DeleteNetworkInterface: (p, model) => {
    model.deleteNetworkInterface(p.required('NetworkInterfaceId'));
    return { return: true };
  },

  AttachNetworkInterface: (p, model) => {
    const eniId = p.required('NetworkInterfaceId');
    const instanceId = p.required('InstanceId');
    const deviceIndex = p.requiredInt('DeviceIndex', { min: 0, max: 127 });
    return {
      attachmentId: model.attachNetworkInterface(eniId, instanceId, deviceIndex),
      networkCardIndex: 0,
    };
  },

  DetachNetworkInterface: (p, model) => {
    model.detachNetworkInterface(p.required('AttachmentId'));
    return { return: true };
  },

  ModifyNetworkInterfaceAttribute: (p, model) => {
    model.modifyNetworkInterface(p.required('NetworkInterfaceId'), {
      description: p.string('Description.Value'),
      sourceDestCheck: p.bool('SourceDestCheck.Value'),
      groupIds: p.list('SecurityGroupId'),
      attachmentId: p.string('Attachment.AttachmentId'),
      deleteOnTermination: p.bool('Attachment.DeleteOnTermination'),
    });
    return { return: true };
  },

  DescribeNetworkInterfaces: (p, model) => {
    const ids = p.list('NetworkInterfaceId');
    if (ids.length > 0 && p.has('MaxResults')) {
      throw new Ec2ApiError(
        'InvalidParameterCombination',
        'The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults',
      );
    }
    const found = restrictToIds(
      model.listNetworkInterfaces(p.filters()),
      ids,
      (n) => n.networkInterfaceId,
      (id) => !!model.getNetworkInterface(id),
      'InvalidNetworkInterfaceID.NotFound',
      'network interface',
    );
    const page = paginate(p, found);
    return {
      networkInterfaceSet: page.items.map((n) => renderNetworkInterface(model, n)),
      nextToken: page.nextToken,
    };
  },

  AssignPrivateIpAddresses: (p, model) => {
    const eniId = p.required('NetworkInterfaceId');
    const assigned = model.assignPrivateAddresses(eniId, {
      addresses: p.list('PrivateIpAddress'),
      addressCount: p.int('SecondaryPrivateIpAddressCount', { min: 1, max: 49 }),
      prefixes: p.list('Ipv4Prefix'),
      prefixCount: p.int('Ipv4PrefixCount', { min: 1, max: 49 }),
    });
    return {
      networkInterfaceId: eniId,
      assignedPrivateIpAddressesSet: assigned.addresses.map((privateIpAddress) => ({ privateIpAddress })),
      assignedIpv4PrefixSet: assigned.prefixes.map((ipv4Prefix) => ({ ipv4Prefix })),
    };
  },

  UnassignPrivateIpAddresses: (p, model) => {
    model.unassignPrivateAddresses(p.required('NetworkInterfaceId'), {
      addresses: p.list('PrivateIpAddress'),
      prefixes: p.list('Ipv4Prefix'),
    });
    return { return: true };
  },

  CreateTags: (p, model) => {
    const resources = p.list('ResourceId');
    if (resources.length === 0)
      throw new Ec2ApiError('MissingParameter', 'The request must contain the parameter ResourceId');
    const tags = p.tags();
    if (tags.length === 0)
      throw new Ec2ApiError('MissingParameter', 'The request must contain the parameter Tag');
    model.createTags(resources, tags);
    return { return: true };
  },

  DeleteTags: (p, model) => {
    const resources = p.list('ResourceId');
    if (resources.length === 0)
      throw new Ec2ApiError('MissingParameter', 'The request must contain the parameter ResourceId');
    model.deleteTags(resources, p.tags());
    return { return: true };
  },
};
