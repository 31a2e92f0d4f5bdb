import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.updraft/**',
      'bench/.cache/**',
      // A React Native app with its own toolchain (Metro, Babel), installed by its tests.
      'packages/react-native/test/fixture-app/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: [
      'scripts/**/*.mjs',
      'bench/**/*.mjs',
      'test/fixtures/**/*.mjs',
      '*.js',
      'packages/cli/bin/*.js',
      'packages/react-native/app.plugin.js',
    ],
    languageOptions: { globals: globals.node },
  },
  { files: ['packages/dashboard/src/**/*.{ts,tsx}'], languageOptions: { globals: globals.browser } },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['packages/protocol/src/**/*.ts', 'packages/client/src/**/*.ts'],
    ignores: ['packages/client/src/ports/node/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'os', 'stream', 'buffer', 'http', 'https'],
              message: 'protocol and client core run on Hermes: no Node built-ins (use a port).',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: 'no Node built-ins in protocol/client core' },
        { name: 'process', message: 'no Node built-ins in protocol/client core' },
      ],
    },
  },
);
