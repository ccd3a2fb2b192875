/** Unit, integration and root-only end-to-end suites share one runner. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testTimeout: 60_000,
  maxWorkers: 2,
  // Suites start servers and namespaces; a hung handle must not keep CI waiting.
  forceExit: true,
};
