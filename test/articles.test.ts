import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ArticleError } from '../src/articles/article-error.js';
import { articleProblems, PLACEHOLDER_IMAGE_URL } from '../src/articles/article-check.js';
import { ARTICLE_FILE_MAX_BYTES, readArticle, type Article } from '../src/articles/article.js';
import { parseArticleText } from '../src/articles/front-matter.js';
import { renderArticleHtml } from '../src/articles/render-html.js';

const MB = 1024 * 1024;

/** A PNG's signature and IHDR chunk (1×1, RGBA): what its format is told by; `fill` pads it to a size or makes it differ. */
function png(size = 0, fill = 0): Buffer {
  const head = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
  return Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length), fill)]);
}
function jpeg(size = 0): Buffer {
  const head = Buffer.from('ffd8ffe000104a46494600', 'hex');
  return Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length))]);
}
const gif = (): Buffer => Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');

const directories: string[] = [];
after(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** A fresh directory holding `files` (paths relative to it); returns the directory. */
function folder(files: Record<string, string | Buffer>): string {
  const directory = mkdtempSync(join(tmpdir(), 'article-'));
  directories.push(directory);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(directory, name)), { recursive: true });
    writeFileSync(join(directory, name), content);
  }
  return directory;
}

/** An article's text: front matter (title and cover unless given) and body. */
function articleText(body: string, frontMatter: Record<string, string> = {}): string {
  const fields = { title: 'A title', cover: 'cover.jpg', ...frontMatter };
  return `---\n${Object.entries(fields)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n')}\n---\n${body}`;
}

/** An article `post.md` with a cover and `files` beside it, read. */
async function article(
  body: string,
  frontMatter: Record<string, string> = {},
  files: Record<string, string | Buffer> = {},
): Promise<Article> {
  const directory = folder({ 'cover.jpg': jpeg(), ...files, 'post.md': articleText(body, frontMatter) });
  return readArticle(join(directory, 'post.md'));
}

const html = (read: Article): string => renderArticleHtml(read, () => PLACEHOLDER_IMAGE_URL);
const problems = (read: Article): string[] => articleProblems(read, html(read));

/** The ArticleError thrown, checked to be one line naming the file. */
function refusal(run: () => unknown, file: string): ArticleError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ArticleError, String(error));
    assert.equal(error.name, 'ArticleError');
    assert.equal(error.file, file);
    assert.ok(error.message.startsWith(`${file}: `), error.message);
    assert.doesNotMatch(error.message, /\n/);
    return error;
  }
  assert.fail('no ArticleError');
}

describe('front matter', () => {
  it('is read between the two lines `---`, with \\r\\n line ends, and comments default to false', () => {
    const text =
      '---\r\ntitle: 你好，世界\r\nauthor: 小明\r\ndigest: A short summary\r\ncover: img/cover.png\r\nsource_url: https://example.com/a\r\n---\r\n# Body\r\n';
    const { frontMatter, body } = parseArticleText(text, 'post.md');
    assert.deepEqual(frontMatter, {
      title: '你好，世界',
      author: '小明',
      digest: 'A short summary',
      cover: 'img/cover.png',
      source_url: 'https://example.com/a',
      comments: false,
    });
    assert.equal(body, '# Body\r\n');
    assert.equal(parseArticleText('\ufeff---\ntitle: t\ncover: c.png\ncomments: true\n---', 'x.md').frontMatter.comments, true);
  });

  it('refuses an unknown key, naming it', () => {
    const error = refusal(() => parseArticleText('---\ntitel: Typo\ntitle: t\ncover: c.png\n---\nbody', 'post.md'), 'post.md');
    assert.match(error.message, /unknown key "titel"/);
  });

  it('refuses a file without front matter, or without its closing line', () => {
    assert.match(refusal(() => parseArticleText('# Just Markdown\n', 'a.md'), 'a.md').message, /no front matter/);
    assert.match(refusal(() => parseArticleText('---\ntitle: t\ncover: c.png\n# body', 'a.md'), 'a.md').message, /no closing line/);
  });

  it('refuses a wrong type, naming the field', () => {
    const cases: [string, RegExp][] = [
      ['title: 2024\ncover: c.png', /title must be text/],
      ['cover: c.png', /title is missing/],
      ['title: "  "\ncover: c.png', /title is empty/],
      ['title: t', /cover is missing/],
      ['title: t\ncover: c.png\nsource_url: ftp://example.com/a', /source_url must be an http/],
      ['title: t\ncover: c.png\ncomments: yes', /comments must be true or false/],
      ['- a list', /front matter: must be keys and values/],
      ['title: t\ntitle: u\ncover: c.png', /line 3: the front matter is not valid YAML/],
    ];
    for (const [frontMatter, expected] of cases) {
      assert.match(refusal(() => parseArticleText(`---\n${frontMatter}\n---\n`, 'p.md'), 'p.md').message, expected, frontMatter);
    }
  });

  it('refuses aliases that stand for much, and nesting past the bound, before yaml expands them', () => {
    const laughs = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
    ];
    assert.match(
      refusal(() => parseArticleText(`---\n${laughs.join('\n')}\n---\n`, 'p.md'), 'p.md').message,
      /aliases stand for more than/,
    );
    assert.match(refusal(() => parseArticleText(`---\ntitle: ${'['.repeat(5000)}\n---\n`, 'p.md'), 'p.md').message, /nests more than/);
  });
});

