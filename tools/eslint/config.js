// The project's ESLint configuration, shared by eslint.config.mjs and the architecture test.
const tseslint = require('typescript-eslint');
const moduleBoundaries = require('./module-boundaries.js');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'user-engine': { rules: { 'module-boundaries': moduleBoundaries } } },
    rules: {
      'user-engine/module-boundaries': 'error',
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@nestjs/common', importNames: ['forwardRef'], message: 'No forwardRef: fix the dependency cycle instead.' }] },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='forwardRef']", message: 'No forwardRef: fix the dependency cycle instead.' },
        {
          selector: "MemberExpression[object.name='Scope'][property.name='REQUEST']",
          message: 'No request-scoped providers: carry request state in CLS.',
        },
        { selector: "Property[key.name='synchronize'][value.value=true]", message: 'synchronize is never on: write a migration.' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: ['libs/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
