import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { WeChatApiError } from '../src/core/errors.js';
import { addPermanentImage, uploadArticleImage } from '../src/wechat-api/article-images.js';
import type { ApiClient } from '../src/wechat-api/client.js';
import { createWeChatApi } from '../src/wechat-api/create-api.js';
import { addDraft, deleteDraft, updateDraft, type DraftArticle } from '../src/wechat-api/drafts.js';
import { getPublishStatus, submitPublish } from '../src/wechat-api/free-publish.js';
import { massPreview, massSendAll, massSendToOpenids, massStatus, type MassSendOptions } from '../src/wechat-api/mass-send.js';
import { isKnownMessage } from '../src/protocol/message-types.js';
import { parseXml } from '../src/protocol/parse-xml.js';
import { toMessage } from '../src/protocol/to-message.js';
import { FakeWeChat } from './helpers/fake-wechat.js';

// The publishing calls against the fake WeChat over real HTTP: what each sends, what it
// makes of the answer, and WeChat's refusals surfacing as WeChatApiError.

const PNG = { data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]), filename: 'picture.png', contentType: 'image/png' };
const JPG = { data: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 5, 6, 7]), filename: 'photo.jpg', contentType: 'image/jpeg' };

/** The call's rejection, which must be a WeChatApiError with `errcode`. */
async function refusedWith(call: Promise<unknown>, errcode: number): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof WeChatApiError, String(error));
    assert.equal(error.errcode, errcode, error.message);
    return true;
  });
}

