// Tests are TypeScript transformed by SWC (no type check here: `npm run typecheck` does that with tsc).
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The crash trials (about a minute) run on their own: npm run test:reliability
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/reliability/'],
  testTimeout: 30000,
  setupFiles: ['<rootDir>/test/helpers/no-outside-dns.ts'],
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
};
