import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CustomMessageReply } from '../src/protocol/reply-types.js';
import { customMessageBody, sendCustomMessage, splitText } from '../src/wechat-api/custom-message.js';
import type { ApiClient } from '../src/wechat-api/client.js';

describe('customer-service messages (api/custom-message)', () => {
  it('splits text between code points into pieces of at most 2048 bytes', () => {
    const text = `${'a'.repeat(2047)}😀${'中'.repeat(1000)}`;
    const pieces = splitText(text);
    assert.equal(pieces.join(''), text);
    assert.equal(pieces[0], 'a'.repeat(2047));
    for (const piece of pieces) assert.ok(Buffer.byteLength(piece) <= 2048);
    assert.deepEqual(splitText(''), ['']);
  });

  it('shapes every reply kind as WeChat’s customer-service JSON', () => {
    assert.deepEqual(customMessageBody('o', { type: 'voice', mediaId: 'v' }), { touser: 'o', msgtype: 'voice', voice: { media_id: 'v' } });
    assert.deepEqual(customMessageBody('o', { type: 'video', mediaId: 'm', title: 't', description: 'd' }), {
      touser: 'o',
      msgtype: 'video',
      video: { media_id: 'm', title: 't', description: 'd' },
    });
    assert.deepEqual(customMessageBody('o', { type: 'music', title: 't', musicUrl: 'u', hqMusicUrl: 'h', thumbMediaId: 'th' }), {
      touser: 'o',
      msgtype: 'music',
      music: { title: 't', description: '', musicurl: 'u', hqmusicurl: 'h', thumb_media_id: 'th' },
    });
    assert.deepEqual(customMessageBody('o', { type: 'news', articles: [{ title: 't', url: 'u', picUrl: 'p' }] }), {
      touser: 'o',
      msgtype: 'news',
      news: { articles: [{ title: 't', description: '', url: 'u', picurl: 'p' }] },
    });
  });

  it('a hand-over has no customer-service form: a TypeError, and WeChat is not called', async () => {
    // Only JavaScript (or a cast) can hand one over: the types take every kind but this.
    const handover = { type: 'transfer_customer_service' } as unknown as CustomMessageReply;
    assert.throws(() => customMessageBody('o', handover), { name: 'TypeError', message: /transfer_customer_service reply cannot be sent/ });
    let calls = 0;
    const client = {
      call: () => {
        calls++;
        return Promise.resolve({});
      },
    } as unknown as ApiClient;
    await assert.rejects(sendCustomMessage(client, 'o', handover), TypeError);
    assert.equal(calls, 0);
  });
});
