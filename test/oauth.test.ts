import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { STATE_TTL_MS } from '../src/http/state-cookie.js';
import { createMemoryUsedStates, type MemoryUsedStates } from '../src/replay-memory/used-states.js';
import { FakeWeChat, type UserProfile } from './helpers/fake-wechat.js';
import { PrivateRedis, describeWithRedis } from './helpers/redis-server.js';
import { startApp, type RunningApp, untilRedisReady } from './helpers/start-app.js';
import { until } from './helpers/until.js';

const PUBLIC_URL = 'https://wx.example.com';
const profile: UserProfile = {
  openid: 'o_oauth_user_1',
  nickname: '<script>alert("x")</script> 小明 & "quotes" \'single\'',
  sex: 1,
  province: '广东',
  city: '<b>广州</b>',
  country: '中国',
  headimgurl: 'https://thirdwx.qlogo.cn/mmopen/avatar.png?a=1&b="2"',
};

describe('OAuth web pages', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  before(async () => {
    fake = await new FakeWeChat().start();
    app = await startApp({ ...fake.env(), PUBLIC_URL });
  });
  after(async () => {
    await app.close();
    await fake.stop();
  });

  /** GET /oauth: the state and the cookie that binds it. */
  async function begin(): Promise<{ location: string; state: string; cookie: string; setCookie: string }> {
    const response = await fetch(`${app.url}/oauth`, { redirect: 'manual' });
    assert.equal(response.status, 302);
    const location = response.headers.get('location') ?? '';
    const setCookie = response.headers.get('set-cookie') ?? '';
    const state = new URL(location).searchParams.get('state') ?? '';
    return { location, state, cookie: setCookie.split(';')[0] ?? '', setCookie };
  }

  it('GET /oauth redirects to WeChat’s authorize URL with every field', async () => {
    const { location, state } = await begin();
    const url = new URL(location);
    assert.equal(`${url.origin}${url.pathname}`, 'https://open.weixin.qq.com/connect/oauth2/authorize');
    assert.equal(url.searchParams.get('appid'), fake.appId);
    assert.equal(url.searchParams.get('redirect_uri'), `${PUBLIC_URL}/oauth/callback`);
    assert.ok(location.includes(`redirect_uri=${encodeURIComponent(`${PUBLIC_URL}/oauth/callback`)}`), 'redirect_uri is URL-encoded');
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('scope'), 'snsapi_userinfo');
    assert.ok(state.length >= 20, 'the state is unguessable');
    assert.equal(url.hash, '#wechat_redirect');
    assert.ok(location.endsWith('#wechat_redirect'));
    // The parameters come in WeChat's documented order.
    assert.deepEqual([...url.searchParams.keys()], ['appid', 'redirect_uri', 'response_type', 'scope', 'state']);
  });

  it('binds the state to the browser with a signed, HttpOnly, SameSite=Lax cookie', async () => {
    const { state, setCookie } = await begin();
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Lax/i);
    assert.match(setCookie, /Secure/i, 'PUBLIC_URL is https');
    // The cookie's signed payload (base64url JSON, then its MAC) holds the state it binds.
    const payload = decodeURIComponent(setCookie.split(';')[0]?.split('=')[1] ?? '').split('.')[0] ?? '';
    assert.equal((JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { state?: unknown }).state, state);
    const other = await begin();
    assert.notEqual(other.state, state);
  });

  it('the callback exchanges the code and shows the profile, every value escaped', async () => {
    const { state, cookie } = await begin();
    const code = fake.issueCode(profile);
    const response = await fetch(`${app.url}/oauth/callback?code=${code}&state=${state}`, { headers: { Cookie: cookie } });
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.ok(!html.includes('<script>'), 'raw script tag in the page');
    assert.ok(html.includes('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; 小明 &#38; &#34;quotes&#34; &#39;single&#39;'));
    assert.ok(html.includes('&#60;b&#62;广州&#60;/b&#62;'));
    assert.ok(html.includes('男 male') && html.includes('广东') && html.includes('中国'));
    assert.ok(html.includes('src="https://thirdwx.qlogo.cn/mmopen/avatar.png?a=1&#38;b=&#34;2&#34;"'));
    const [exchange] = fake.callsTo('/sns/oauth2/access_token');
    assert.deepEqual(exchange?.query, { appid: fake.appId, secret: fake.appSecret, code, grant_type: 'authorization_code' });
    const [userinfo] = fake.callsTo('/sns/userinfo').slice(-1);
    assert.equal(userinfo?.query.openid, profile.openid);
  });

  it('sends security headers and allows no script', async () => {
    const { state, cookie } = await begin();
    const response = await fetch(`${app.url}/oauth/callback?code=${fake.issueCode(profile)}&state=${state}`, {
      headers: { Cookie: cookie },
    });
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(!(await response.text()).includes('<script'));
  });

  it('a state that does not match the cookie → 403', async () => {
    const first = await begin();
    const second = await begin();
    const response = await fetch(`${app.url}/oauth/callback?code=${fake.issueCode(profile)}&state=${first.state}`, {
      headers: { Cookie: second.cookie },
    });
    assert.equal(response.status, 403);
    assert.match(await response.text(), /state/);
  });

  it('a state works once: a second callback with it → 403', async () => {
    const { state, cookie } = await begin();
    const first = await fetch(`${app.url}/oauth/callback?code=${fake.issueCode(profile)}&state=${state}`, { headers: { Cookie: cookie } });
    assert.equal(first.status, 200);
    const again = await fetch(`${app.url}/oauth/callback?code=${fake.issueCode(profile)}&state=${state}`, { headers: { Cookie: cookie } });
    assert.equal(again.status, 403);
  });

  it('a state works for 10 minutes: an older one → 403', async () => {
    let clock = Date.now();
    const timed = await startApp({ ...fake.env(), PUBLIC_URL }, { now: () => clock });
    try {
      const start = async () => {
        const response = await fetch(`${timed.url}/oauth`, { redirect: 'manual' });
        const state = new URL(response.headers.get('location') ?? '').searchParams.get('state') ?? '';
        return { state, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
      };
      const callback = ({ state, cookie }: { state: string; cookie: string }) =>
        fetch(`${timed.url}/oauth/callback?code=${fake.issueCode(profile)}&state=${state}`, { headers: { Cookie: cookie } });
      const late = await start();
      clock += 10 * 60 * 1000 + 1000;
      assert.equal((await callback(late)).status, 403);
      const inTime = await start();
      clock += 9 * 60 * 1000;
      assert.equal((await callback(inTime)).status, 200);
    } finally {
      await timed.close();
    }
  });

  it('no state cookie → 403; a forged cookie → 403', async () => {
    const { state } = await begin();
    assert.equal((await fetch(`${app.url}/oauth/callback?code=c&state=${state}`)).status, 403);
    const forged = `wechat_oauth_state=${state}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    assert.equal((await fetch(`${app.url}/oauth/callback?code=c&state=${state}`, { headers: { Cookie: forged } })).status, 403);
  });

  it('a state given twice, even the right one twice → 403, the state still unused', async () => {
    const { state, cookie } = await begin();
    const twice = await fetch(`${app.url}/oauth/callback?code=${fake.issueCode(profile)}&state=${state}&state=${state}`, {
      headers: { Cookie: cookie },
    });
    assert.equal(twice.status, 403);
    assert.match(twice.headers.get('content-type') ?? '', /text\/html/);
    const once = await fetch(`${app.url}/oauth/callback?code=${fake.issueCode(profile)}&state=${state}`, { headers: { Cookie: cookie } });
    assert.equal(once.status, 200);
  });

  it('a malformed cookie → 403, not a crash', async () => {
    const { state } = await begin();
    const response = await fetch(`${app.url}/oauth/callback?code=c&state=${state}`, { headers: { Cookie: 'wechat_oauth_state=%zz' } });
    assert.equal(response.status, 403);
  });

  it('no code (the user declined) → 400 page that says so', async () => {
    const { state, cookie } = await begin();
    const response = await fetch(`${app.url}/oauth/callback?state=${state}`, { headers: { Cookie: cookie } });
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /没有同意授权/);
    assert.match(html, /did not allow/);
  });

  it('WeChat answers an errcode → 502 page with it', async () => {
    const { state, cookie } = await begin();
    fake.on('/sns/userinfo', { errcode: 48001, errmsg: 'api unauthorized' });
    const response = await fetch(`${app.url}/oauth/callback?code=${fake.issueCode(profile)}&state=${state}`, {
      headers: { Cookie: cookie },
    });
    assert.equal(response.status, 502);
    assert.match(await response.text(), /48001/);
  });

  it('an invalid code → 502 with WeChat’s 40029', async () => {
    const { state, cookie } = await begin();
    const response = await fetch(`${app.url}/oauth/callback?code=not-a-code&state=${state}`, { headers: { Cookie: cookie } });
    assert.equal(response.status, 502);
    assert.match(await response.text(), /40029/);
  });

  it('50 callbacks with bad codes: each code asked of WeChat, one warning line for them all', async () => {
    const fresh = await startApp({ ...fake.env(), PUBLIC_URL });
    try {
      const before = fake.count('/sns/oauth2/access_token');
      for (let i = 0; i < 50; i++) {
        const started = await fetch(`${fresh.url}/oauth`, { redirect: 'manual' });
        const state = new URL(started.headers.get('location') ?? '').searchParams.get('state') ?? '';
        const cookie = (started.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
        const response = await fetch(`${fresh.url}/oauth/callback?code=bad-${i}&state=${state}`, { headers: { Cookie: cookie } });
        assert.equal(response.status, 502);
        assert.match(await response.text(), /40029/);
      }
      assert.equal(fake.count('/sns/oauth2/access_token') - before, 50, 'every code is its own: none is refused unasked');
      assert.equal(fresh.logs.filter((line) => line.msg === 'OAuth failed').length, 1);
    } finally {
      await fresh.close();
    }
  });

  it('never logs the AppSecret or an OAuth token', () => {
    const logs = app.logText();
    assert.ok(!logs.includes(fake.appSecret));
    assert.ok(!logs.includes('OAUTH_TOKEN_'));
  });

  it('without AppID, AppSecret or PUBLIC_URL → 503 page', async () => {
    const bare = await startApp({ ...fake.env(), PUBLIC_URL: '' });
    try {
      assert.equal((await fetch(`${bare.url}/oauth`, { redirect: 'manual' })).status, 503);
    } finally {
      await bare.close();
    }
  });
});

/** GET /oauth on `app`: the state and the cookie that binds it. */
async function startFlow(app: RunningApp): Promise<{ state: string; cookie: string }> {
  const response = await fetch(`${app.url}/oauth`, { redirect: 'manual' });
  assert.equal(response.status, 302);
  const state = new URL(response.headers.get('location') ?? '').searchParams.get('state') ?? '';
  return { state, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
}

/** The callback of a flow, with a code that exchanges for `profile`. */
function callBack(app: RunningApp, fake: FakeWeChat, { state, cookie }: { state: string; cookie: string }): Promise<Response> {
  return fetch(`${app.url}/oauth/callback?code=${fake.issueCode(profile)}&state=${state}`, { headers: { Cookie: cookie } });
}

describe('used OAuth states are kept until they expire', () => {
  it('a used state is still refused after 10,001 other states were used', async () => {
    const fake = await new FakeWeChat().start();
    const usedStates = createMemoryUsedStates();
    const app = await startApp({ ...fake.env(), PUBLIC_URL }, { usedStates });
    try {
      const first = await startFlow(app);
      assert.equal((await callBack(app, fake, first)).status, 200);
      // The flood: states as self-issued ones are, used in the app's own memory of them.
      for (let i = 0; i < 10_001; i++) assert.equal(usedStates.claim(randomBytes(18).toString('base64url'), STATE_TTL_MS), true);
      const replay = await callBack(app, fake, first);
      assert.equal(replay.status, 403);
    } finally {
      await app.close();
      await fake.stop();
    }
  });

  it('self-made states with made-up codes use nothing up: the memory stays free for real sign-ins', async () => {
    const fake = await new FakeWeChat().start();
    // Room for a handful of states only.
    const usedStates = createMemoryUsedStates({ maxBytes: 1000 });
    const app = await startApp({ ...fake.env(), PUBLIC_URL }, { usedStates });
    try {
      for (let i = 0; i < 40; i++) {
        const { state, cookie } = await startFlow(app);
        const response = await fetch(`${app.url}/oauth/callback?code=made-up-${i}&state=${state}`, { headers: { Cookie: cookie } });
        assert.equal(response.status, 502, 'WeChat refuses the code');
        assert.equal(usedStates.isUsed(state), false);
      }
      const real = await startFlow(app);
      assert.equal((await callBack(app, fake, real)).status, 200);
      assert.equal(usedStates.isUsed(real.state), true);
      assert.equal((await callBack(app, fake, real)).status, 403, 'and it works once');
    } finally {
      await app.close();
      await fake.stop();
    }
  });

  it('when the memory of used states is full: new callbacks get a 503 page, used states stay refused, room comes back as they expire', async () => {
    let clock = Date.now();
    const fake = await new FakeWeChat().start();
    const usedStates = createMemoryUsedStates({ maxBytes: 1000, now: () => clock });
    const app = await startApp({ ...fake.env(), PUBLIC_URL }, { now: () => clock, usedStates });
    try {
      const used: { state: string; cookie: string }[] = [];
      let full: Response | undefined;
      for (let i = 0; i < 50 && full === undefined; i++) {
        const flow = await startFlow(app);
        const response = await callBack(app, fake, flow);
        if (response.status === 200) used.push(flow);
        else full = response;
      }
      assert.ok(used.length > 0 && full !== undefined, 'a few fit, then the memory is full');
      assert.equal(full.status, 503);
      assert.ok(Number(full.headers.get('retry-after')) > 0);
      assert.match(await full.text(), /Too many sign-ins/);
      for (const flow of used) assert.equal((await callBack(app, fake, flow)).status, 403, 'never forgotten to make room');
      assert.equal(app.logs.filter((line) => line.msg === 'OAuth callback refused').length, 1);

      clock += STATE_TTL_MS;
      assert.equal((await callBack(app, fake, await startFlow(app))).status, 200, 'the expired made room');
    } finally {
      await app.close();
      await fake.stop();
    }
  });
});

describeWithRedis('used OAuth states with Redis', () => {
  it('a state used on one instance is refused on the other, and still on the first while Redis is down', async () => {
    const redis = await PrivateRedis.start();
    const fake = await new FakeWeChat().start();
    const env = { ...fake.env(), PUBLIC_URL, REDIS_URL: redis.url };
    const [a, b] = await Promise.all([startApp(env), startApp(env)]);
    try {
      const healthy = async (app: RunningApp) => (await fetch(`${app.url}/healthz`)).status === 200;
      await untilRedisReady(a, b);
      const flow = await startFlow(a);
      assert.equal((await callBack(a, fake, flow)).status, 200);
      assert.equal((await callBack(b, fake, flow)).status, 403);

      await redis.stop();
      await until(async () => !(await healthy(a)), 'Redis seen down');
      assert.equal((await callBack(a, fake, flow)).status, 403);
      assert.equal((await callBack(a, fake, await startFlow(a))).status, 200, 'new flows still work');
    } finally {
      await Promise.all([a.close(), b.close()]);
      await fake.stop();
      await redis.stop();
    }
  });
});

describe('a failure nobody expected, on each family of routes', () => {
  it('the callback answers a 500 page (not text), logs the error once with its stack, and shows nothing of it', async () => {
    const fake = await new FakeWeChat().start();
    const broken: MemoryUsedStates = {
      claim() {
        throw new Error('disk on fire: secret=abc');
      },
      isUsed() {
        throw new Error('disk on fire: secret=abc');
      },
    };
    const app = await startApp({ ...fake.env(), PUBLIC_URL }, { usedStates: broken });
    try {
      const response = await callBack(app, fake, await startFlow(app));
      assert.equal(response.status, 500);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const html = await response.text();
      assert.match(html, /Something went wrong/);
      assert.ok(!html.includes('secret=abc'));
      const errors = app.logs.filter((line) => line.level === 50);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]?.msg, 'OAuth failed');
      assert.match(String((errors[0]?.err as { stack?: unknown } | undefined)?.stack), /disk on fire/);
    } finally {
      await app.close();
      await fake.stop();
    }
  });
});
