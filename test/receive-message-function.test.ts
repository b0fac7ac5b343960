import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { readQuery } from '../src/http/read-query.js';
import { receiveMessage, webhookDeps, type WebhookRequest } from '../src/http/receive-message.js';
import { createServices } from '../src/services.js';
import { TEST_TOKEN } from './helpers/start-app.js';
import { readReply, signedQuery, textXml } from './helpers/wechat.js';

/** receiveMessage is the webhook without HTTP: a query and a body in, an answer out. */
describe('receiveMessage, called as a function', () => {
  const config = loadConfig({ WECHAT_TOKEN: TEST_TOKEN, LOG_LEVEL: 'silent' });
  const services = createServices(config, { logger: createLogger('silent') });
  const deps = webhookDeps(config, services.accounts.all()[0]!, services.server.logger);
  after(() => services.shutdown());

  /** A request whose body counts how often it is read. */
  const request = (query: string, body: string): WebhookRequest & { reads: number } => {
    const made = {
      query: readQuery(`/wechat?${query}`),
      reads: 0,
      readBody: () => {
        made.reads += 1;
        return Promise.resolve(body);
      },
    };
    return made;
  };

  it('answers a signed text with the default rules’ echo, and says what became of it', async () => {
    const given = request(signedQuery(), textXml('你好'));
    const answer = await receiveMessage(given, deps);
    assert.equal(answer.status, 200);
    assert.equal(answer.outcome, 'reply');
    assert.equal(answer.type, 'text');
    assert.equal(readReply(String(answer.body)).Content, '你好');
    assert.equal(given.reads, 1);
  });

  it('a wrong signature is refused without reading the body', async () => {
    const given = request(signedQuery({}, 'another-token'), textXml('你好'));
    const answer = await receiveMessage(given, deps);
    assert.equal(answer.status, 403);
    assert.equal(answer.outcome, 'refused');
    assert.equal(answer.message, undefined);
    assert.equal(given.reads, 0);
  });

  it('the same request again is WeChat’s retry: the same bytes, outcome retry', async () => {
    const query = signedQuery();
    const xml = textXml('再来一次');
    const first = await receiveMessage(request(query, xml), deps);
    const again = await receiveMessage(request(query, xml), deps);
    assert.equal(again.outcome, 'retry');
    assert.deepEqual(again.body, first.body);
  });
});
