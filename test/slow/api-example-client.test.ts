import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { withFakeWeChat } from '../helpers/start-app.js';

const run = promisify(execFile);
const ADMIN_TOKEN = 'example-client-token-71c2';

describe('examples/api-client.sh', () => {
  it('reads a user, sends a template and a text, uploads and sends an image, through curl', async () => {
    await withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      const dir = await mkdtemp(join(tmpdir(), 'api-client-'));
      try {
        const image = join(dir, 'photo.png');
        await writeFile(image, Buffer.alloc(2048, 3));
        const { stdout } = await run('sh', ['examples/api-client.sh', 'oFollower_0001', 'TPL_ORDER_SHIPPED', image], {
          env: { ...process.env, WECHAT_SERVER: app.url, ADMIN_TOKEN, no_proxy: '127.0.0.1' },
        });
        assert.match(stdout, /"openid":"oFollower_0001"/);
        assert.match(stdout, /"msgid":\d+/);
        assert.match(stdout, /media_id: MEDIA_ID_/);
        assert.equal(fake.count('/cgi-bin/message/template/send'), 1);
        assert.equal(fake.count('/cgi-bin/media/upload'), 1);
        assert.equal(fake.count('/cgi-bin/message/custom/send'), 2);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  it('stops with the server’s JSON naming the field on a mistake', async () => {
    await withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      const failed = await run('sh', ['examples/api-client.sh', 'oFollower_0001', 'TPL_MISSING'], {
        env: { ...process.env, WECHAT_SERVER: app.url, ADMIN_TOKEN, no_proxy: '127.0.0.1' },
      }).then(
        () => undefined,
        (error: { code?: number; stderr?: string }) => error,
      );
      assert.equal(failed?.code, 1);
      assert.match(failed?.stderr ?? '', /HTTP 400 .*template_id/);
      assert.equal(fake.count('/cgi-bin/message/template/send'), 0);
    });
  });
});
