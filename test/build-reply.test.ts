import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildReplyXml, cdata } from '../src/protocol/build-reply.js';
import type { Reply } from '../src/protocol/reply-types.js';
import { readReply } from './helpers/wechat.js';

const parties = { ToUserName: 'o_user', FromUserName: 'gh_account' };
const now = new Date('2024-01-02T03:04:05Z');

describe('reply XML, in the shape of WeChat’s passive-reply docs', () => {
  it('text', () => {
    assert.equal(
      buildReplyXml({ type: 'text', content: '你好' }, parties, now),
      '<xml><ToUserName><![CDATA[o_user]]></ToUserName><FromUserName><![CDATA[gh_account]]></FromUserName><CreateTime>1704164645</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>',
    );
  });

  const shapes: [Reply, Record<string, unknown>][] = [
    [{ type: 'image', mediaId: 'm1' }, { Image: { MediaId: 'm1' } }],
    [{ type: 'voice', mediaId: 'm2' }, { Voice: { MediaId: 'm2' } }],
    [{ type: 'video', mediaId: 'm3', title: 't', description: 'd' }, { Video: { MediaId: 'm3', Title: 't', Description: 'd' } }],
    [
      { type: 'music', title: 't', description: 'd', musicUrl: 'http://m', hqMusicUrl: 'http://hq', thumbMediaId: 'th' },
      { Music: { Title: 't', Description: 'd', MusicUrl: 'http://m', HQMusicUrl: 'http://hq', ThumbMediaId: 'th' } },
    ],
    [
      { type: 'news', articles: [{ title: 'a', description: 'b', picUrl: 'http://p', url: 'http://u' }, { title: 'c' }] },
      {
        ArticleCount: '2',
        Articles: {
          item: [
            { Title: 'a', Description: 'b', PicUrl: 'http://p', Url: 'http://u' },
            { Title: 'c', Description: '', PicUrl: '', Url: '' },
          ],
        },
      },
    ],
  ];
  for (const [reply, expected] of shapes) {
    it(reply.type, () => {
      const fields = readReply(buildReplyXml(reply, parties, now));
      assert.deepEqual(fields, {
        ToUserName: 'o_user',
        FromUserName: 'gh_account',
        CreateTime: '1704164645',
        MsgType: reply.type,
        ...expected,
      });
    });
  }

  it('transfer_customer_service: the header alone, or with TransInfo naming the agent', () => {
    const header =
      '<xml><ToUserName><![CDATA[o_user]]></ToUserName><FromUserName><![CDATA[gh_account]]></FromUserName><CreateTime>1704164645</CreateTime><MsgType><![CDATA[transfer_customer_service]]></MsgType>';
    assert.equal(buildReplyXml({ type: 'transfer_customer_service' }, parties, now), `${header}</xml>`);
    assert.equal(buildReplyXml({ type: 'transfer_customer_service', kfAccount: '' }, parties, now), `${header}</xml>`, 'empty: any agent');
    assert.equal(
      buildReplyXml({ type: 'transfer_customer_service', kfAccount: 'test1@test' }, parties, now),
      `${header}<TransInfo><KfAccount><![CDATA[test1@test]]></KfAccount></TransInfo></xml>`,
    );
    assert.deepEqual(readReply(buildReplyXml({ type: 'transfer_customer_service', kfAccount: 'a]]>b' }, parties, now)).TransInfo, {
      KfAccount: 'a]]>b',
    });
  });

  it('wraps every string in CDATA and leaves numbers bare', () => {
    const xml = buildReplyXml({ type: 'news', articles: [{ title: 't' }] }, parties, now);
    assert.match(xml, /<CreateTime>1704164645<\/CreateTime>/);
    assert.match(xml, /<ArticleCount>1<\/ArticleCount>/);
    assert.match(xml, /<Title><!\[CDATA\[t\]\]><\/Title>/);
  });

  it('splits ]]> across CDATA sections so that it reads back exactly', () => {
    assert.equal(cdata('a]]>b'), '<![CDATA[a]]]]><![CDATA[>b]]>');
    for (const content of [']]>', ']]>]]>', 'x]]]>y', ']]]]>', '<![CDATA[x]]>']) {
      assert.equal(readReply(buildReplyXml({ type: 'text', content }, parties, now)).Content, content);
    }
  });
});
