import { ESLint } from 'eslint';

/**
 * ESLint with the project's own configuration, for tests that check a lint rule bites.
 * The snippets linted do not exist as files, so no TypeScript project holds them: the
 * rules that read types are off for them (the rules these tests check read no type).
 */
const eslint = new ESLint({
  cwd: new URL('../..', import.meta.url).pathname,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': 'off',
    },
  },
});

/** What the project's lint says of `code` were it the file `filePath`. */
export async function lintSnippet(filePath: string, code: string): Promise<ESLint.LintResult['messages']> {
  const [result] = await eslint.lintText(code, { filePath });
  return result?.messages ?? [];
}
