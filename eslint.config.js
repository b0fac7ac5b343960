// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, bottom to top (docs/architecture.md): each folder may import
 * core/ and the folders listed for it, nothing else. The files at the root of src/ (the
 * composition root and the package's entry points) may import anything.
 */
const MAY_IMPORT = {
  core: [],
  protocol: [],
  menu: ['protocol'],
  'wechat-api': ['protocol', 'menu'],
  'replay-memory': [],
  replies: ['protocol', 'wechat-api'],
  'replies-file': ['protocol', 'wechat-api', 'replies'],
  redis: ['protocol', 'wechat-api', 'replay-memory', 'replies', 'replies-file'],
  pages: ['protocol', 'wechat-api'],
  accounts: ['protocol', 'wechat-api', 'replay-memory', 'replies', 'replies-file', 'redis'],
  http: ['protocol', 'wechat-api', 'replay-memory', 'replies', 'pages', 'accounts'],
  console: ['protocol', 'menu', 'wechat-api', 'replies', 'replies-file', 'pages', 'accounts', 'http'],
  testing: ['protocol'],
  cli: ['protocol', 'menu', 'wechat-api', 'replies', 'replies-file', 'redis', 'accounts', 'testing'],
  'start-up': [],
};
const FOLDERS = Object.keys(MAY_IMPORT);
/**
 * The composition root (wiring) and the package's entry points (index, protocol, api,
 * testing: package.json "exports"), which only the root may import.
 */
const ROOT_MODULES = 'app|services|server|index|protocol|api|testing';
/** Where HTTP is not: every folder but the routes, the console and the commands. */
const NO_EXPRESS = FOLDERS.filter((folder) => folder !== 'http' && folder !== 'console' && folder !== 'cli');
/** The metrics are made in src/core/metrics.ts; a layer takes a MetricsRecorder. */
const PROM_CLIENT = {
  name: 'prom-client',
  allowTypeImports: true,
  message: 'Metrics are made in src/core/metrics.ts: take a MetricsRecorder (or the registry) as a parameter.',
};

/** @param {string} folder */
function layerRule(folder) {
  const listed = /** @type {Record<string, string[]>} */ (MAY_IMPORT)[folder] ?? [];
  const allowed = folder === 'core' ? listed : [...listed, 'core'];
  const forbidden = FOLDERS.filter((other) => other !== folder && !allowed.includes(other));
  const patterns = [
    {
      regex: `^(\\.\\./)+(${forbidden.join('|')})/`,
      message: `src/${folder}/ may import only ${allowed.length > 0 ? allowed.join(', ') : 'packages'} (docs/architecture.md, "What may import what").`,
    },
    {
      regex: `^(\\.\\./)+(${ROOT_MODULES})\\.js$`,
      message: 'Only the composition root wires things together: take what you need as a parameter instead.',
    },
  ];
  const paths = NO_EXPRESS.includes(folder)
    ? [{ name: 'express', message: `src/${folder}/ knows no HTTP framework: only src/http/ does.` }, PROM_CLIENT]
    : [PROM_CLIENT];
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns, paths }] },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Rules that read the types: a promise nobody awaits (its rejection would go
    // unhandled), a promise where a callback's result is ignored (an Express handler
    // before version 5, an event listener), a switch over a union that misses a member.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe and it return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  ...FOLDERS.map(layerRule),
);
