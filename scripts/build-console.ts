import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The browser side of the operators' console (`npm run build`, after tsc): esbuild
 * bundles web/console/main.tsx (Preact and the console's own modules, nothing else) into
 * dist/console-ui/console.js, and web/console/console.css is copied beside it. The
 * server serves both at /console/assets/<file>.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const source = `${root}web/console/`;
const out = `${root}dist/console-ui/`;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [`${source}main.tsx`],
  outfile: `${out}console.js`,
  tsconfig: `${source}tsconfig.json`,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2020',
  minify: true,
  sourcemap: 'linked',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'eof',
  logLevel: 'warning',
});
copyFileSync(`${source}console.css`, `${out}console.css`);

for (const file of ['console.js', 'console.css']) {
  const bytes = statSync(`${out}${file}`).size;
  const gzipped = gzipSync(readFileSync(`${out}${file}`)).length;
  console.log(`dist/console-ui/${file}: ${(bytes / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzipped`);
}
