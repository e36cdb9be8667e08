// Flat config: typescript-eslint's type-checked rules over every workspace source, test, script and bench
// file, plus the architecture's import boundaries. `npm run lint` runs this and `prettier --check`.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Import patterns a group of files must never use: services are deployed apart, packages are shared. One call per
 * group of files, each `[patterns, message]` pair a rule of its own: eslint keeps only the last setting of a rule
 * for a file, so the rules of one group of files are given together.
 */
const boundary = (files, ...groups) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { patterns: groups.map(([group, message]) => ({ group, message, allowTypeImports: false })) },
    ],
  },
});

const NO_SERVICES = [
  [
    '@verified-onboard/api',
    '@verified-onboard/api/*',
    '@verified-onboard/worker',
    '@verified-onboard/worker/*',
    '**/services/**',
  ],
  'packages never import services: a package is shared by every service and must not depend on one.',
];
/** The infrastructure libraries packages/events must not use (also checked by its no-infrastructure unit test). */
const INFRASTRUCTURE_LIBRARIES = ['kafkajs', 'ioredis', 'bullmq', 'fastify', 'pino'];
const NO_INFRASTRUCTURE = [
  INFRASTRUCTURE_LIBRARIES.flatMap((name) => [name, `${name}/*`]),
  'packages/events is the catalogue and the domain core only: Kafka and Redis code lives in @verified-onboard/adapters.',
];

/** The pipeline's step names (packages/events/src/schemas/common.ts: STEPS), as a selector regex. */
const STEP_NAMES = '/^(begin|poll|account|credential)$/';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.local/**', 'tools/**', 'docs/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  // One concept a file: no file over 300 lines, counted as they are (blank lines and comments too), sources,
  // tests, scripts and bench alike.
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    rules: { 'max-lines': ['error', { max: 300, skipBlankLines: false, skipComments: false }] },
  },
  // The step names are spelled in the catalogue (packages/events/src/schemas: STEPS, stepSchema), the domain
  // core that orders them and the cross-service contracts; everything else imports them, so that no shell
  // carries its own copy of the pipeline. Tests may spell them: they pin the names the events and the ops API
  // carry on the wire, which an import would let a rename change silently.
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    ignores: [
      'packages/events/src/schemas/**',
      'packages/events/src/domain/**',
      'packages/contracts/**',
      '**/test/**',
      '**/*.test.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: `Literal[value=${STEP_NAMES}]`,
          message:
            'A step name is spelled only in the catalogue: import STEPS or stepSchema from @verified-onboard/events.',
        },
      ],
    },
  },
  boundary(
    ['services/api/**'],
    [
      ['@verified-onboard/worker', '@verified-onboard/worker/*', '**/worker/src/**', '**/services/worker/**'],
      'services never import each other: share code through a package under packages/.',
    ],
  ),
  boundary(
    ['services/worker/**'],
    [
      ['@verified-onboard/api', '@verified-onboard/api/*', '**/api/src/**', '**/services/api/**'],
      'services never import each other: share code through a package under packages/.',
    ],
  ),
  boundary(['packages/**'], NO_SERVICES),
  boundary(['packages/events/src/**'], NO_SERVICES, NO_INFRASTRUCTURE),
);
