/** Conversions between EC2's NetworkInterface and the ledger's ENI records and API shapes. */
import type { NetworkInterface } from '@aws-sdk/client-ec2';
import type { LeasedEni } from '../contract/api';
import { type EniRecord, type EniRole, recordPrimary } from '../ledger';
import type { Ledger } from '../ledger/table';
import { parseCidr, subnetGateway } from '../net/ipv4';

export function eniRecordOf(
  eni: NetworkInterface,
  instanceId: string,
  role: EniRole,
  subnetCidr: string,
  createdAt: string,
): EniRecord {
  return {
    eniId: eni.NetworkInterfaceId!,
    mac: eni.MacAddress ?? '',
    deviceIndex: eni.Attachment?.DeviceIndex ?? -1,
    subnetId: eni.SubnetId!,
    subnetCidr,
    gateway: subnetGateway(parseCidr(subnetCidr)),
    securityGroups: (eni.Groups ?? []).map((g) => g.GroupId!),
    primaryIp: eni.PrivateIpAddress!,
    instanceId,
    role,
    attachmentId: eni.Attachment?.AttachmentId,
    createdAt,
  };
}

export function leasedEniOf(record: EniRecord): LeasedEni {
  return {
    eniId: record.eniId,
    mac: record.mac,
    deviceIndex: record.deviceIndex,
    subnetId: record.subnetId,
    subnetCidr: record.subnetCidr,
    gateway: record.gateway,
    securityGroups: record.securityGroups,
    primaryIp: record.primaryIp,
  };
}

export function recordEniPrimary(ledger: Ledger, record: EniRecord): Promise<void> {
  return recordPrimary(ledger, {
    address: record.primaryIp,
    kind: 'ipv4',
    state: 'primary',
    instanceId: record.instanceId,
    eniId: record.eniId,
    subnetId: record.subnetId,
  });
}
