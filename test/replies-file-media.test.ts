import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FIRST_BACK_OFF_MS, LONGEST_BACK_OFF_MS } from '../src/core/failure-back-off.js';
import { parseReplies } from '../src/replies-file/load.js';
import { FakeWeChat } from './helpers/fake-wechat.js';
import type { MultipartBody } from './helpers/fake-wechat-account.js';
import { PrivateRedis, describeWithRedis } from './helpers/redis-server.js';
import { startApp, type RunningApp, untilRedisReady } from './helpers/start-app.js';
import { exchange, postToWebhook, textXml } from './helpers/wechat.js';
import { until } from './helpers/until.js';

const UPLOAD = '/cgi-bin/media/upload';
const LOGO = fileURLToPath(new URL('../media/logo.png', import.meta.url));
const LOGO_SHA = createHash('sha256').update(readFileSync(LOGO)).digest('hex');
const DAY_MS = 24 * 60 * 60 * 1000;

const FILE = `
keywords:
  - exact: logo
    reply: { type: image, file: media/logo.png }
  - exact: 歌
    reply: { type: music, title: 店歌, thumbFile: media/cover.jpg }
`;

/** A replies file with the shipped logo and a thumb next to it, in a fresh directory. */
function repliesWithMedia(text = FILE): string {
  const directory = mkdtempSync(join(tmpdir(), 'replies-media-'));
  mkdirSync(join(directory, 'media'));
  copyFileSync(LOGO, join(directory, 'media', 'logo.png'));
  writeFileSync(join(directory, 'media', 'cover.jpg'), Buffer.alloc(2048, 7));
  writeFileSync(join(directory, 'replies.yaml'), text);
  return join(directory, 'replies.yaml');
}

const healthz = async (app: RunningApp): Promise<number> => (await fetch(`${app.url}/healthz`)).status;

const mediaIdOf = (reply: Record<string, unknown>): unknown => (reply.Image as { MediaId?: unknown } | undefined)?.MediaId;
const logo = (app: RunningApp) => exchange(app.url, textXml('logo'));

describe('replies naming their own files: uploaded once, then reused', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let clock = Date.now();
  before(async () => {
    fake = await new FakeWeChat().start();
    app = await startApp({ ...fake.env(), REPLIES_FILE: repliesWithMedia() }, { now: () => clock });
  });
  after(async () => {
    await app.close();
    await fake.stop();
  });
  beforeEach(() => {
    fake.calls.length = 0;
  });

  it('an image file: uploaded as multipart field media, and the reply carries its media_id', async () => {
    const reply = await logo(app);
    assert.equal(reply.MsgType, 'image');
    assert.match(String(mediaIdOf(reply)), new RegExp(`^MEDIA_ID_\\d+_${LOGO_SHA.slice(0, 8)}$`));
    const [upload, ...more] = fake.callsTo(UPLOAD);
    assert.equal(more.length, 0);
    assert.equal(upload?.query.type, 'image');
    const parts = (upload?.body as MultipartBody).parts;
    assert.deepEqual(
      parts.map((part) => [part.name, part.filename, part.contentType, part.sha256]),
      [['media', 'logo.png', 'image/png', LOGO_SHA]],
    );
    assert.equal(mediaIdOf(await logo(app)), mediaIdOf(reply), 'reused');
    assert.equal(fake.count(UPLOAD), 1);
  });

  it('a music reply’s thumbFile is uploaded as a thumb', async () => {
    const reply = await exchange(app.url, textXml('歌'));
    assert.equal(reply.MsgType, 'music');
    assert.match(String((reply.Music as Record<string, unknown>).ThumbMediaId), /^MEDIA_ID_/);
    assert.deepEqual(
      fake.callsTo(UPLOAD).map((call) => call.query.type),
      ['thumb'],
    );
  });

  it('uploaded again once 2.5 days have passed, before WeChat forgets it at 3', async () => {
    const first = mediaIdOf(await logo(app));
    clock += 2 * DAY_MS;
    assert.equal(mediaIdOf(await logo(app)), first);
    assert.equal(fake.count(UPLOAD), 0);
    clock += DAY_MS / 2 + 1000;
    const second = mediaIdOf(await logo(app));
    assert.notEqual(second, first);
    assert.equal(fake.count(UPLOAD), 1);
    assert.equal(mediaIdOf(await logo(app)), second);
    assert.equal(fake.count(UPLOAD), 1);
  });
});

