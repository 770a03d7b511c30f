// Lint: strict TypeScript, floating promises are errors, the domain stays pure.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', '.tools/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|describe|test)$/]", message: 'Remove .only before committing.' }],
    },
  },
  {
    // The domain is pure: no frameworks, no ORM, no Node built-ins, no I/O.
    files: ['libs/domain/src/**/*.ts'],
    ignores: ['libs/domain/src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['@nestjs/*', 'typeorm', 'pg', 'pdfkit', 'nodemailer', '@temporalio/*', 'node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'http', 'https', 'net', 'stream', 'util', 'events', 'buffer'], message: 'libs/domain is pure TypeScript: no frameworks, ORM or Node built-ins.' },
        { group: ['@quotaflow/*'], message: 'libs/domain depends on nothing else in the repo.' },
      ] }],
    },
  },
  {
    // Workflows are deterministic: only the domain and @temporalio/workflow (+ type-only common).
    files: ['libs/workflows/src/**/*.ts'],
    ignores: ['libs/workflows/src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['@nestjs/*', 'typeorm', 'pg', 'pdfkit', 'nodemailer', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'http', 'https', 'net'], message: 'Workflow code must stay deterministic: @quotaflow/domain and @temporalio/workflow only.' },
        { group: ['@quotaflow/persistence', '@quotaflow/persistence/*', '@quotaflow/config', '@quotaflow/config/*', '@quotaflow/devstack', '@quotaflow/devstack/*'], message: 'Workflows may import @quotaflow/domain only.' },
      ] }],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep()/condition() from @temporalio/workflow.' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Workflow time comes from the workflow API (Date is deterministic in the sandbox, but be explicit).' }, { object: 'Math', property: 'random', message: 'No randomness in workflows; use uuid4() from @temporalio/workflow.' }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // pdf-parse reads a Buffer's whole ArrayBuffer: an attachment inside Node's shared pool fails
    // now and then. test/support/pdf.ts gives it a buffer of its own.
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    ignores: ['test/support/pdf.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'pdf-parse', message: 'Use pdfText() from test/support/pdf.ts.' }] }] },
  },
);
