// The project's lint rules, run by `npm test` (npm run lint). typescript-eslint's recommended
// rules, plus the architecture's import rule (docs/ARCHITECTURE.md): an instrumentation depends on
// @opentelemetry/api and the instrumentation framework (src/instrument), never on the SDK, the
// exporters or the context manager, so it works under any OpenTelemetry SDK.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/**', 'node_modules/**', 'bench/node_modules/**', 'test/versions/**', '.cache/**', '**/*.cjs', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A wrapper passes `arguments` on as it came (arity and all, no array per call).
      'prefer-rest-params': 'off',
      // A wrapper is a `function` (its `this` is the library's) that reaches its instrumentation
      // through a captured variable.
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    // Lazy requires: code loaded only when it is needed (a signal that is off, the ES module
    // hooks, the CLI's subcommands), which keeps the agent's start-up short.
    files: ['src/register.ts', 'src/api-choice.ts', 'src/agent.ts', 'src/cli/main.ts', 'src/instrument/hooks.ts', 'src/instrument/esm.ts', 'src/export/otlp/create-transport.ts', 'src/export/otlp/http-transport.ts', 'src/metrics/setup.ts', 'src/logs/setup.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['instrumentations/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/sdk', '**/src/sdk/*', '**/src/export', '**/src/export/**', '**/src/context', '**/src/context/*', '**/src/agent', '**/src/config', '**/src/config/*'],
              message: 'An instrumentation imports only @opentelemetry/api, src/instrument and src/semconv (docs/ARCHITECTURE.md).',
            },
          ],
        },
      ],
    },
  },
);
