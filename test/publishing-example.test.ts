import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { checkArticle } from '../src/articles/publisher.js';

/** What docs/publishing.md shows: the example article and the CI job. */

const EXAMPLE_ARTICLE = fileURLToPath(new URL('../examples/articles/hello.md', import.meta.url));
const EXAMPLE_DIR = fileURLToPath(new URL('../examples/articles/', import.meta.url));
const CI_JOB = fileURLToPath(new URL('../examples/ci/publish-articles.yml', import.meta.url));

const directories: string[] = [];
after(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});
function temporary(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  directories.push(directory);
  return directory;
}

describe('the example article', () => {
  it('passes the offline check of `draft --check`, with its cover and two local images', async () => {
    const { article, problems } = await checkArticle(EXAMPLE_ARTICLE);
    assert.deepEqual(problems, []);
    assert.equal(article.images.length, 2, 'two images of its own, beside it');
    for (const image of [...article.images, article.cover]) {
      assert.equal(image.format, 'png', image.src);
      assert.ok(image.bytes !== undefined && image.bytes.length < 5 * 1024, `${image.src}: under 5 KB`);
    }
    assert.deepEqual(article.remoteImages, []);
  });

  it('is refused by the same check when an image beside it is missing', async () => {
    const copy = join(temporary('example-article-'), 'articles');
    cpSync(EXAMPLE_DIR, copy, { recursive: true });
    rmSync(join(copy, 'images', 'flow.png'));
    const { problems } = await checkArticle(join(copy, 'hello.md'));
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0] ?? '', /^image images\/flow\.png: no such file/);
  });
});

interface Step {
  readonly name?: string;
  readonly run?: string;
  readonly uses?: string;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly if?: string;
  readonly env?: Record<string, string>;
  readonly steps: readonly Step[];
}
interface Workflow {
  readonly on: {
    readonly push: { readonly branches: readonly string[]; readonly paths: readonly string[] };
    readonly pull_request: { readonly paths: readonly string[] };
  };
  readonly jobs: Record<string, Job>;
}

function workflow(): Workflow {
  const document = parseDocument(readFileSync(CI_JOB, 'utf8'), { uniqueKeys: true });
  assert.deepEqual(document.errors, []);
  assert.deepEqual(document.warnings, []);
  return document.toJS() as Workflow;
}

/** The step of `job` whose script runs `npm run articles`. */
function articlesStep(job: Job | undefined): Step & { readonly run: string } {
  const step = job?.steps.find((candidate) => candidate.run?.includes('npm run articles') === true);
  assert.ok(step?.run !== undefined, 'a step runs npm run articles');
  return { ...step, run: step.run };
}

describe('the example CI job', () => {
  it('is YAML that drafts on a push to main, with the AppID and secret from the repository secrets', () => {
    const { on, jobs } = workflow();
    assert.deepEqual(on.push.branches, ['main']);
    assert.deepEqual(on.push.paths, ['articles/**/*.md']);
    const draft = jobs.draft;
    assert.equal(draft?.if, "github.event_name == 'push'");
    assert.match(articlesStep(draft).run, /^npm run articles -- draft "\$\{files\[@\]\}"$/m);
    assert.equal(draft?.env?.WECHAT_APPID, '${{ secrets.WECHAT_APPID }}');
    assert.equal(draft?.env?.WECHAT_APPSECRET, '${{ secrets.WECHAT_APPSECRET }}');
    // The records: restored before drafting, kept after (ARTICLES_STATE_FILE's default).
    const steps = draft?.steps ?? [];
    const restore = steps.findIndex((step) => step.uses === 'actions/cache/restore@v4');
    const drafting = steps.findIndex((step) => step.run?.includes('npm run articles') === true);
    const save = steps.findIndex((step) => step.uses === 'actions/cache/save@v4');
    assert.ok(restore >= 0 && restore < drafting && drafting < save, JSON.stringify(steps.map((step) => step.name ?? step.uses)));
    assert.match(readFileSync(CI_JOB, 'utf8'), /path: \.wechat-articles\.json/);
  });

  it('checks a pull request’s articles offline, without secrets', () => {
    const { on, jobs } = workflow();
    assert.deepEqual(on.pull_request.paths, ['articles/**/*.md']);
    const check = jobs.check;
    assert.equal(check?.if, "github.event_name == 'pull_request'");
    assert.match(articlesStep(check).run, /^npm run articles -- draft --check "\$\{files\[@\]\}"$/m);
    assert.doesNotMatch(JSON.stringify(check), /secrets\./);
  });

  it('drafts the Markdown files under articles/ that the push added or changed, and no other', { skip: !hasBashAndGit() }, () => {
    const repo = temporary('example-ci-');
    const git = (...args: string[]): string => {
      const result = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim();
    };
    const write = (file: string, text: string): void => {
      mkdirSync(join(repo, file, '..'), { recursive: true });
      writeFileSync(join(repo, file), text);
    };
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'ci@example.com');
    git('config', 'user.name', 'CI');
    write('articles/kept.md', 'a');
    write('articles/removed.md', 'b');
    git('add', '.');
    git('-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'before the push');
    const before = git('rev-parse', 'HEAD');
    write('articles/kept.md', 'a, changed');
    write('articles/new one.md', 'c');
    write('articles/2026/deep.md', 'd');
    write('articles/images/cover.png', 'e');
    write('docs/elsewhere.md', 'f');
    git('rm', '-q', 'articles/removed.md');
    git('add', '.');
    git('-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'the push');

    // `npm` on the PATH: prints what it was asked to run, one argument a line.
    const bin = temporary('example-ci-bin-');
    writeFileSync(join(bin, 'npm'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
    chmodSync(join(bin, 'npm'), 0o755);
    const run = (beforeSha: string): string[] => {
      const result = spawnSync('bash', ['-e', '-c', articlesStep(workflow().jobs.draft).run], {
        cwd: repo,
        encoding: 'utf8',
        env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, BEFORE: beforeSha, RUNNER_TEMP: temporary('example-ci-temp-') },
      });
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim().split('\n');
    };
    const drafted = ['run', 'articles', '--', 'draft', 'articles/2026/deep.md', 'articles/kept.md', 'articles/new one.md'];
    assert.deepEqual(run(before), drafted);
    // A push that created the branch has no commit before it: the last commit's changes.
    assert.deepEqual(run('0'.repeat(40)), drafted);
  });
});

/** The job's shell (bash 4.4 or later, for `mapfile -d`) and git. */
function hasBashAndGit(): boolean {
  return spawnSync('bash', ['-c', 'mapfile -d "" x < /dev/null && git --version'], { encoding: 'utf8' }).status === 0;
}
