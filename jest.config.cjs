/**
 * Two tiers. `unit`: specs next to the code, no outside services. `integration`: specs under test/ that boot
 * the real app or talk to real Redis, SQLite and PostgreSQL. NestJS 12 ships ES modules only, so @swc/jest
 * also turns those packages into CommonJS.
 */
const swc = ['@swc/jest', { swcrc: true }];
const shared = {
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|file-type|strtok3|token-types|@tokenizer|uint8array-extras|@borewit)/)',
  ],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper: { '^redlock$': '<rootDir>/node_modules/redlock/dist/cjs/index.js' },
  testEnvironment: 'node',
};

module.exports = {
  maxWorkers: 2,
  testTimeout: 30000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{src,libs,config}/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
  ],
};
