/** One runner for everything: unit specs beside the code, end-to-end suites in test/. */
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  testMatch: ['<rootDir>/{apps,libs,migrations}/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    // NestJS 12 ships ES modules only; Jest on Node 20 cannot require them (see the transformer).
    '^.+\\.m?js$': '<rootDir>/test/support/esm-interop.transformer.js',
  },
  transformIgnorePatterns: [],
  moduleNameMapper: {
    '^@user-engine/migrations$': '<rootDir>/migrations/index.ts',
    '^@user-engine/([a-z-]+)$': '<rootDir>/libs/$1/src',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: process.env.CI ? 2 : '50%',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
