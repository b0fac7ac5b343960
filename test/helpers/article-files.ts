import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes that read as a PNG (its signature), different for each `label`. */
export const pngBytes = (label: string, size = 64): Buffer =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(size, label)]);

/** Bytes that read as a JPEG (its start of image), different for each `label`. */
export const jpegBytes = (label: string, size = 64): Buffer =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size, label)]);

export interface ArticleFields {
  readonly title?: string;
  readonly body?: string;
  readonly extra?: string;
}

/**
 * `articles/hello.md` in `dir`, with two local images (`images/one.png`,
 * `images/two.jpg`) and a cover (`images/cover.png`): the article of the issue's
 * "done when". Answers the file's path relative to `dir`.
 */
export function writeHelloArticle(dir: string, fields: ArticleFields = {}): string {
  const articles = join(dir, 'articles');
  mkdirSync(join(articles, 'images'), { recursive: true });
  writeFileSync(join(articles, 'images', 'one.png'), pngBytes('1'));
  writeFileSync(join(articles, 'images', 'two.jpg'), jpegBytes('2'));
  writeFileSync(join(articles, 'images', 'cover.png'), pngBytes('c'));
  const body =
    fields.body ??
    '# 你好\n\nThe first paragraph, with **bold** text and `code`.\n\n![one](images/one.png)\n\n```js\nconsole.log(1);\n```\n\n![two](images/two.jpg)\n';
  writeFileSync(
    join(articles, 'hello.md'),
    `---\ntitle: ${fields.title ?? 'Hello from git'}\nauthor: 小明\ndigest: A short summary\ncover: images/cover.png\ncomments: true\n${fields.extra ?? ''}---\n${body}`,
  );
  return 'articles/hello.md';
}
