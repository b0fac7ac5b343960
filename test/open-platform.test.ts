import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ReauthorizationNeededError, TicketMissingError, UnknownAccountError } from '../src/core/errors.js';
import { errorResponse, UNOPENABLE_MESSAGE } from '../src/http/error-response.js';
import { createFileOpenPlatformState } from '../src/open-platform/file-state.js';
import { OpenPlatform } from '../src/open-platform/open-platform.js';
import { createRefreshTokenSeal } from '../src/open-platform/refresh-token-seal.js';
import { parseComponentEvent } from '../src/protocol/component-event.js';
import { FakeComponent } from './helpers/fake-wechat-component.js';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { startApp, type RunningApp } from './helpers/start-app.js';
import { until } from './helpers/until.js';

const stateFile = (): string => join(mkdtempSync(join(tmpdir(), 'open-state-')), 'open-state.json');

describe('the refresh tokens, sealed', () => {
  const seal = createRefreshTokenSeal('wx_component', 'component-secret');

  it('open only for the account and the secret they were sealed for, and never show the token', () => {
    const sealed = seal.seal('wx_a', 'refreshtoken@@@secret');
    assert.ok(!sealed.includes('refreshtoken'));
    assert.notEqual(seal.seal('wx_a', 'refreshtoken@@@secret'), sealed, 'a fresh IV each time');
    assert.equal(seal.open('wx_a', sealed), 'refreshtoken@@@secret');
    assert.throws(() => seal.open('wx_b', sealed));
    assert.throws(() => createRefreshTokenSeal('wx_component', 'another-secret').open('wx_a', sealed));
    // One bit of the authentication tag flipped.
    const parts = sealed.split('.');
    const tag = Buffer.from(parts[3] ?? '', 'base64url');
    tag[0] = (tag[0] ?? 0) ^ 1;
    assert.throws(() => seal.open('wx_a', [...parts.slice(0, 3), tag.toString('base64url')].join('.')));
  });
});

describe('the pushes, parsed', () => {
  it('reads InfoType and its fields, and leaves other InfoTypes alone', () => {
    const component = new FakeComponent();
    const ticket = parseComponentEvent(FakeComponent.ticketXml(component.appId, 'T1'));
    assert.deepEqual(ticket.InfoType === 'component_verify_ticket' && ticket.ComponentVerifyTicket, 'T1');
    const authorized = parseComponentEvent(component.authorizationXml('updateauthorized', 'wx_a', 'CODE'));
    assert.equal(authorized.InfoType === 'updateauthorized' && authorized.AuthorizationCode, 'CODE');
    const other = parseComponentEvent(
      '<xml><AppId>a</AppId><CreateTime>1</CreateTime><InfoType>notify_third_fasteregister</InfoType></xml>',
    );
    assert.equal(other.InfoType === 'other' && other.infoType, 'notify_third_fasteregister');
    assert.throws(() => parseComponentEvent('<xml><AppId>a</AppId><CreateTime>1</CreateTime><InfoType>authorized</InfoType></xml>'));
  });
});

