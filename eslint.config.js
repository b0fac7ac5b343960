// @ts-check
import js from '@eslint/js';
import globals from 'globals';
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
  reach: ['protocol', 'wechat-api'],
  'open-platform': ['protocol', 'wechat-api', 'replies'],
  articles: ['protocol', 'wechat-api'],
  redis: ['protocol', 'wechat-api', 'replay-memory', 'replies', 'replies-file', 'reach', 'open-platform', 'articles'],
  pages: ['protocol', 'wechat-api'],
  accounts: ['protocol', 'wechat-api', 'replay-memory', 'replies', 'replies-file', 'reach', 'open-platform', 'articles', 'redis'],
  http: ['protocol', 'wechat-api', 'replay-memory', 'replies', 'reach', 'pages', 'accounts', 'open-platform', 'articles'],
  console: ['protocol', 'menu', 'wechat-api', 'replies', 'replies-file', 'reach', 'articles', 'redis', 'pages', 'accounts', 'http'],
  testing: ['protocol'],
  cli: ['protocol', 'menu', 'wechat-api', 'replies', 'replies-file', 'reach', 'open-platform', 'articles', 'redis', 'accounts', 'testing'],
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

/**
 * web/console/ is the console's browser bundle (scripts/build-console.ts): it may import
 * preact and its own modules, nothing else. Not src/ (server code must not reach the
 * browser), not the package itself, not Node's modules, no other library. Its files sit
 * at several depths, so the import that climbs out of web/console/ is counted per depth.
 */
const WEB_CONSOLE_DEPTHS = [0, 1, 2, 3];
const WEB_CONSOLE_MESSAGE =
  'web/console/ (the browser bundle) may import only preact and its own modules: nothing from src/, no other package.';

/** @param {number} depth how many folders below web/console/ */
function webConsoleImportRule(depth) {
  return {
    files: [`web/console/${'*/'.repeat(depth)}*.{ts,tsx}`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            // A package other than preact (a bare name, a scope, node:…).
            { regex: '^(?!preact(/|$))[^./]', message: WEB_CONSOLE_MESSAGE },
            // A relative path out of web/console/, such as ../../src/….
            { regex: `^(\\./)*(\\.\\./){${depth + 1}}`, message: WEB_CONSOLE_MESSAGE },
            { regex: '^/', message: WEB_CONSOLE_MESSAGE },
          ],
        },
      ],
    },
  };
}

/**
 * What the console's page may not do under its Content-Security-Policy (script-src
 * 'self', no 'unsafe-eval', no 'unsafe-inline'), and what would render a follower's text
 * as HTML: every such text is rendered as text.
 */
const WEB_CONSOLE_SAFETY = {
  files: ['web/console/**/*.{ts,tsx}'],
  languageOptions: { globals: globals.browser },
  rules: {
    'no-eval': 'error',
    'no-implied-eval': 'error',
    'no-new-func': 'error',
    'no-script-url': 'error',
    'no-restricted-properties': [
      'error',
      ...['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'write', 'writeln', 'createContextualFragment'].map((property) => ({
        property,
        message: 'Render text through Preact (as text), never as HTML.',
      })),
    ],
    'no-restricted-syntax': [
      'error',
      {
        selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
        message: 'Render text through Preact (as text), never as HTML.',
      },
      {
        selector: "CallExpression[callee.property.name='setAttribute'][arguments.0.value=/^(style|on)/]",
        message: 'An inline style or handler attribute breaks under the CSP: use a class, or a Preact prop.',
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/', 'docs/.vitepress/cache/', 'docs/.vitepress/dist/'] },
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
    files: ['**/*.ts', '**/*.tsx'],
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
  ...WEB_CONSOLE_DEPTHS.map(webConsoleImportRule),
  WEB_CONSOLE_SAFETY,
);