describe('the publishing calls: article images, drafts, free publish, mass send', () => {
  let fake: FakeWeChat;
  let client: ApiClient;
  before(async () => {
    fake = await new FakeWeChat().start();
    const api = createWeChatApi({ appId: fake.appId, appSecret: fake.appSecret, apiBase: fake.url, tokenMode: 'token' });
    assert.ok(api);
    client = api.client;
  });
  after(() => fake.stop());
  beforeEach(() => {
    fake.calls.length = 0;
    fake.publishing.reset();
  });

  /** A cover the fake issued, as a draft's thumb_media_id. */
  const cover = async (): Promise<string> => (await addPermanentImage(client, JPG)).media_id;
  const article = (thumb: string, fields: Partial<DraftArticle> = {}): DraftArticle => ({
    title: 'Spring news',
    content: '<p>Hello</p>',
    thumb_media_id: thumb,
    ...fields,
  });
  const draft = async (count = 1): Promise<string> => {
    const thumb = await cover();
    return addDraft(
      client,
      Array.from({ length: count }, (_, index) => article(thumb, { title: `Article ${index + 1}` })),
    );
  };
  const options = (mediaId: string, clientMsgId = `client-${mediaId}`): MassSendOptions => ({ mediaId, clientMsgId, sendIgnoreReprint: 0 });

  describe('article images', () => {
    it('uploadimg answers a URL for the HTML, one per upload, jpg and png each its own', async () => {
      const png = await uploadArticleImage(client, PNG);
      const jpg = await uploadArticleImage(client, JPG);
      assert.match(png, /^http:\/\/mmbiz\.qpic\.cn\/mmbiz_png\/fake\d+\/0\?wx_fmt=png$/);
      assert.match(jpg, /^http:\/\/mmbiz\.qpic\.cn\/mmbiz_jpg\//);
      assert.deepEqual(
        fake.publishing.imageUploads.map(({ filename, size }) => ({ filename, size })),
        [
          { filename: 'picture.png', size: PNG.data.length },
          { filename: 'photo.jpg', size: JPG.data.length },
        ],
      );
      const [call] = fake.callsTo('/cgi-bin/media/uploadimg');
      assert.equal((call?.body as { parts: { name: string }[] }).parts[0]?.name, 'media');
    });

    it('uploadimg refuses a gif (40005) and an image of 1 MB (40009)', async () => {
      await refusedWith(uploadArticleImage(client, { data: new Uint8Array([1]), filename: 'moving.gif' }), 40005);
      await refusedWith(uploadArticleImage(client, { data: new Uint8Array(1024 * 1024), filename: 'big.png' }), 40009);
      assert.equal(fake.publishing.imageUploads.length, 0);
    });

    it('add_material?type=image answers a permanent media_id and its URL', async () => {
      const added = await addPermanentImage(client, JPG);
      assert.match(added.media_id, /^PERM_\d+$/);
      assert.match(added.url ?? '', /^http:\/\/mmbiz\.qpic\.cn\//);
      assert.deepEqual(
        fake.publishing.permanentUploads.map((image) => image.media_id),
        [added.media_id],
      );
      assert.equal(fake.callsTo('/cgi-bin/material/add_material')[0]?.query.type, 'image');
    });
  });

  describe('drafts', () => {
    it('addDraft answers the media_id of the stored draft, its image URLs from uploadimg', async () => {
      const thumb = await cover();
      const src = await uploadArticleImage(client, PNG);
      const content = `<p>Look:</p><img src="${src}" alt="">`;
      const mediaId = await addDraft(client, [article(thumb, { content, author: '编辑部', digest: 'In short' })]);
      assert.match(mediaId, /^DRAFT_\d+$/);
      const [stored] = fake.publishing.drafts.get(mediaId) ?? [];
      assert.equal(stored?.content, content);
      assert.equal(stored?.author, '编辑部');
      assert.equal(stored?.thumb_media_id, thumb);
    });

    it('updateDraft replaces the article at its index, the others kept', async () => {
      const thumb = await cover();
      const mediaId = await addDraft(client, [article(thumb, { title: 'First' }), article(thumb, { title: 'Second' })]);
      await updateDraft(client, mediaId, 1, article(thumb, { title: 'Second, mended' }));
      assert.deepEqual(
        fake.publishing.drafts.get(mediaId)?.map((stored) => stored.title),
        ['First', 'Second, mended'],
      );
      assert.deepEqual(fake.callsTo('/cgi-bin/draft/update')[0]?.body, {
        media_id: mediaId,
        index: 1,
        articles: article(thumb, { title: 'Second, mended' }),
      });
      await refusedWith(updateDraft(client, 'DRAFT_unknown', 0, article(thumb)), 40007);
    });

    it('deleteDraft takes the draft out; a second delete is 40007', async () => {
      const mediaId = await draft();
      await deleteDraft(client, mediaId);
      assert.equal(fake.publishing.drafts.has(mediaId), false);
      await refusedWith(deleteDraft(client, mediaId), 40007);
    });

    it('a cover the fake did not issue is 40007', async () => {
      await refusedWith(addDraft(client, [article('MEDIA_ID_temporary')]), 40007);
      assert.equal(fake.publishing.drafts.size, 0);
    });

    it('a title of 33 code points is 45003; 32 is taken', async () => {
      const thumb = await cover();
      await refusedWith(addDraft(client, [article(thumb, { title: '题'.repeat(33) })]), 45003);
      assert.match(await addDraft(client, [article(thumb, { title: '题'.repeat(32) })]), /^DRAFT_/);
    });

    it('an image WeChat did not host, or a script, is 45166', async () => {
      const thumb = await cover();
      await refusedWith(addDraft(client, [article(thumb, { content: '<img src="https://example.com/cat.png">' })]), 45166);
      await refusedWith(addDraft(client, [article(thumb, { content: '<p>x</p><SCRIPT>alert(1)</SCRIPT>' })]), 45166);
      assert.equal(fake.publishing.drafts.size, 0);
    });

    it('the old add_news is refused with 45106', async () => {
      const call = client.call({ method: 'POST', path: '/cgi-bin/material/add_news', body: { articles: [] } });
      await refusedWith(call, 45106);
    });
  });

  describe('free publish', () => {
    it('submitPublish answers the publish_id as a string and consumes the draft', async () => {
      const mediaId = await draft();
      const submitted = await submitPublish(client, mediaId);
      assert.equal(typeof submitted.publish_id, 'string');
      assert.match(submitted.publish_id, /^\d+$/);
      assert.equal(typeof submitted.msg_data_id, 'string');
      assert.equal(fake.publishing.publishes.get(submitted.publish_id)?.mediaId, mediaId);
      assert.equal(fake.publishing.drafts.has(mediaId), false);
      await refusedWith(submitPublish(client, mediaId), 40007);
    });

    it('getPublishStatus: publishing, then published with each article’s link in order', async () => {
      const { publish_id: publishId } = await submitPublish(client, await draft(2));
      assert.deepEqual(await getPublishStatus(client, publishId), {
        publish_id: publishId,
        publish_status: 1,
        article_urls: [],
        fail_idx: [],
      });
      const event = fake.publishing.finishPublish(publishId, 0);
      assert.match(event, /<Event><!\[CDATA\[PUBLISHJOBFINISH\]\]><\/Event>/);
      assert.match(event, new RegExp(`<publish_id>${publishId}</publish_id><publish_status>0</publish_status>`));
      const status = await getPublishStatus(client, publishId);
      assert.equal(status.publish_status, 0);
      assert.equal(status.article_id, `fake_article_${publishId}`);
      assert.deepEqual(status.article_urls, [
        `https://mp.weixin.qq.com/s/fake${publishId}_1`,
        `https://mp.weixin.qq.com/s/fake${publishId}_2`,
      ]);
      assert.deepEqual(status.fail_idx, []);
    });

    it('getPublishStatus after an originality check failed: fail_idx, no links', async () => {
      const { publish_id: publishId } = await submitPublish(client, await draft(2));
      const event = fake.publishing.finishPublish(publishId, 2, [1]);
      assert.match(event, /<publish_status>2<\/publish_status><fail_idx>1<\/fail_idx><\/PublishEventInfo>/);
      const status = await getPublishStatus(client, publishId);
      assert.equal(status.publish_status, 2);
      assert.deepEqual(status.fail_idx, [1]);
      assert.deepEqual(status.article_urls, []);
      assert.equal(status.article_id, undefined);
    });

    it('getPublishStatus of an unknown publish is 53600', async () => {
      await refusedWith(getPublishStatus(client, '999'), 53600);
    });
  });

  describe('mass send', () => {
    it('massSendAll to a tag sends tag_id as a JSON number and answers msg_id as a string', async () => {
      const mediaId = await draft();
      const sent = await massSendAll(client, { is_to_all: false, tag_id: 101 }, options(mediaId, 'spring-1'));
      assert.match(sent.msg_id, /^\d+$/);
      assert.equal(typeof sent.msg_data_id, 'string');
      assert.deepEqual(fake.callsTo('/cgi-bin/message/mass/sendall')[0]?.body, {
        filter: { is_to_all: false, tag_id: 101 },
        mpnews: { media_id: mediaId },
        msgtype: 'mpnews',
        send_ignore_reprint: 0,
        clientmsgid: 'spring-1',
      });
      const [recorded] = fake.publishing.massSends;
      assert.equal(recorded?.msg_id, sent.msg_id);
      assert.equal(recorded?.kind, 'sendall');
      assert.deepEqual(recorded?.filter, { is_to_all: false, tag_id: 101 });
      assert.equal(fake.publishing.drafts.has(mediaId), false, 'the draft was consumed');
    });

    it('massSendAll to everyone sends no tag_id', async () => {
      const mediaId = await draft();
      await massSendAll(client, { is_to_all: true }, options(mediaId));
      assert.deepEqual((fake.callsTo('/cgi-bin/message/mass/sendall')[0]?.body as { filter: unknown }).filter, { is_to_all: true });
    });

    it('a clientmsgid sent before is 45065, and nothing more is sent', async () => {
      await massSendAll(client, { is_to_all: true }, options(await draft(), 'once-only'));
      await refusedWith(massSendAll(client, { is_to_all: true }, options(await draft(), 'once-only')), 45065);
      assert.equal(fake.publishing.massSends.length, 1);
    });

    it('no quota left is 45028, the draft kept', async () => {
      const mediaId = await draft();
      fake.publishing.massQuotaLeft = 0;
      await refusedWith(massSendAll(client, { is_to_all: true }, options(mediaId)), 45028);
      assert.equal(fake.publishing.massSends.length, 0);
      assert.equal(fake.publishing.drafts.has(mediaId), true);
    });

    it('the quota goes down by one a send', async () => {
      fake.publishing.massQuotaLeft = 1;
      await massSendAll(client, { is_to_all: true }, options(await draft()));
      assert.equal(fake.publishing.massQuotaLeft, 0);
      await refusedWith(massSendToOpenids(client, ['oFollower_0001', 'oFollower_0002'], options(await draft())), 45028);
    });

    it('massSendToOpenids sends the list; one openid alone is 40130', async () => {
      const mediaId = await draft();
      await refusedWith(massSendToOpenids(client, ['oFollower_0001'], options(mediaId)), 40130);
      const sent = await massSendToOpenids(client, ['oFollower_0001', 'oFollower_0002'], options(mediaId));
      const [recorded] = fake.publishing.massSends;
      assert.equal(recorded?.msg_id, sent.msg_id);
      assert.equal(recorded?.kind, 'send');
      assert.deepEqual(recorded?.touser, ['oFollower_0001', 'oFollower_0002']);
    });

    it('an account without the right is 48001 on every publishing call', async () => {
      const mediaId = await draft();
      fake.publishing.permissionDenied = true;
      await refusedWith(massSendAll(client, { is_to_all: true }, options(mediaId)), 48001);
      await refusedWith(submitPublish(client, mediaId), 48001);
      await refusedWith(uploadArticleImage(client, PNG), 48001);
      assert.equal(fake.publishing.drafts.has(mediaId), true);
    });

    it('massPreview shows the draft to one follower without consuming it', async () => {
      const mediaId = await draft();
      await massPreview(client, mediaId, 'oFollower_0003');
      assert.deepEqual(fake.publishing.previews, [{ touser: 'oFollower_0003', mediaId }]);
      assert.equal(fake.publishing.drafts.has(mediaId), true);
      assert.deepEqual(fake.callsTo('/cgi-bin/message/mass/preview')[0]?.body, {
        touser: 'oFollower_0003',
        mpnews: { media_id: mediaId },
        msgtype: 'mpnews',
      });
      await refusedWith(massPreview(client, 'DRAFT_unknown', 'oFollower_0003'), 40007);
    });

    it('massStatus answers where a send stands, as the fake was told', async () => {
      const { msg_id: msgId } = await massSendAll(client, { is_to_all: true }, options(await draft()));
      assert.deepEqual(await massStatus(client, msgId), { msg_id: msgId, msg_status: 'SEND_SUCCESS' });
      fake.publishing.setMassStatus(msgId, 'SENDING');
      assert.deepEqual(await massStatus(client, msgId), { msg_id: msgId, msg_status: 'SENDING' });
      const event = fake.publishing.finishMass(msgId, { status: 'err(30003)' });
      assert.match(event, new RegExp(`<MsgID>${msgId}</MsgID><Status><!\\[CDATA\\[err\\(30003\\)\\]\\]></Status>`));
      assert.equal((await massStatus(client, msgId)).msg_status, 'SEND_FAIL');
    });
  });
  describe('the events the fake builds', () => {
    it('read as the server reads PUBLISHJOBFINISH, published and failed', async () => {
      const published = await submitPublish(client, await draft(2));
      const ok = toMessage(parseXml(fake.publishing.finishPublish(published.publish_id, 0)));
      assert.ok(isKnownMessage(ok) && ok.MsgType === 'event' && ok.Event === 'PUBLISHJOBFINISH');
      assert.equal(ok.FromUserName, 'mphelper');
      assert.deepEqual(ok.PublishEventInfo, {
        publish_id: published.publish_id,
        publish_status: '0',
        article_id: `fake_article_${published.publish_id}`,
        article_detail: {
          count: '2',
          item: [
            { idx: '1', article_url: `https://mp.weixin.qq.com/s/fake${published.publish_id}_1` },
            { idx: '2', article_url: `https://mp.weixin.qq.com/s/fake${published.publish_id}_2` },
          ],
        },
        fail_idx: [],
      });
      const refused = await submitPublish(client, await draft(2));
      const failed = toMessage(parseXml(fake.publishing.finishPublish(refused.publish_id, 4, [1, 2])));
      assert.ok(isKnownMessage(failed) && failed.MsgType === 'event' && failed.Event === 'PUBLISHJOBFINISH');
      assert.deepEqual(failed.PublishEventInfo, {
        publish_id: refused.publish_id,
        publish_status: '4',
        fail_idx: ['1', '2'],
      });
    });

    it('read as the server reads MASSSENDJOBFINISH, counts from the send', async () => {
      const { msg_id: msgId } = await massSendToOpenids(
        client,
        ['oFollower_0001', 'oFollower_0002', 'oFollower_0003'],
        options(await draft()),
      );
      const event = toMessage(parseXml(fake.publishing.finishMass(msgId, { sentCount: 2 })));
      assert.ok(isKnownMessage(event) && event.MsgType === 'event' && event.Event === 'MASSSENDJOBFINISH');
      const { MsgID, Status, TotalCount, FilterCount, SentCount, ErrorCount } = event;
      assert.deepEqual([MsgID, Status, TotalCount, FilterCount, SentCount, ErrorCount], [msgId, 'send success', '3', '3', '2', '1']);
      assert.deepEqual(event.ArticleUrlResult, {
        Count: '1',
        ResultList: { item: [{ ArticleIdx: '1', ArticleUrl: `https://mp.weixin.qq.com/s/mass${msgId}_1` }] },
      });
    });
  });
});
