// Flat config: typescript-eslint's type-checked rules over every workspace source, test, script and bench
// file, plus the architecture's import boundaries. `npm run lint` runs this and `prettier --check`.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Import patterns a group of files must never use: services are deployed apart, packages are shared. */
const boundary = (files, forbidden, message) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { patterns: [{ group: forbidden, message, allowTypeImports: false }] },
    ],
  },
});

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
  boundary(
    ['services/api/**'],
    ['@verified-onboard/worker', '@verified-onboard/worker/*', '**/worker/src/**', '**/services/worker/**'],
    'services never import each other: share code through a package under packages/.',
  ),
  boundary(
    ['services/worker/**'],
    ['@verified-onboard/api', '@verified-onboard/api/*', '**/api/src/**', '**/services/api/**'],
    'services never import each other: share code through a package under packages/.',
  ),
  boundary(
    ['packages/**'],
    [
      '@verified-onboard/api',
      '@verified-onboard/api/*',
      '@verified-onboard/worker',
      '@verified-onboard/worker/*',
      '**/services/**',
    ],
    'packages never import services: a package is shared by every service and must not depend on one.',
  ),
);