describe('a replies file that uploads files, on a server without WECHAT_APPID and WECHAT_APPSECRET', () => {
  it('warns at start-up, naming the file; with both set, it does not', async () => {
    const without = await startApp({ REPLIES_FILE: repliesWithMedia() });
    try {
      const warning = without.logs.find((line) => line.level === 40 && String(line.msg).startsWith('the replies file uploads'));
      assert.ok(warning, JSON.stringify(without.logs));
      assert.match(
        String(warning.msg),
        /uploads 2 files \(.*logo\.png, .*cover\.jpg\), but WECHAT_APPID and WECHAT_APPSECRET are not both set/,
      );
    } finally {
      await without.close();
    }
    const fake = await new FakeWeChat().start();
    const withBoth = await startApp({ ...fake.env(), REPLIES_FILE: repliesWithMedia() });
    try {
      assert.ok(!withBoth.logs.some((line) => String(line.msg).startsWith('the replies file uploads')));
    } finally {
      await withBoth.close();
      await fake.stop();
    }
  });
});

describe('the first uses of a file', () => {
  it('20 messages at once make one upload, and all carry its media_id', async () => {
    const fake = await new FakeWeChat().start();
    const app = await startApp({ ...fake.env(), REPLIES_FILE: repliesWithMedia() });
    try {
      fake.on(UPLOAD, { delayMs: 300 });
      const replies = await Promise.all(Array.from({ length: 20 }, () => logo(app)));
      assert.equal(fake.count(UPLOAD), 1);
      const ids = new Set(replies.map(mediaIdOf));
      assert.equal(ids.size, 1);
      assert.match(String([...ids][0]), /^MEDIA_ID_/);
    } finally {
      await app.close();
      await fake.stop();
    }
  });

  it('an upload WeChat refuses: success, the errcode logged once, no upload until the wait ends, then the image', async () => {
    let clock = Date.now();
    const fake = await new FakeWeChat().start();
    const app = await startApp({ ...fake.env(), REPLIES_FILE: repliesWithMedia() }, { now: () => clock });
    try {
      fake.on(UPLOAD, { errcode: 45009, errmsg: 'reach max api daily quota limit', times: 1000 });
      for (let i = 0; i < 50; i++) {
        const refused = await postToWebhook(app.url, textXml('logo'));
        assert.equal(await refused.text(), 'success');
      }
      assert.equal(fake.count(UPLOAD), 1, 'the failure is remembered, WeChat not asked again');
      const logged = app.logs.filter((line) => line.errcode === 45009);
      assert.equal(logged.length, 1);
      assert.match(String(logged[0]?.msg), /uploading a media file failed/);
      assert.equal(logged[0]?.level, 50);
      assert.equal(logged[0]?.retryInS, FIRST_BACK_OFF_MS / 1000);

      clock += FIRST_BACK_OFF_MS;
      assert.equal(await (await postToWebhook(app.url, textXml('logo'))).text(), 'success');
      assert.equal(await (await postToWebhook(app.url, textXml('logo'))).text(), 'success');
      assert.equal(fake.count(UPLOAD), 2, 'one more upload once the wait is over');

      fake.off(UPLOAD);
      clock += LONGEST_BACK_OFF_MS;
      assert.match(String(mediaIdOf(await logo(app))), /^MEDIA_ID_/);
      assert.equal(fake.count(UPLOAD), 3);
      assert.equal(app.logs.filter((line) => line.errcode === 45009).length, 2);
    } finally {
      await app.close();
      await fake.stop();
    }
  });

  it('an upload slower than REPLY_TIMEOUT_MS: success in time, the image follows as a customer-service message', async () => {
    const fake = await new FakeWeChat().start();
    const app = await startApp({ ...fake.env(), REPLIES_FILE: repliesWithMedia(), REPLY_TIMEOUT_MS: '300' });
    try {
      fake.on(UPLOAD, { delayMs: 1200 });
      const late = await postToWebhook(app.url, textXml('logo'));
      assert.equal(await late.text(), 'success');
      assert.equal(fake.count('/cgi-bin/message/custom/send'), 0);
      await until(async () => fake.count('/cgi-bin/message/custom/send') > 0, 'the customer-service message');
      const [sent] = fake.callsTo('/cgi-bin/message/custom/send');
      const body = sent?.body as { msgtype?: string; image?: { media_id?: string } } | undefined;
      assert.equal(body?.msgtype, 'image');
      assert.match(String(body?.image?.media_id), /^MEDIA_ID_/);
    } finally {
      await app.close();
      await fake.stop();
    }
  });
});

