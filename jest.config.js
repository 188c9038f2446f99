// Three projects: unit (pure, no I/O, fake clocks), integration (real Kafka and Postgres),
// e2e (whole processes). `npm test` runs all three; scripts/test.sh brings the services up.
import { readFileSync } from 'node:fs';

const swc = JSON.parse(readFileSync(new URL('./.swcrc.jest.json', import.meta.url), 'utf8'));

const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleNameMapper: {
    '^#contracts$': '<rootDir>/libs/contracts/src/index.ts',
    '^#definitions$': '<rootDir>/libs/definitions/src/index.ts',
    '^#errors$': '<rootDir>/libs/errors/src/describe-error.ts',
    '^#logging$': '<rootDir>/libs/logging/src/index.ts',
    '^#messaging$': '<rootDir>/libs/messaging/src/index.ts',
    '^#postgres$': '<rootDir>/libs/postgres/src/index.ts',
    '^#saga-participant$': '<rootDir>/libs/saga-participant/src/index.ts',
    '^#saga-core$': '<rootDir>/libs/saga-core/src/index.ts',
    '^#tracing$': '<rootDir>/libs/tracing/src/message-tracing.ts',
    '^#tracing/bootstrap$': '<rootDir>/libs/tracing/src/tracing-bootstrap.ts',
    '^#saga-core/testing$': '<rootDir>/libs/saga-core/src/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};

export default {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,bench,test/unit}/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      slowTestThreshold: 30,
      setupFilesAfterEnv: ['<rootDir>/test/support/slow-tests.setup.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      slowTestThreshold: 60,
      setupFilesAfterEnv: ['<rootDir>/test/support/slow-tests.setup.ts'],
    },
  ],
  coverageProvider: 'v8',
  // The gate: saga-core, the engine every saga runs through, covered by its own specs
  // (`npm test` runs them instrumented). Widen with --collectCoverageFrom for a full report.
  collectCoverageFrom: [
    'libs/saga-core/src/**/*.ts',
    '!**/*.spec.ts',
    '!**/*.fixture.ts',
    '!**/*.port.ts',
    '!**/index.ts',
  ],
  coverageReporters: ['text-summary', 'json-summary'],
  coverageThreshold: { './libs/saga-core/src/': { lines: 95 } },
};
