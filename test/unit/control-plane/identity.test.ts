import { matchRoute } from '../../../infra/local/host/api-event';
import { callerOf, denialFor } from '../../../lambdas/api/identity';

const policy = { nodeRoleNames: ['node-role'], operatorRoleNames: ['ops'] };
const node = 'i-0123456789abcdef0';
const arn = (role: string, session: string) => `arn:aws:sts::111122223333:assumed-role/${role}/${session}`;

describe('Function: denialFor', () => {
  it('lets a node act on its own path', () => {
    // Act
    const denial = denialFor(policy, callerOf(arn('node-role', node)), 'lease', node);

    // Assess
    expect(denial).toBeUndefined();
  });

  it('refuses a node on another node path, naming both', () => {
    // Act
    const denial = denialFor(policy, callerOf(arn('node-role', node)), 'lease', 'i-0fffffffffffffff0');

    // Assess
    expect(denial).toMatch(/i-0123456789abcdef0 may act only on itself, not on i-0fffffffffffffff0/);
  });

  it('refuses operator routes to nodes and node routes to operators, but lets operators read a node', () => {
    // Act
    const nodeOnCapacity = denialFor(policy, callerOf(arn('node-role', node)), 'subnetCapacity', undefined);
    const operatorLeasing = denialFor(policy, callerOf(arn('ops', node)), 'lease', node);
    const operatorReading = denialFor(policy, callerOf(arn('ops', 'alice')), 'getNode', node);

    // Assess
    expect(nodeOnCapacity).toMatch(/not a session of an operator role/);
    expect(operatorLeasing).toMatch(/not a session of a node role/);
    expect(operatorReading).toBeUndefined();
  });

  it('refuses callers that are not assumed-role sessions', () => {
    // Act
    const denial = denialFor(policy, callerOf('arn:aws:iam::111122223333:user/bob'), 'getNode', node);

    // Assess
    expect(denial).toBeDefined();
  });
});

describe('Function: matchRoute', () => {
  it('maps paths to API Gateway route keys and path parameters', () => {
    // Act
    const lease = matchRoute('POST', `/v1/nodes/${node}/leases`);
    const lookup = matchRoute('GET', '/v1/ips/10.0.1.17');
    const wrongMethod = matchRoute('GET', `/v1/nodes/${node}/leases`);

    // Assess
    expect(lease).toEqual({
      routeKey: 'POST /v1/nodes/{instanceId}/leases',
      pathParameters: { instanceId: node },
    });
    expect(lookup).toEqual({ routeKey: 'GET /v1/ips/{ip}', pathParameters: { ip: '10.0.1.17' } });
    expect(wrongMethod).toBeUndefined();
  });
});
