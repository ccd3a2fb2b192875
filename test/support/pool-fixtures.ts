/** One node and the ENI its pool's leases sit on, for tests of the pool and its checkpoint. */
import type { LeasedEni } from '../../core/contract/api';

export const INSTANCE = 'i-0123456789abcdef0';

export const ENI: LeasedEni = {
  eniId: 'eni-00000000000000001',
  mac: '02:00:00:00:00:01',
  deviceIndex: 0,
  subnetId: 'subnet-1',
  subnetCidr: '10.9.0.0/24',
  gateway: '10.9.0.1',
  securityGroups: ['sg-1'],
  primaryIp: '10.9.0.10',
};
