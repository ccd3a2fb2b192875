import { InvalidInputError } from '../../../core/errors';
import { clusterConfigFromEnv } from '../../../lambdas/shared/context-from-env';

const base = { CLUSTER_NAME: 'prod', VPC_ID: 'vpc-0123' };

describe('Function: clusterConfigFromEnv', () => {
  it('reads the cluster, SUBNET_IDS and custom networking configs', () => {
    // Act
    const config = clusterConfigFromEnv({
      ...base,
      SUBNET_IDS: 'subnet-a, subnet-b',
      CUSTOM_NETWORK_CONFIGS: '{"us-east-1a":{"subnetId":"subnet-c","securityGroups":["sg-1"]}}',
    });

    // Assess
    expect(config).toEqual({
      clusterName: 'prod',
      vpcId: 'vpc-0123',
      subnetIds: ['subnet-a', 'subnet-b'],
      customNetworkConfigs: { 'us-east-1a': { subnetId: 'subnet-c', securityGroups: ['sg-1'] } },
      coolingSeconds: 30,
      carvePrefixes: true,
    });
  });

  it('turns carving off with CARVE_PREFIXES=false and refuses any other value, naming it', () => {
    // Act
    const off = clusterConfigFromEnv({ ...base, CARVE_PREFIXES: 'false' });
    const bad = (() => {
      try {
        clusterConfigFromEnv({ ...base, CARVE_PREFIXES: 'yes' });
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(off.carvePrefixes).toBe(false);
    expect(bad).toBeInstanceOf(InvalidInputError);
    expect((bad as InvalidInputError).field).toBe('CARVE_PREFIXES');
    expect((bad as Error).message).toMatch(/true or false/);
  });

  it('names the variable when CUSTOM_NETWORK_CONFIGS is not JSON', () => {
    // Act
    const error = (() => {
      try {
        clusterConfigFromEnv({ ...base, CUSTOM_NETWORK_CONFIGS: '{nope' });
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('CUSTOM_NETWORK_CONFIGS');
  });

  it('refuses a custom networking config without security groups', () => {
    // Act
    const act = () =>
      clusterConfigFromEnv({ ...base, CUSTOM_NETWORK_CONFIGS: '{"a":{"subnetId":"subnet-1"}}' });

    // Assess
    expect(act).toThrow(/CUSTOM_NETWORK_CONFIGS=/);
  });

  it('names a missing CLUSTER_NAME', () => {
    // Act
    const act = () => clusterConfigFromEnv({ VPC_ID: 'vpc-1' });

    // Assess
    expect(act).toThrow(/CLUSTER_NAME=""/);
  });
});
