/** One jest run for unit, workflow and end-to-end tests. TZ is pinned to UTC. */
process.env.TZ = 'UTC';
const swcConfig = {
  swcrc: false, // .swcrc excludes specs from the build; tests use this config instead
  sourceMaps: 'inline',
  module: { type: 'commonjs' },
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
    // globalSetup/globalTeardown are loaded by Node's own require, where
    // moduleNameMapper does not apply: let swc rewrite the aliases instead.
    baseUrl: __dirname,
    paths: Object.fromEntries(
      ['domain', 'workflows', 'persistence', 'config', 'devstack', 'temporal-codec'].flatMap((lib) => [
        [`@quotaflow/${lib}`, [`libs/${lib}/src`]],
        [`@quotaflow/${lib}/*`, [`libs/${lib}/src/*`]],
      ]),
    ),
  },
};
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swcConfig] },
  moduleNameMapper: {
    '^@quotaflow/(domain|workflows|persistence|config|devstack|temporal-codec)$': '<rootDir>/libs/$1/src',
    '^@quotaflow/(domain|workflows|persistence|config|devstack|temporal-codec)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
};