describeWithRedis('two instances sharing Redis', () => {
  it('concurrent first uses across both make one upload, and both reuse its media_id', async () => {
    const redis = await PrivateRedis.start();
    const fake = await new FakeWeChat().start();
    const env = { ...fake.env(), REDIS_URL: redis.url };
    const instances = await Promise.all([
      startApp({ ...env, REPLIES_FILE: repliesWithMedia() }),
      startApp({ ...env, REPLIES_FILE: repliesWithMedia() }),
    ]);
    try {
      await untilRedisReady(...instances);
      fake.on(UPLOAD, { delayMs: 300 });
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => logo(instances[i % 2]!)));
      assert.equal(fake.count(UPLOAD), 1);
      assert.equal(new Set(replies.map(mediaIdOf)).size, 1);
      // Each file in its own directory: the same bytes are the same media.
      const later = await Promise.all(instances.map(logo));
      assert.deepEqual(later.map(mediaIdOf), [mediaIdOf(replies[0]!), mediaIdOf(replies[0]!)]);
      assert.equal(fake.count(UPLOAD), 1);
      const client = new Redis(redis.url);
      try {
        assert.deepEqual(await client.keys('*media*'), [`wechat:${fake.appId}:media:image:${LOGO_SHA}`]);
      } finally {
        client.disconnect();
      }

      // Redis gone: each instance keeps its own media ids, and still answers with the image.
      await redis.stop();
      await until(async () => (await healthz(instances[0]!)) === 503, 'Redis seen down');
      assert.match(String(mediaIdOf(await logo(instances[0]!))), /^MEDIA_ID_/);
      assert.equal(fake.count(UPLOAD), 2);
      assert.match(String(mediaIdOf(await logo(instances[0]!))), /^MEDIA_ID_/);
      assert.equal(fake.count(UPLOAD), 2);
    } finally {
      await Promise.all(instances.map((app) => app.close()));
      await fake.stop();
      await redis.stop();
    }
  });
});

describe('validating the files replies name', () => {
  const problems = (file: string): readonly string[] => {
    const result = parseReplies(readFileSync(file, 'utf8'), file);
    return result.ok ? [] : result.problems.map((line) => line.slice(file.length));
  };

  it('a file that exists and fits is valid', () => {
    assert.deepEqual(problems(repliesWithMedia()), []);
  });

  it('a missing file, and files over WeChat’s limit for their type, with their place and line', () => {
    const file = repliesWithMedia(`subscribe: { type: voice, file: media/hello.mp3 }
keywords:
  - exact: logo
    reply: { type: image, file: media/none.png }
  - exact: 歌
    reply:
      type: music
      thumbFile: media/cover.jpg
click:
  K: { type: image, file: media }
`);
    const media = join(file, '..', 'media');
    writeFileSync(join(media, 'hello.mp3'), '');
    truncateSync(join(media, 'hello.mp3'), 2 * 1024 * 1024 + 1);
    writeFileSync(join(media, 'cover.jpg'), Buffer.alloc(64 * 1024 + 1));
    assert.deepEqual(problems(file), [
      ':1: subscribe.file: media/hello.mp3 is 2097153 bytes, over WeChat’s 2 MB limit for voice',
      `:4: keywords[0].reply.file: media/none.png: no such file (looked for ${join(media, 'none.png')})`,
      ':8: keywords[1].reply.thumbFile: media/cover.jpg is 65 KB, over WeChat’s 64 KB limit for thumb',
      ':10: click.K.file: media is not a file',
    ]);
  });

  it('exactly one of mediaId and file', () => {
    const file = repliesWithMedia(`keywords:
  - exact: a
    reply: { type: image, mediaId: M, file: media/logo.png }
  - exact: b
    reply: { type: video, title: 没有视频 }
`);
    assert.deepEqual(problems(file), [
      ':3: keywords[0].reply.file: give mediaId or file, not both',
      ':5: keywords[1].reply.mediaId: is missing (or give a file to upload)',
    ]);
  });

  it('a server started with a missing file stops with the one line', async () => {
    await assert.rejects(
      startApp({ REPLIES_FILE: repliesWithMedia('keywords:\n  - exact: logo\n    reply: { type: image, file: logo.png }\n') }),
      /keywords\[0\]\.reply\.file: logo\.png: no such file/,
    );
  });
});
