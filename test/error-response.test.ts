import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiNotConfiguredError,
  DecryptError,
  InputError,
  LockTimeoutError,
  MessageXmlError,
  QrCodeTooLongError,
  UnopenableMessageError,
  WeChatApiError,
  WeChatUnreachableError,
  WebhookRequestError,
} from '../src/core/errors.js';
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
    ['another instance holds a shared lock', new LockTimeoutError('later'), 503],
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
    assert.equal(errorResponse(new LockTimeoutError('later')).retryAfterS, 1);
  });

  it('body-parser’s errors: 413 when too large, 400 otherwise', () => {
    assert.equal(errorResponse(Object.assign(new Error('x'), { status: 413, type: 'entity.too.large', limit: 65536 })).status, 413);
    assert.equal(errorResponse(Object.assign(new Error('x'), { status: 400, type: 'entity.parse.failed' })).status, 400);
    assert.equal(errorResponse(Object.assign(new Error('x'), { status: 415, type: 'charset.unsupported' })).status, 400);
  });
});

describe('WeChat’s errcodes that are the caller’s mistake, on the routes that pass the caller’s values on', () => {
  const api = { callerInputToWeChat: true };
  const cases: [number, string, number, string][] = [
    [40003, '/cgi-bin/message/template/send', 404, 'touser'],
    [40003, '/cgi-bin/message/custom/send', 404, 'touser'],
    [40003, '/cgi-bin/user/info', 404, 'openid'],
    [40003, '/cgi-bin/user/get', 404, 'next_openid'],
    [40037, '/cgi-bin/message/template/send', 400, 'template_id'],
    [47001, '/cgi-bin/message/template/send', 400, 'body'],
    [45015, '/cgi-bin/message/custom/send', 409, 'touser'],
    [45047, '/cgi-bin/message/custom/send', 409, 'touser'],
    [43101, '/cgi-bin/message/subscribe/bizsend', 409, 'touser'],
    [45056, '/cgi-bin/tags/create', 409, 'name'],
    [45157, '/cgi-bin/tags/update', 409, 'name'],
    [45158, '/cgi-bin/tags/create', 400, 'name'],
    [45159, '/cgi-bin/tags/members/batchtagging', 404, 'id'],
    [45057, '/cgi-bin/tags/delete', 409, 'id'],
    [45058, '/cgi-bin/tags/update', 400, 'id'],
    [45059, '/cgi-bin/tags/members/batchtagging', 409, 'openids'],
    [40032, '/cgi-bin/tags/members/batchblacklist', 400, 'openids'],
    [40092, '/cgi-bin/user/info/updateremark', 400, 'remark'],
    [49003, '/cgi-bin/tags/members/batchuntagging', 404, 'openids'],
    [49003, '/cgi-bin/tags/getidlist', 404, 'openid'],
    [40003, '/cgi-bin/tags/members/batchunblacklist', 404, 'openids'],
    [40003, '/cgi-bin/user/tag/get', 404, 'next_openid'],
    [40003, '/cgi-bin/tags/members/getblacklist', 404, 'begin_openid'],
    [61009, '/cgi-bin/component/api_query_auth', 400, 'auth_code'],
    [61010, '/cgi-bin/component/api_query_auth', 400, 'auth_code'],
  ];
  for (const [errcode, path, status, field] of cases) {
    it(`${errcode} from ${path} → ${status} naming ${field}; elsewhere still 502`, () => {
      const error = new WeChatApiError(errcode, 'x', path);
      const response = errorResponse(error, api);
      assert.equal(response.status, status);
      assert.equal(response.field, field);
      assert.match(response.message, new RegExp(`^${field}: .*\\(errcode ${errcode}\\)$`));
      assert.equal(response.errcode, errcode);
      assert.equal(errorResponse(error).status, 502);
    });
  }
});

describe('the IP to add, from an allow-list errmsg (40164, 61004)', () => {
  const ipOf = (errmsg: string): string | undefined =>
    /IP (\S+) is not/.exec(errorResponse(new WeChatApiError(40164, errmsg, '/p')).message)?.[1];
  const cases: [string, string | undefined][] = [
    ['invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist rid: 6650a1b2-3c4d5e6f', '1.2.3.4'],
    ['invalid ip ::ffff:10.0.0.8, not in whitelist', '10.0.0.8'],
    ['invalid ip 2001:db8::7 ipv6 2001:db8::7, not in whitelist', '2001:db8::7'],
    ['access clientip is not registered requestIP:198.51.100.23 rid: 66aa', '198.51.100.23'],
    ['invalid ip 1.2.3.4: not in whitelist', '1.2.3.4'],
    ['invalid ip 1.2.3.4\n\u001b[31mforged line', '1.2.3.4'],
    ['invalid ip, not in whitelist rid: 6650a1b2-3c4d5e6f', undefined],
    ['invalid ip 999.1.1.1 not in whitelist', undefined],
    ['', undefined],
    [`${' '.repeat(600)}1.2.3.4`, undefined],
  ];
  for (const [errmsg, ip] of cases) {
    it(`${JSON.stringify(errmsg.slice(0, 60))} → ${ip ?? 'none'}`, () => assert.equal(ipOf(errmsg), ip));
  }

  // The 600-space case above proves the scan stops at the first 512 characters. Here, a
  // search of the whole text that retries each start (a regex that backtracks, isIP on
  // every substring) is 10¹² steps per errmsg: hours, which the timeout fails.
  it('a hostile errmsg of a million address characters: no address, without hanging', { timeout: 30_000 }, () => {
    for (const errmsg of ['1.'.repeat(500_000), ':'.repeat(1_000_000), 'f'.repeat(1_000_000), '1:'.repeat(500_000)]) {
      const { message } = errorResponse(new WeChatApiError(61004, errmsg, '/p'));
      assert.match(message, /did not name it\)$/);
      // An address after the hostile run is past the searched part: not looked for, so not found.
      assert.equal(ipOf(`${errmsg} 1.2.3.4`), undefined);
    }
  });

  it('another errcode gets no advice', () => {
    assert.equal(errorResponse(new WeChatApiError(45009, 'invalid ip 1.2.3.4', '/p')).message, 'WeChat refused /p (errcode 45009)');
  });
});
