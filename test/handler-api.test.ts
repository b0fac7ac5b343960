import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createReplyRouter } from '../src/replies/router.js';
import type { Reply } from '../src/protocol/reply-types.js';
import { startApp, type RunningApp } from './helpers/start-app.js';
import { eventXml, exchange, messageXml, postToWebhook, readReply, signedQuery, textXml } from './helpers/wechat.js';

describe('the handler API: applications replace or extend the rules', () => {
  let app: RunningApp;
  const seen: string[] = [];
  before(async () => {
    const router = createReplyRouter()
      .use((message) => {
        seen.push(message.MsgType);
        return undefined; // look, then let the next handler answer
      })
      .on('text', (message) => {
        if (message.Content === 'pass') return undefined; // fall through to the defaults
        if (message.Content === 'quiet') return null; // no reply: success
        if (message.Content === 'boom') throw new Error('handler failed');
        if (message.Content === 'async') return Promise.resolve<Reply>({ type: 'text', content: 'later' });
        // What a JavaScript handler might return by mistake.
        if (message.Content === 'a string') return 'hello' as unknown as Reply;
        if (message.Content === 'no content') return { type: 'text' } as unknown as Reply;
        if (message.Content === 'a number') return { type: 'text', content: 42 } as unknown as Reply;
        if (message.Content === 'unknown type') return { type: 'gif', url: 'x' } as unknown as Reply;
        if (message.Content === 'no articles') return { type: 'news', articles: [] };
        if (message.Content === 'a numbered agent') return { type: 'transfer_customer_service', kfAccount: 7 } as unknown as Reply;
        // Hand-overs to the human agents: to any, or to one.
        if (message.Content === '人工') return { type: 'transfer_customer_service' };
        if (message.Content === '找小王') return { type: 'transfer_customer_service', kfAccount: 'xiaowang@coffee_shop' };
        // Well-formed, but WeChat refuses a passive reply whose required field is empty.
        if (message.Content === 'empty image') return { type: 'image', mediaId: '' };
        if (message.Content === 'empty voice') return { type: 'voice', mediaId: '' };
        if (message.Content === 'empty video') return { type: 'video', mediaId: '', title: 't' };
        if (message.Content === 'empty music') return { type: 'music', title: 't', musicUrl: 'https://m/1.mp3', thumbMediaId: '' };
        if (message.Content === 'empty text') return { type: 'text', content: '' };
        return { type: 'text', content: `you said: ${message.Content}` };
      })
      .on('event.CLICK', (event) => ({ type: 'text', content: `clicked ${event.EventKey}` }))
      .on('event.PUBLISHJOBFINISH', ({ PublishEventInfo: info }) => ({
        type: 'text',
        content: `${info.publish_id}: ${info.article_detail?.item.map((item) => `${item.idx}=${item.article_url}`).join(' ') ?? ''}`,
      }))
      .on('unknown', (message) => ({ type: 'text', content: `unknown ${message.MsgType}` }))
      .on('location', (message) => ({
        type: 'news',
        articles: [
          {
            title: message.Label,
            description: `${message.Location_X},${message.Location_Y}`,
            picUrl: 'https://p/1.png',
            url: 'https://u/1',
          },
        ],
      }));
    app = await startApp({}, { router });
  });
  after(() => app.close());

  it('a text handler replaces the echo', async () => {
    assert.equal((await exchange(app.url, textXml('hi'))).Content, 'you said: hi');
  });

  it('returning undefined falls through to the default rules', async () => {
    assert.equal((await exchange(app.url, textXml('pass'))).Content, 'pass');
  });

  it('returning null answers success', async () => {
    assert.equal(await (await postToWebhook(app.url, textXml('quiet'))).text(), 'success');
  });

  it('an async handler is awaited', async () => {
    assert.equal((await exchange(app.url, textXml('async'))).Content, 'later');
  });

  it('an event handler gets its typed event', async () => {
    assert.equal((await exchange(app.url, eventXml('CLICK', { EventKey: 'menu_1' }))).Content, 'clicked menu_1');
  });

  it('an event with nested parts reaches its handler typed (PUBLISHJOBFINISH’s article_detail items)', async () => {
    const xml =
      '<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[mphelper]]></FromUserName><CreateTime>1481013459</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[PUBLISHJOBFINISH]]></Event>' +
      '<PublishEventInfo><publish_id>2247503051</publish_id><publish_status>0</publish_status><article_id><![CDATA[b5O2]]></article_id>' +
      '<article_detail><count>1</count><item><idx>1</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/a]]></article_url></item></article_detail></PublishEventInfo></xml>';
    assert.equal((await exchange(app.url, xml)).Content, '2247503051: 1=https://mp.weixin.qq.com/s/a');
  });

  it('unhandled types still get the default rules', async () => {
    assert.equal((await exchange(app.url, eventXml('SCAN', { EventKey: '7' }))).Content, '您扫描的场景值为:7');
  });

  it('unknown message types reach the unknown handler with their raw type', async () => {
    assert.equal((await exchange(app.url, messageXml('hologram', { MsgId: '1' }))).Content, 'unknown hologram');
  });

  it('a use() handler sees every message', () => {
    assert.ok(seen.includes('text') && seen.includes('event'));
  });

  it('a news reply carries its articles', async () => {
    const reply = await exchange(
      app.url,
      messageXml('location', { Location_X: '23.1', Location_Y: '113.3', Scale: '20', Label: '广州', MsgId: '2' }),
    );
    assert.equal(reply.MsgType, 'news');
    assert.equal(reply.ArticleCount, '1');
    assert.deepEqual(reply.Articles, {
      item: [{ Title: '广州', Description: '23.1,113.3', PicUrl: 'https://p/1.png', Url: 'https://u/1' }],
    });
  });

  it('a handler that throws → 200 success and the error logged with the message type and id', async () => {
    const response = await postToWebhook(app.url, textXml('boom', '777000111222333444'));
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'success');
    const line = app.logs.find((entry) => entry.level === 50 && entry.id === '777000111222333444');
    assert.ok(line, 'no error logged');
    assert.equal(line.type, 'text');
    assert.match(JSON.stringify(line.err), /handler failed/);
  });

  it('a hand-over answers transfer_customer_service, to any agent or (TransInfo) to the one named', async () => {
    const header =
      '<xml><ToUserName><![CDATA[o_user_openid]]></ToUserName><FromUserName><![CDATA[gh_account]]></FromUserName><CreateTime>T</CreateTime><MsgType><![CDATA[transfer_customer_service]]></MsgType>';
    const answer = async (content: string) => {
      const response = await postToWebhook(app.url, textXml(content));
      assert.equal(response.status, 200);
      return (await response.text()).replace(/<CreateTime>\d+<\/CreateTime>/, '<CreateTime>T</CreateTime>');
    };
    assert.equal(await answer('人工'), `${header}</xml>`);
    assert.equal(await answer('找小王'), `${header}<TransInfo><KfAccount><![CDATA[xiaowang@coffee_shop]]></KfAccount></TransInfo></xml>`);
  });

  for (const content of ['a string', 'no content', 'a number', 'unknown type', 'no articles', 'a numbered agent']) {
    it(`a handler returning something that is not a reply (${content}) → success, logged, and its retry answered too`, async () => {
      const xml = textXml(content);
      const response = await postToWebhook(app.url, xml);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'success');
      assert.equal(await (await postToWebhook(app.url, xml)).text(), 'success');
      assert.ok(app.logs.some((line) => line.level === 50 && String(line.msg).includes('not a reply')));
    });
  }

  for (const kind of ['image', 'voice', 'video', 'music', 'text']) {
    it(`an empty required field in a ${kind} reply → the fallback text instead, logged, and its retry the same`, async () => {
      const xml = textXml(`empty ${kind}`);
      const answer = await (await postToWebhook(app.url, xml)).text();
      const reply = readReply(answer);
      assert.equal(reply.MsgType, 'text');
      assert.equal(reply.Content, '暂不支持该类型的消息');
      assert.equal(await (await postToWebhook(app.url, xml)).text(), answer);
      assert.ok(app.logs.some((line) => line.level === 40 && line.reply === kind));
    });
  }

  it('logs one line per message with type, id, outcome and latency', async () => {
    await exchange(app.url, textXml('log me', '888000111222333444'));
    const lines = app.logs.filter((entry) => entry.id === '888000111222333444' && entry.msg === 'message answered');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.type, 'text');
    assert.equal(lines[0]?.outcome, 'reply');
    assert.equal(typeof lines[0]?.ms, 'number');
  });

  it('with defaultRules: false, what no handler answers gets success', async () => {
    const bare = await startApp({}, { router: createReplyRouter(), defaultRules: false });
    try {
      const response = await postToWebhook(bare.url, textXml('hello'));
      assert.equal(await response.text(), 'success');
    } finally {
      await bare.close();
    }
  });

  it('a custom ReplyRouter may answer with a bare thenable', async () => {
    const thenable = {
      route: () => ({
        then(onFulfilled: (value: Reply) => void) {
          setTimeout(() => onFulfilled({ type: 'text', content: 'from a thenable' }), 5);
        },
      }),
    };
    const custom = await startApp({}, { router: { ...createReplyRouter(), route: thenable.route as never } });
    try {
      assert.equal((await exchange(custom.url, textXml('x'))).Content, 'from a thenable');
    } finally {
      await custom.close();
    }
  });

  it('a client that leaves mid-body is dropped quietly, and the server goes on', async () => {
    const { request } = await import('node:http');
    await new Promise<void>((resolve) => {
      const req = request(`${app.url}/wechat?${signedQuery()}`, { method: 'POST', headers: { 'Content-Length': '1000' } });
      req.on('error', () => resolve());
      req.write('<xml><ToUserName>');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(!app.logs.some((line) => line.level === 50 && String(line.msg).includes('unexpected')));
    assert.equal((await exchange(app.url, textXml('still here'))).Content, 'you said: still here');
  });

  it('a reply is never cached between messages (fresh CreateTime and parties)', async () => {
    const first = readReply(await (await postToWebhook(app.url, textXml('hi'))).text());
    assert.equal(first.ToUserName, 'o_user_openid');
  });
});
