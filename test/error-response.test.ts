import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiNotConfiguredError,
  DecryptError,
  InputError,
  MessageXmlError,
  QrCodeTooLongError,
  TokenLockTimeoutError,
  UnopenableMessageError,
  WeChatApiError,
  WeChatUnreachableError,
  WebhookRequestError,
} from '../src/errors.js';
import { errorResponse } from '../src/http/error-response.js';

describe('errorResponse: one mapping from error to status and safe message', () => {
  const cases: [string, unknown, number][] = [
    ['a refused webhook request keeps its status', new WebhookRequestError(413, 'too large', 'body-too-large'), 413],
    ['a body that is not a message', new MessageXmlError('no root'), 400],
    ['an unopenable message', new UnopenableMessageError('appid'), 403],
    ['ciphertext that does not decrypt', new DecryptError('bad padding'), 403],
    ['bad input', new InputError('scene_id', 'scene_id is required'), 400],
    ['bad input, too large', new InputError('media', 'too large', 413), 413],
    ['no AppID/AppSecret', new ApiNotConfiguredError('set them'), 503],
    ['WeChat refused', new WeChatApiError(45009, 'quota', '/cgi-bin/qrcode/create'), 502],
    ['WeChat unreachable', new WeChatUnreachableError('/cgi-bin/token', 'timeout'), 502],
    ['another instance holds the token lock', new TokenLockTimeoutError('later'), 503],
    ['a url too long for a QR code', new QrCodeTooLongError(5000), 502],
    ['an error of no kind', new Error('boom'), 500],
    ['a thrown string', 'boom', 500],
  ];
  for (const [name, error, status] of cases) {
    it(`${name} → ${status}`, () => assert.equal(errorResponse(error).status, status));
  }

  it('the message of an unknown error says nothing about it', () => {
    assert.deepEqual(errorResponse(new Error('secret=abc')), { status: 500, code: 'internal_error', message: 'internal error' });
  });

  it('every unopenable message gets the same message, whatever the reason', () => {
    const messages = new Set(
      ['envelope', 'msg_signature', 'appid'].map((r) => errorResponse(new UnopenableMessageError(r as 'appid')).message),
    );
    assert.equal(messages.size, 1);
  });

  it('WeChat’s refusal carries its errcode and errmsg; a lock timeout says when to retry', () => {
    assert.deepEqual(errorResponse(new WeChatApiError(45009, 'quota', '/p')), {
      status: 502,
      code: 'wechat_api_refused',
      message: 'WeChat refused /p (errcode 45009)',
      errcode: 45009,
      errmsg: 'quota',
    });
    assert.equal(errorResponse(new TokenLockTimeoutError('later')).retryAfterS, 1);
  });

  it('body-parser’s errors: 413 when too large, 400 otherwise', () => {
    assert.equal(errorResponse(Object.assign(new Error('x'), { status: 413, type: 'entity.too.large', limit: 65536 })).status, 413);
    assert.equal(errorResponse(Object.assign(new Error('x'), { status: 400, type: 'entity.parse.failed' })).status, 400);
    assert.equal(errorResponse(Object.assign(new Error('x'), { status: 415, type: 'charset.unsupported' })).status, 400);
  });
});