describe('POST /open/events, over HTTP, with the state in OPEN_STATE_FILE', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let file: string;
  const component = () => fake.component;
  const readState = () => readFileSync(file, 'utf8');

  before(async () => {
    fake = await new FakeWeChat().start();
    file = stateFile();
    // No WECHAT_TOKEN: the platform alone.
    app = await startApp({ ...fake.env(), ...fake.component.env(), WECHAT_TOKEN: '', OPEN_STATE_FILE: file });
  });
  after(async () => {
    await app?.close();
    await fake?.stop();
  });

  it('without a ticket: asks WeChat for a push at start-up, and an authorisation gets a 503 at once', async () => {
    const started = Date.now();
    const { status, text } = await component().push(
      app.url,
      component().authorizationXml('authorized', 'wx_early', component().newCode('wx_early')),
    );
    assert.ok(Date.now() - started < 1000);
    assert.equal(status, 503);
    const body = JSON.parse(text) as { error: string; errcode?: number };
    assert.match(body.error, /^waiting for WeChat's component_verify_ticket push…/);
    assert.equal(body.errcode, undefined);
    assert.equal(fake.count('/cgi-bin/component/api_component_token'), 0, 'WeChat is not asked without a ticket');
    // Asked once at start-up, not again within 10 minutes.
    await until(() => component().pushRequests > 0, 'the push request');
    assert.equal(component().pushRequests, 1);
  });

  it('keeps the pushed ticket in the file (mode 0600) and answers success', async () => {
    const ticket = await component().pushTicket(app.url);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(readState().includes(ticket));
  });

  it('authorized: exchanges the code, keeps the account with its refresh token sealed', async () => {
    const { status, text } = await component().push(
      app.url,
      component().authorizationXml('authorized', 'wx_authorizer_1', component().newCode('wx_authorizer_1')),
    );
    assert.equal(status, 200);
    assert.equal(text, 'success');
    assert.equal(fake.count('/cgi-bin/component/api_component_token'), 1);
    const query = fake.callsTo('/cgi-bin/component/api_query_auth')[0];
    assert.equal((query?.body as { authorization_code?: string }).authorization_code?.startsWith('queryauthcode@@@'), true);
    const state = readState();
    assert.ok(state.includes('wx_authorizer_1'));
    const refresh = component().refreshTokens.get('wx_authorizer_1');
    assert.ok(refresh !== undefined && !state.includes(refresh), 'the raw refresh token is not in the file');
  });

  it('updateauthorized replaces the refresh token; unauthorized drops the account', async () => {
    const before = readState();
    const { text } = await component().push(
      app.url,
      component().authorizationXml('updateauthorized', 'wx_authorizer_1', component().newCode('wx_authorizer_1')),
    );
    assert.equal(text, 'success');
    assert.notEqual(readState(), before);
    await component().push(app.url, component().authorizationXml('authorized', 'wx_authorizer_2', component().newCode('wx_authorizer_2')));
    assert.equal((await component().push(app.url, component().unauthorizationXml('wx_authorizer_2'))).text, 'success');
    const state = JSON.parse(readState()) as { components: Record<string, { authorizers: Record<string, unknown> }> };
    assert.deepEqual(Object.keys(state.components[component().appId]?.authorizers ?? {}), ['wx_authorizer_1']);
  });

  it('a refused component token (40001) is dropped, a new one fetched with the stored ticket, and the call retried once', async () => {
    const fetches = fake.count('/cgi-bin/component/api_component_token');
    component().revokeComponentTokens();
    const { text } = await component().push(
      app.url,
      component().authorizationXml('authorized', 'wx_authorizer_3', component().newCode('wx_authorizer_3')),
    );
    assert.equal(text, 'success');
    assert.equal(fake.count('/cgi-bin/component/api_component_token'), fetches + 1);
  });

  it('another InfoType is answered success', async () => {
    const xml = `<xml><AppId>${component().appId}</AppId><CreateTime>1</CreateTime><InfoType>notify_third_fasteregister</InfoType></xml>`;
    assert.deepEqual(await component().push(app.url, xml), { status: 200, text: 'success' });
  });

  it('refuses as the webhook does: a missing msg_signature 400, what does not open 403, a stale timestamp 403', async () => {
    const { query, body } = component().sealedPush(FakeComponent.ticketXml(component().appId, 'T'));
    const without = new URLSearchParams(query);
    without.delete('msg_signature');
    assert.equal((await fetch(`${app.url}/open/events?${without}`, { method: 'POST', body })).status, 400);
    const wrongAppId = await component().push(app.url, FakeComponent.ticketXml(component().appId, 'T'), { appId: 'wx_someone_else' });
    assert.deepEqual(wrongAppId, { status: 403, text: `${UNOPENABLE_MESSAGE}\n` });
    // One character of the ciphertext changed (to another than it was).
    const tamperedBody = body.replace(/<Encrypt><!\[CDATA\[(.)/, (_, first: string) => `<Encrypt><![CDATA[${first === 'A' ? 'B' : 'A'}`);
    assert.notEqual(tamperedBody, body);
    const tampered = await fetch(`${app.url}/open/events?${query}`, { method: 'POST', body: tamperedBody });
    assert.equal(tampered.status, 403);
    const stale = await component().push(app.url, FakeComponent.ticketXml(component().appId, 'T'), {
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    assert.equal(stale.status, 403);
  });

  it("61006: the ticket is dropped, and the call is a 503 with WeChat's errcode", async () => {
    component().tickets.clear();
    component().revokeComponentTokens();
    const { status, text } = await component().push(
      app.url,
      component().authorizationXml('authorized', 'wx_authorizer_4', component().newCode('wx_authorizer_4')),
    );
    assert.equal(status, 503);
    assert.equal((JSON.parse(text) as { errcode?: number }).errcode, 61006);
    const state = JSON.parse(readState()) as { components: Record<string, { ticket?: unknown }> };
    assert.equal(state.components[component().appId]?.ticket, undefined);
    // The next push mends it.
    await component().pushTicket(app.url);
    const again = await component().push(
      app.url,
      component().authorizationXml('authorized', 'wx_authorizer_4', component().newCode('wx_authorizer_4')),
    );
    assert.equal(again.text, 'success');
  });

  it('logs none of the secret, the key, the tickets, the tokens or the refresh tokens', () => {
    const logs = app.logText();
    for (const secret of component().secrets()) assert.ok(!logs.includes(secret), `the logs hold ${secret.slice(0, 12)}…`);
  });
});

describe("an authorised account's access token", () => {
  let fake: FakeWeChat;
  let clock = Date.now();
  const now = () => clock;
  before(async () => {
    fake = await new FakeWeChat().start();
  });
  after(() => fake?.stop());

  const platformOn = (file: string) => {
    const { appId, secret, token, aesKey } = fake.component;
    return new OpenPlatform({
      component: { appId, secret, token, aesKey },
      state: createFileOpenPlatformState(file, appId),
      apiBase: fake.url,
      now,
    });
  };

  it("is api_query_auth's until due, then api_authorizer_token's with the stored refresh token, whose successor is kept", async () => {
    const file = stateFile();
    const platform = platformOn(file);
    await assert.rejects(platform.authorizers.get('wx_a'), UnknownAccountError);
    await assert.rejects(platform.componentToken.get(), TicketMissingError);
    await platform.handleEvent({
      InfoType: 'component_verify_ticket',
      AppId: fake.component.appId,
      CreateTime: '1',
      ComponentVerifyTicket: fake.component.newTicket(),
    });
    await platform.authorizers.authorize(fake.component.newCode('wx_a'));
    const first = await platform.authorizers.get('wx_a');
    assert.equal(fake.component.authorizerTokens.get(first), 'wx_a');
    assert.equal(fake.count('/cgi-bin/component/api_authorizer_token'), 0);
    const firstRefresh = fake.component.refreshTokens.get('wx_a');

    clock += 7200 * 1000;
    const second = await platform.authorizers.get('wx_a');
    assert.notEqual(second, first);
    assert.equal(fake.count('/cgi-bin/component/api_authorizer_token'), 1);
    const sent = fake.callsTo('/cgi-bin/component/api_authorizer_token')[0]?.body as Record<string, string>;
    assert.equal(sent.authorizer_refresh_token, firstRefresh);

    // A restart keeps the ticket and the account, whose new refresh token is the one in force.
    await platform.close();
    clock += 7200 * 1000;
    const restarted = platformOn(file);
    const third = await restarted.authorizers.get('wx_a');
    assert.equal(fake.component.authorizerTokens.get(third), 'wx_a');
    assert.deepEqual(await restarted.state.authorizers(), ['wx_a']);
    assert.ok((await restarted.state.readTicket()) !== undefined);
    await restarted.close();
  });

  it('61023 marks the account as needing re-authorisation: its calls are a 409 until it authorises again', async () => {
    const file = stateFile();
    const platform = platformOn(file);
    await platform.state.writeTicket({ value: fake.component.newTicket(), receivedAt: clock });
    await platform.authorizers.authorize(fake.component.newCode('wx_b'));
    fake.component.refreshTokens.set('wx_b', 'revoked');
    clock += 7200 * 1000;
    const calls = fake.count('/cgi-bin/component/api_authorizer_token');
    const refused = await platform.authorizers.get('wx_b').catch((error: unknown) => error);
    assert.ok(refused instanceof ReauthorizationNeededError);
    assert.equal(errorResponse(refused).status, 409);
    await assert.rejects(platform.authorizers.get('wx_b'), ReauthorizationNeededError);
    assert.equal(fake.count('/cgi-bin/component/api_authorizer_token'), calls + 1, 'not asked again');
    assert.equal((await platform.state.readAuthorizer('wx_b'))?.needsReauthorization, true);
    await platform.authorizers.authorize(fake.component.newCode('wx_b'));
    assert.equal(fake.component.authorizerTokens.get(await platform.authorizers.get('wx_b')), 'wx_b');
    await platform.close();
  });

  it('a ticket older than 12 hours is still used, and WeChat is asked for a new push', async () => {
    const platform = platformOn(stateFile());
    await platform.state.writeTicket({ value: fake.component.newTicket(), receivedAt: clock - 13 * 3600 * 1000 });
    const requests = fake.component.pushRequests;
    assert.ok((await platform.componentToken.get()).startsWith('COMPONENT_TOKEN_'));
    await until(async () => fake.component.pushRequests === requests + 1, 'the push request');
    await platform.close();
  });
});
