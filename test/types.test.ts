import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReplyRouter, isKnownMessage, type InboundMessage } from '../src/index.js';

// Checked by `tsc` (npm run typecheck): the handler API gives each key its typed message.
describe('the handler API’s types', () => {
  it('narrow a message by MsgType, then Event', () => {
    const describe = (message: InboundMessage): string => {
      if (!isKnownMessage(message)) return `unknown ${message.MsgType}`;
      switch (message.MsgType) {
        case 'text':
          return message.Content;
        case 'event':
          switch (message.Event) {
            case 'SCAN':
              return message.EventKey;
            case 'scancode_push':
            case 'scancode_waitmsg':
              return message.ScanCodeInfo.ScanResult;
            default:
              // @ts-expect-error Content exists only on text messages
              return message.Content;
          }
        default:
          // @ts-expect-error EventKey exists only on events
          return message.EventKey;
      }
    };
    assert.equal(typeof describe, 'function');

    createReplyRouter()
      .on('text', (message) => ({ type: 'text', content: message.Content }))
      .on('event.subscribe', (event) => ({ type: 'text', content: event.EventKey ?? '' }))
      // @ts-expect-error a voice message has no Content
      .on('voice', (message) => ({ type: 'text', content: message.Content }))
      // @ts-expect-error not a message key
      .on('txt', () => null)
      // @ts-expect-error a reply needs its fields
      .on('image', () => ({ type: 'image' }));
  });

  it('derive every key from the message union: a key, its event, its message', () => {
    createReplyRouter()
      .on('event.scancode_waitmsg', (event) => ({ type: 'text', content: event.ScanCodeInfo.ScanResult }))
      .on('event.pic_weixin', (event) => ({ type: 'text', content: event.SendPicsInfo.Count }))
      .on('event.TEMPLATESENDJOBFINISH', (event) => ({ type: 'text', content: event.Status }))
      .on('unknown', (message) => ({ type: 'text', content: message.MsgType }))
      // @ts-expect-error a CLICK event carries no ScanCodeInfo
      .on('event.CLICK', (event) => ({ type: 'text', content: event.ScanCodeInfo.ScanResult }))
      // @ts-expect-error events are keyed event.<Event>
      .on('CLICK', () => null);
  });
});
