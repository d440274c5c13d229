import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', performance: 'readonly', AbortSignal: 'readonly', AbortController: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', NodeJS: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Tests read the CLI's JSON output as the loosely typed document another program would.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/probes/**/*.ts'],
    rules: {
      // Probes reach the world only through the injected ProbeEnv.
      'no-restricted-imports': [
        'error',
        {
          paths: ['execa', 'undici', 'node:dns', 'node:net', 'node:tls', 'node:child_process', 'dns', 'net', 'tls', 'child_process'].map((name) => ({
            name,
            message: 'probes use ctx.env, never the outside world directly',
          })),
          patterns: [{ group: ['@aws-sdk/*'], message: 'probes use ctx.env.aws' }],
        },
      ],
    },
  },
)
