// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, bottom to top (docs/architecture.md): each folder may import the
 * folders listed for it and the core modules at the root of src/, nothing else. The
 * composition root (app.ts, services.ts, server.ts, index.ts) may import anything.
 */
const FOLDERS = ['protocol', 'menu', 'api', 'replies', 'replies-file', 'redis', 'pages', 'http', 'cli'];
const MAY_IMPORT = {
  protocol: [],
  menu: ['protocol'],
  api: ['protocol', 'menu'],
  replies: ['protocol', 'api'],
  'replies-file': ['protocol', 'api', 'replies'],
  redis: ['protocol', 'api', 'replies', 'replies-file'],
  pages: ['protocol', 'api'],
  http: ['protocol', 'api', 'replies', 'pages'],
  cli: ['protocol', 'menu', 'api', 'replies', 'replies-file', 'redis'],
};
/** The composition root: wiring, which only an entry point may import. */
const ROOT_MODULES = 'app|services|server|index|first-run|start-up-advice';
/** Where HTTP is not: the wire format, the rules, the outbound client and what they use. */
const NO_EXPRESS = ['protocol', 'menu', 'api', 'replies', 'replies-file', 'redis', 'pages'];
/** The metrics are made in the core module src/metrics.ts; a layer takes a MetricsRecorder. */
const PROM_CLIENT = {
  name: 'prom-client',
  allowTypeImports: true,
  message: 'Metrics are made in src/metrics.ts: take a MetricsRecorder (or the registry) as a parameter.',
};

/** @param {string} folder */
function layerRule(folder) {
  const allowed = /** @type {Record<string, string[]>} */ (MAY_IMPORT)[folder] ?? [];
  const forbidden = FOLDERS.filter((other) => other !== folder && !allowed.includes(other));
  const patterns = [
    {
      regex: `^(\\.\\./)+(${forbidden.join('|')})/`,
      message: `src/${folder}/ may import only ${allowed.length > 0 ? allowed.join(', ') + ' and ' : ''}the core modules (docs/architecture.md, "What may import what").`,
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
  ...FOLDERS.map(layerRule),
  {
    // The core modules at the root of src/ (errors, config, logger, …) import no folder.
    files: ['src/*.ts'],
    ignores: ['src/{app,services,server,index,first-run,start-up-advice}.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: `^\\./(${FOLDERS.join('|')})/`, message: 'A core module imports no folder of src/ (docs/architecture.md).' },
            { regex: `^\\./(${ROOT_MODULES})\\.js$`, message: 'A core module does not import the composition root.' },
          ],
          paths: [{ name: 'express', message: 'A core module knows no HTTP framework.' }],
        },
      ],
    },
  },
);
