// ESLint flat config. The architecture rules: the engine and the wire contract are pure (I/O,
// clocks and randomness are refused there), and imports run one way between folders.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioPackages = [
  '@nestjs/*',
  'kafkajs',
  'typeorm',
  'typeorm/*',
  'pg',
  'pg-*',
  'opossum',
  '@opentelemetry/*',
];
const nodeBuiltins = ['node:*', ...builtinModules.filter((name) => !name.startsWith('_'))];

// The folders' directions: libraries never import an app, the coordinator never imports its
// samples, the conformance kit imports no participant code, the operator's CLI (sagactl) and
// console (apps/console) only speak HTTP, and only libs/messaging imports the Kafka client.
const noApps = {
  group: ['**/apps/**', '**/coordinator/src/**', '**/sample-participants/src/**'],
  message: 'A library or a sample does not import an app: what two apps share lives in libs/.',
};
const noKafkaClient = {
  group: ['kafkajs', 'kafkajs/*'],
  message:
    'Kafka is reached through #messaging (libs/messaging), the one place that imports kafkajs.',
};
const notTheParticipants = {
  // `\\#`: in these gitignore-style patterns a leading # starts a comment.
  group: ['**/sample-participants/**', '**/saga-participant/**', '\\#saga-participant'],
  message:
    'The conformance kit judges participants from outside: it shares the contract, not their code.',
};
const overHttpOnly = {
  // `\\#*`: every alias of the repository's libraries (#messaging, #postgres, #saga-core...).
  group: ['\\#*', 'kafkajs', 'kafkajs/*', 'typeorm', 'typeorm/*', 'pg', '@nestjs/*'],
  message:
    'sagactl is a client of the HTTP API: it reaches the coordinator over HTTP only, never its code, database or broker.',
};
const noSamples = {
  group: ['**/sample-participants/**'],
  message:
    'The coordinator does not import its samples: apps/coordinator/src/main.ts composes them.',
};
const noDatabaseDriver = {
  group: ['typeorm', 'typeorm/*', 'typeorm-pglite', 'pg', 'pg-*'],
  message:
    'The coordinator reaches Postgres through the Database port of #postgres; only persistence/ (the migrations, the choice of database) and the migrate job import TypeORM or pg.',
};
const restrictImports = (...patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', '.cache/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['libs/saga-core/**/*.ts', 'libs/contracts/**/*.ts'],
    rules: {
      ...restrictImports(
        {
          group: [...ioPackages, ...nodeBuiltins],
          message: 'libs/saga-core and libs/contracts are pure: I/O belongs to adapters in apps/.',
        },
        noApps,
      ),
      'no-restricted-globals': [
        'error',
        ...[
          'setTimeout',
          'setInterval',
          'setImmediate',
          'clearTimeout',
          'clearInterval',
          'process',
          'fetch',
          'performance',
        ].map((name) => ({ name, message: 'Pure code: time and I/O arrive on events.' })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Pure code: the time arrives on the event.' },
        {
          object: 'Math',
          property: 'random',
          message: 'Pure code: random draws arrive on the event.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Pure code: the time arrives on the event.',
        },
      ],
    },
  },
  {
    files: ['libs/**/*.ts'],
    ignores: ['libs/saga-core/**', 'libs/contracts/**', 'libs/messaging/**'],
    rules: restrictImports(noApps, noKafkaClient),
  },
  { files: ['libs/messaging/**/*.ts'], rules: restrictImports(noApps) },
  {
    // One place makes kafkajs clients, so that none runs kafkajs's idle loop.
    files: ['libs/messaging/src/**/*.ts', 'bench/**/*.ts'],
    ignores: ['libs/messaging/src/kafka-client.ts', '**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Kafka']",
          message:
            "kafkajs clients are made by kafkaClient (#messaging), which stops kafkajs's idle loop.",
        },
      ],
    },
  },
  {
    files: ['apps/sample-participants/src/**/*.ts'],
    rules: restrictImports(noApps, noKafkaClient),
  },
  {
    // The product does not depend on its samples: only the entry point composes them.
    files: ['apps/coordinator/src/**/*.ts'],
    ignores: [
      'apps/coordinator/src/main.ts',
      'apps/coordinator/src/migrate.ts',
      'apps/coordinator/src/persistence/**',
    ],
    rules: restrictImports(noSamples, noKafkaClient, noDatabaseDriver),
  },
  {
    files: ['apps/coordinator/src/persistence/**/*.ts', 'apps/coordinator/src/migrate.ts'],
    rules: restrictImports(noSamples, noKafkaClient),
  },
  {
    files: ['apps/coordinator/src/main.ts'],
    rules: restrictImports(noKafkaClient, noDatabaseDriver),
  },
  {
    // The kit reads saga definitions (what the coordinator sends) through libs/definitions; it
    // imports no app, and no participant code.
    files: ['apps/conformance/src/**/*.ts'],
    rules: restrictImports(noApps, notTheParticipants, noKafkaClient),
  },
  {
    // The operator's CLI speaks the HTTP API, as any other client of it would.
    files: ['apps/sagactl/src/**/*.ts'],
    rules: restrictImports(noApps, overHttpOnly),
  },
  {
    // The operator console runs in the browser: it speaks the HTTP API only, and has no Node.
    files: ['apps/console/src/**/*.{ts,tsx}'],
    rules: restrictImports(
      noApps,
      {
        group: overHttpOnly.group,
        message:
          'The console is a client of the HTTP API: it reaches the coordinator over HTTP only, never its code, database or broker.',
      },
      { group: nodeBuiltins, message: 'The console runs in the browser: no Node.js modules.' },
    ),
  },
);
