/** Jest: one run covers unit, persistence, API, simulator and workflow tests. */
const swc = JSON.parse(require('fs').readFileSync(__dirname + '/.swcrc', 'utf8'));
delete swc.$schema;

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120000,
  // Suites mostly wait on real servers, so both cores' worth of workers pay off.
  maxWorkers: 2,
  reporters: ['default', ['<rootDir>/test/support/summary-reporter.js', {}]],
};