describe('reading an article file', () => {
  it('refuses a file over 1 MB, and reads one of exactly 1 MB', async () => {
    const head = articleText('');
    const exact = folder({ 'cover.jpg': jpeg(), 'post.md': head + 'a'.repeat(ARTICLE_FILE_MAX_BYTES - head.length) });
    assert.equal((await readArticle(join(exact, 'post.md'))).body.length, ARTICLE_FILE_MAX_BYTES - head.length);
    const over = folder({ 'post.md': head + 'a'.repeat(ARTICLE_FILE_MAX_BYTES - head.length + 1) });
    const file = join(over, 'post.md');
    await assert.rejects(readArticle(file), (error: unknown) => {
      assert.ok(error instanceof ArticleError);
      assert.match(
        error.message,
        new RegExp(`${ARTICLE_FILE_MAX_BYTES + 1} bytes; an article file may have at most ${ARTICLE_FILE_MAX_BYTES}`),
      );
      return true;
    });
  });

  it('refuses a missing file, a directory and text that is not UTF-8', async () => {
    const directory = folder({ 'latin1.md': Buffer.from('---\ntitle: caf\xe9\ncover: c.png\n---\n', 'latin1') });
    await assert.rejects(readArticle(join(directory, 'none.md')), /none\.md: no such file/);
    await assert.rejects(readArticle(directory), /is not a regular file/);
    await assert.rejects(readArticle(join(directory, 'latin1.md')), /is not UTF-8 text/);
  });

  it('finds the local images in order, once per file, resolved against the article’s directory', async () => {
    const directory = folder({
      'posts/post.md': articleText(
        '![b](b.png) ![a](../img/a.png)\n\n![b again](./b.png) ![a again](sub/../../img/a.png) ![c](<c d.png>)',
        {
          cover: '../img/cover.jpg',
        },
      ),
      'posts/b.png': png(),
      'posts/c d.png': png(),
      'img/a.png': jpeg(),
      'img/cover.jpg': jpeg(),
    });
    const read = await readArticle(join(directory, 'posts', 'post.md'));
    assert.equal(read.path, join(directory, 'posts', 'post.md'));
    assert.deepEqual(
      read.images.map((image) => [image.src, image.path, image.format]),
      [
        ['b.png', join(directory, 'posts', 'b.png'), 'png'],
        ['../img/a.png', join(directory, 'img', 'a.png'), 'jpeg'],
        ['c d.png', join(directory, 'posts', 'c d.png'), 'png'],
      ],
    );
    assert.deepEqual(read.images[0]!.bytes, png());
    assert.equal(read.cover.path, join(directory, 'img', 'cover.jpg'));
    assert.equal(read.cover.format, 'jpeg');
    assert.deepEqual(problems(read), []);
  });

  it('reads a missing image as no bytes, and the check reports it', async () => {
    const read = await article('![gone](gone.png)');
    assert.equal(read.images.length, 1);
    assert.equal(read.images[0]!.bytes, undefined);
    assert.equal(read.images[0]!.sha256, undefined);
    assert.equal(read.images[0]!.format, undefined);
    const [problem, ...rest] = problems(read);
    assert.match(problem ?? '', /^image gone\.png: no such file/);
    assert.deepEqual(rest, []);
  });

  it('keeps images from the web and data: URLs apart, and the check reports each', async () => {
    const read = await article(
      '![web](https://example.com/a.png) ![again](https://example.com/a.png) ![inline](data:image/png;base64,iVBORw0KGgo=) ![f](file:///etc/passwd)',
    );
    assert.deepEqual(read.images, []);
    assert.deepEqual(read.remoteImages, ['https://example.com/a.png']);
    assert.deepEqual(read.unsupportedImages, ['data:image/png;base64,iVBORw0KGgo=', 'file:///etc/passwd']);
    const found = problems(read);
    assert.equal(found.length, 3);
    assert.match(found[0]!, /^image https:\/\/example\.com\/a\.png: on the web.*download it next to the article/);
    assert.match(found[1]!, /^image data:image\/png;base64,iVBORw0KGgo=: neither a relative path nor an http\(s\) URL/);
  });
});

