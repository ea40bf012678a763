// @ts-check
import eslint from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first: a file may import from its own layer and the ones below, never from above
 * (README, "Layers"). common/ holds what everything shares; the processor contract is what processors are written
 * against; the options are read by every layer; the driver is the database; the features build on all of those;
 * the module wiring assembles the features; the standalone app (auth, config, HTTP security) sits on top.
 */
const LAYERS = ['common', 'contract', 'options', 'driver', 'feature', 'module', 'app'];
const ELEMENTS = [
  { type: 'common', pattern: 'src/job-queue/common' },
  { type: 'contract', pattern: 'src/job-queue/processor-contract' },
  {
    type: 'options',
    pattern:
      'src/job-queue/(job-queue.constants|job-queue.options|job-queue-options.schema|option-problems|option-schema).ts',
    mode: 'file',
  },
  { type: 'driver', pattern: 'src/job-queue/database' },
  {
    type: 'feature',
    pattern: 'src/job-queue/(access|events|files|jobs|monitoring|processors|progress|retry|web-ui|workers)',
  },
  { type: 'module', pattern: 'src/job-queue/*.ts', mode: 'file' },
  { type: 'app', pattern: 'src/(auth|config|http-security|observability)' },
  { type: 'app', pattern: 'src/*.ts', mode: 'file' },
];
const LAYER_POLICIES = LAYERS.map((type, index) => ({
  from: { element: { type } },
  allow: { to: { element: { types: { anyOf: LAYERS.slice(0, index + 1) } } } },
}));

export default defineConfig(
  // The boundaries fixture breaks the layering on purpose; test/lint/boundaries.spec.ts lints it on its own.
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'data/**',
      'bench/results/**',
      'bench/.build/**', // the bench's transpiled files (bench/lib/compiled-harness.ts)
      'test/fixtures/boundaries/**',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.mjs', 'prisma/*/prisma.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Tests and benchmarks read JSON bodies and GraphQL results whose shape the assertion itself checks; their
    // processors implement async interfaces without awaiting, and jest's expect(object.method) is not a call.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The browser apps (built by Vite, served by web-ui as files) stand outside the Nest layering.
    files: ['src/**/*.ts', 'test/fixtures/boundaries/**/*.ts'],
    ignores: ['src/dashboard-ui/**', 'src/explorer-ui/**'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': ELEMENTS,
      'boundaries/include': ['src/**/*.ts', 'test/fixtures/boundaries/**/*.ts'],
      'import/resolver': { node: { extensions: ['.ts', '.js'] } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: LAYER_POLICIES,
        },
      ],
    },
  },
);
