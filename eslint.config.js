// ESLint flat config. The block for libs/ is the architecture rule of ../shared/DESIGN.md:
// the engine and the wire contract are pure, so I/O, clocks and randomness are refused there.
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
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...ioPackages, ...nodeBuiltins],
              message:
                'libs/saga-core and libs/contracts are pure: I/O belongs to adapters in apps/.',
            },
          ],
        },
      ],
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
    // The product does not depend on its samples: only the entry point composes them.
    files: ['apps/coordinator/src/**/*.ts'],
    ignores: ['apps/coordinator/src/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/sample-participants/**'],
              message:
                'The coordinator does not import its samples: apps/coordinator/src/main.ts composes them.',
            },
          ],
        },
      ],
    },
  },
);
