import { Extractor, ExtractorConfig, ExtractorLogLevel, type IConfigFile } from '@microsoft/api-extractor';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The API report: for each entry point of package.json "exports" (the root, `./protocol`,
 * `./api`, `./testing`), API Extractor reads its built declarations (dist/*.d.ts, from
 * `npm run build`) and writes the public surface to etc/<name>.api.md, which is committed.
 * `npm run lint` runs it as a check: a surface that differs from its report fails, so a
 * change to the public API shows in review as a change to etc/. `npm run api-report`
 * (`--local`) writes the reports anew after an intended change.
 * https://api-extractor.com/pages/setup/configure_api_report/
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, string | { types?: string }> };
const local = process.argv.includes('--local');

/** The report's file name (without `.api.md`) for a subpath: `wechat-oa-server`, `wechat-oa-server.protocol`, … */
function reportName(subpath: string): string {
  return subpath === '.' ? 'wechat-oa-server' : `wechat-oa-server.${subpath.slice(2)}`;
}

function configFor(subpath: string, types: string): IConfigFile {
  return {
    projectFolder: root,
    mainEntryPointFilePath: `<projectFolder>/${types}`,
    // Only the declarations of this package and what they import; not the tests' tsconfig.
    compiler: {
      overrideTsconfig: {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023'],
          types: ['node'],
          strict: true,
          skipLibCheck: true,
        },
        files: [`${root}${types}`],
      },
    },
    apiReport: {
      enabled: true,
      reportFileName: reportName(subpath),
      reportFolder: '<projectFolder>/etc/',
      reportTempFolder: '<projectFolder>/test-artifacts/api-report/',
      // A type the surface reaches but the entry point does not name (the parts of the
      // message union, an internal class behind a public property) is in the report
      // too, marked ae-forgotten-export: a change to it shows in review like any other.
      includeForgottenExports: true,
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    newlineKind: 'lf',
    messages: {
      // A type in the surface that its entry point does not export is a hole in the API.
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.Warning },
        'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
        // No @public/@beta tags: everything an entry point exports is public.
        'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
        // Documentation is reviewed as code is, not counted here.
        'ae-undocumented': { logLevel: ExtractorLogLevel.None },
      },
      // The comments are written for readers, not to the TSDoc grammar.
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
    },
  };
}

let failed = 0;
for (const [subpath, target] of Object.entries(manifest.exports)) {
  if (typeof target === 'string' || target.types === undefined) continue; // ./package.json
  const config = ExtractorConfig.prepare({
    configObject: configFor(subpath, target.types.replace(/^\.\//, '')),
    configObjectFullPath: undefined,
    packageJsonFullPath: `${root}package.json`,
  });
  const result = Extractor.invoke(config, { localBuild: local, showVerboseMessages: false });
  if (!result.succeeded) {
    failed += 1;
    console.error(
      result.apiReportChanged
        ? `The public API of "${subpath}" changed: if that is intended, run \`npm run api-report\` and commit etc/${reportName(subpath)}.api.md.`
        : `API Extractor failed for "${subpath}" (${result.errorCount} errors, ${result.warningCount} warnings).`,
    );
  }
}
process.exitCode = failed === 0 ? 0 : 1;