/** Every attribute name of every tag in the HTML (the text of the article, escaped, has no tags). */
function attributeNames(html: string): string[] {
  const names = new Set<string>();
  for (const [tag] of html.matchAll(/<[a-z][a-z0-9]*\s[^<>]*>/g)) {
    for (const [, name] of tag.matchAll(/\s([a-z-]+)="/g)) names.add(name!);
  }
  return [...names].sort();
}

describe('the HTML for WeChat', () => {
  it('has inline styles, no class or script, raw HTML as text, and images at the URLs given', async () => {
    const body = [
      '# Heading',
      '',
      'A paragraph with `code`, **strong** and *em*.',
      '',
      '<script>alert(1)</script>',
      '',
      '<div class="x" onclick="steal()">raw</div>',
      '',
      '```js',
      'const a = 1 < 2;',
      '```',
      '',
      '![a photo](photo.png)',
      '',
      '![from the web](https://example.com/x.png)',
      '',
      '| a | b |',
      '| - | -: |',
      '| 1 | 2 |',
    ].join('\n');
    const read = await article(body, {}, { 'photo.png': png() });
    const given: string[] = [];
    const out = renderArticleHtml(read, (image) => {
      given.push(image.src);
      return `https://mmbiz.qpic.cn/${image.sha256 ?? ''}?a=1&b="2"`;
    });
    assert.deepEqual(given, ['photo.png']);
    // No class or id (markdown-it's fence writes class="language-js"), nothing from the raw <div>.
    assert.deepEqual(attributeNames(out), ['alt', 'src', 'style']);
    assert.match(out, /&lt;div class=&quot;x&quot; onclick=&quot;steal\(\)&quot;&gt;raw&lt;\/div&gt;/);
    assert.doesNotMatch(out, /<script/i);
    assert.doesNotMatch(out, /<div/);
    assert.match(out, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(out, /<p style="[^"]+">A paragraph/);
    assert.match(out, /<pre style="[^"]*font-family:[^"]*monospace[^"]*"><code style="[^"]+">const a = 1 &lt; 2;/);
    assert.match(out, /<pre style="[^"]*overflow-x:auto;white-space:pre-wrap/);
    assert.match(out, /<h1 style="[^"]+">Heading<\/h1>/);
    assert.match(out, /<code style="[^"]+">code<\/code>/);
    assert.match(out, /<strong>strong<\/strong>/);
    assert.match(out, /<td style="border:1px solid [^"]+;text-align:right">2<\/td>/);
    assert.match(out, /^<section style="font-size:16px;line-height:1\.75;color:#333/);
    const sha = read.images[0]!.sha256!;
    assert.match(
      out,
      new RegExp(
        `<img src="https://mmbiz\\.qpic\\.cn/${sha}\\?a=1&amp;b=&quot;2&quot;" alt="a photo" style="max-width:100%;display:block;margin:1em auto">`,
      ),
    );
    assert.match(out, /\[image: from the web\]/);
    assert.doesNotMatch(out, /example\.com\/x\.png/);
  });

  it('writes a link to elsewhere as its text and address, and keeps a link to a WeChat article', async () => {
    const read = await article(
      'See [the docs](https://example.com/a?b=1&c=2), [a post](https://mp.weixin.qq.com/s/AbC) and [bad](javascript:alert(1)).',
    );
    const out = html(read);
    assert.match(out, /the docs<span style="[^"]+"> \(https:\/\/example\.com\/a\?b=1&amp;c=2\)<\/span>/);
    assert.doesNotMatch(out, /<a href="https:\/\/example/);
    assert.match(out, /<a href="https:\/\/mp\.weixin\.qq\.com\/s\/AbC" style="[^"]+">a post<\/a>/);
    assert.match(out, /bad<span style="[^"]+"> \(javascript:alert\(1\)\)<\/span>/);
    assert.doesNotMatch(out, /href="javascript/);
  });
});

describe('WeChat’s limits', () => {
  /** Text of `length` code points, each outside the BMP (two UTF-16 units): counted as WeChat counts. */
  const wide = (length: number): string => '𠀀'.repeat(length);

  it('title at most 32 characters, author 16, digest 128', async () => {
    assert.deepEqual(problems(await article('Body', { title: wide(32), author: wide(16), digest: wide(128) })), []);
    assert.deepEqual(problems(await article('Body', { title: wide(33), author: wide(17), digest: wide(129) })), [
      'title: 33 characters, WeChat allows at most 32',
      'author: 17 characters, WeChat allows at most 16',
      'digest: 129 characters, WeChat allows at most 128',
    ]);
  });

  it('source_url at most 1,024 bytes in UTF-8', async () => {
    const url = (bytes: number): string => `https://example.com/${'a'.repeat(bytes - 'https://example.com/'.length)}`;
    assert.deepEqual(problems(await article('Body', { source_url: url(1024) })), []);
    assert.deepEqual(problems(await article('Body', { source_url: url(1025) })), [
      'source_url: 1025 bytes (UTF-8), WeChat allows at most 1024',
    ]);
  });

  it('HTML fewer than 20,000 characters and less than 1 MB', async () => {
    const read = await article('Body');
    assert.deepEqual(articleProblems(read, 'a'.repeat(19_999)), []);
    assert.deepEqual(articleProblems(read, 'a'.repeat(20_000)), [
      'content: 20000 characters of HTML, WeChat allows fewer than 20000: shorten the article or split it',
    ]);
    assert.deepEqual(articleProblems(read, wide(19_999)), []);
    // Fewer than 20,000 characters are always less than 1 MB: the bytes' limit shows only with the characters'.
    assert.equal(articleProblems(read, 'a'.repeat(MB - 1)).length, 1);
    assert.deepEqual(articleProblems(read, 'a'.repeat(MB)).at(-1), `content: ${MB} bytes of HTML, WeChat allows less than ${MB} (1 MB)`);
  });

  it('the HTML is measured with image URLs as long as WeChat’s', async () => {
    assert.match(PLACEHOLDER_IMAGE_URL, /^http:\/\/mmbiz\.qpic\.cn\/mmbiz_png\/.{60}\/0\?wx_fmt=png$/);
    const read = await article('![a](a.png)', {}, { 'a.png': png() });
    assert.ok(html(read).includes(`src="${PLACEHOLDER_IMAGE_URL}"`));
  });

  it('images of the body: JPEG or PNG, less than 1 MB', async () => {
    const read = await article(
      '![ok](ok.png) ![big](big.jpg) ![anim](anim.gif) ![text](text.png)',
      {},
      {
        'ok.png': png(MB - 1),
        'big.jpg': jpeg(MB),
        'anim.gif': gif(),
        'text.png': 'not an image',
      },
    );
    assert.deepEqual(problems(read), [
      `image big.jpg: 1.0 MB (${MB} bytes), WeChat allows less than 1 MB (${MB} bytes) in an article's body`,
      "image anim.gif: a GIF image; WeChat takes only JPEG or PNG in an article's body",
      "image text.png: not a JPEG, PNG or GIF image (by its first bytes); WeChat takes only JPEG or PNG in an article's body",
    ]);
  });

  it('cover: present, JPEG, PNG or GIF, at most 10 MB', async () => {
    assert.deepEqual(problems(await article('Body', { cover: 'c.gif' }, { 'c.gif': gif() })), []);
    assert.deepEqual(problems(await article('Body', { cover: 'c.png' }, { 'c.png': png(10 * MB) })), []);
    const over = await article('Body', { cover: 'c.png' }, { 'c.png': png(10 * MB + 5) });
    assert.equal(over.cover.bytes?.length, 10 * MB + 1);
    assert.deepEqual(problems(over), [`cover c.png: more than 10 MB, WeChat allows at most 10 MB (${10 * MB} bytes)`]);
    assert.match(problems(await article('Body', { cover: 'none.png' }))[0] ?? '', /^cover none\.png: no such file/);
    assert.match(
      problems(await article('Body', { cover: 'c.webp' }, { 'c.webp': 'RIFF....WEBP' }))[0] ?? '',
      /^cover c\.webp: not a JPEG, PNG or GIF/,
    );
    assert.match(problems(await article('Body', { cover: 'https://example.com/c.png' }))[0] ?? '', /^cover https:.*not a URL: download it/);
  });
});

describe('contentHash', () => {
  it('is the same for two reads, and for a copy elsewhere; it changes with an image’s bytes, the title or the cover', async () => {
    const directory = folder({ 'cover.jpg': jpeg(), 'a.png': png(), 'post.md': articleText('![a](a.png)') });
    const file = join(directory, 'post.md');
    const first = await readArticle(file);
    assert.match(first.contentHash, /^[0-9a-f]{64}$/);
    assert.equal((await readArticle(file)).contentHash, first.contentHash);
    const copy = mkdtempSync(join(tmpdir(), 'article-copy-'));
    directories.push(copy);
    cpSync(directory, copy, { recursive: true });
    assert.equal((await readArticle(join(copy, 'post.md'))).contentHash, first.contentHash);

    writeFileSync(join(directory, 'a.png'), png(41, 1));
    const imageChanged = await readArticle(file);
    assert.notEqual(imageChanged.contentHash, first.contentHash);

    writeFileSync(file, articleText('![a](a.png)', { title: 'Another title' }));
    const titleChanged = await readArticle(file);
    assert.notEqual(titleChanged.contentHash, imageChanged.contentHash);

    writeFileSync(join(directory, 'cover.jpg'), jpeg(100));
    const coverChanged = await readArticle(file);
    assert.notEqual(coverChanged.contentHash, titleChanged.contentHash);
    // The file written again, the same: the hash is of what is in it, not of when it was written.
    writeFileSync(file, articleText('![a](a.png)', { title: 'Another title' }));
    assert.equal((await readArticle(file)).contentHash, coverChanged.contentHash);
  });
});

describe('untrusted input', () => {
  it('renders and checks 100,000 nested `>` or `[` or `![` within a few seconds at most', async () => {
    for (const nested of ['>'.repeat(100_000) + ' deep', '['.repeat(100_000) + 'x' + ']'.repeat(100_000), '!['.repeat(100_000)]) {
      const started = performance.now();
      const read = await article(nested);
      const out = html(read);
      assert.ok(Array.isArray(articleProblems(read, out)));
      assert.doesNotMatch(out, /<[^<>]*\sclass=/);
      assert.ok(performance.now() - started < 5000, `${nested.slice(0, 3)}: ${Math.round(performance.now() - started)} ms`);
    }
  });
});
