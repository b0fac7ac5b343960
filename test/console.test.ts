import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LIVE_PER_SECOND } from '../src/console/live-feed.js';
import { createReplyRouter } from '../src/replies/router.js';
import { startApp, withFakeWeChat, type RunningApp } from './helpers/start-app.js';
import { until } from './helpers/until.js';
import { exchange, postToWebhook, readReply, signedQuery, textXml, USER } from './helpers/wechat.js';

// The console's sign-in, sessions, CSRF, CSP and data routes, through real HTTP
// (test/slow/console-browser.test.ts drives the pages in Chromium).

const ADMIN = 'console-admin-token-0001';
const REPLIES = 'keywords:\n  - exact: 价格\n    reply: 九十九元\nmessage: 收到\n';

/** A fetch that never follows redirects, as a test of a 303 needs. */
function request(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', ...init });
}

function form(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  };
}

/** Signs in with `token`; the session cookie (name=value) and the CSRF token. */
async function signIn(app: RunningApp, token: string, headers: Record<string, string> = {}): Promise<{ cookie: string; csrf: string }> {
  const response = await request(`${app.url}/console/login`, form({ token }, headers));
  assert.equal(response.status, 303, await response.text());
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const session = await fetch(`${app.url}/console/api/session`, { headers: { Cookie: cookie } });
  assert.equal(session.status, 200);
  const { csrfToken } = (await session.json()) as { csrfToken: string };
  return { cookie, csrf: csrfToken };
}

function cspOf(response: Response): string {
  return response.headers.get('content-security-policy') ?? '';
}

describe('the console: sign-in, sessions and CSRF', () => {
  let app: RunningApp;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-'));
    writeFileSync(join(dir, 'replies.yaml'), REPLIES);
    // A hand-over from code, for the live stream.
    const router = createReplyRouter().on('text', (message) =>
      message.Content === '转人工' ? { type: 'transfer_customer_service', kfAccount: 'test1@test' } : undefined,
    );
    app = await startApp({ ADMIN_TOKEN: ADMIN, REPLIES_FILE: join(dir, 'replies.yaml'), TRUST_PROXY: '127.0.0.1' }, { router });
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /console without a session: the sign-in page, a form posting token to /console/login, a CSP without inline script', async () => {
    const response = await request(`${app.url}/console`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /<form method="post" action="\/console\/login">/);
    assert.match(html, /name="token"/);
    const csp = cspOf(response);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]/, 'no inline script');
  });

  it('without a session: data → 401, any other path → 303 to /console', async () => {
    assert.equal((await request(`${app.url}/console/api/session`)).status, 401);
    assert.equal((await request(`${app.url}/console/api/overview`)).status, 401);
    const other = await request(`${app.url}/console/replies`);
    assert.equal(other.status, 303);
    assert.equal(other.headers.get('location'), '/console');
  });

  it('a wrong token → 401 on the sign-in page, no cookie', async () => {
    const response = await request(`${app.url}/console/login`, form({ token: 'wrong' }, { 'X-Forwarded-For': '203.0.113.50' }));
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('set-cookie'), null);
    assert.match(await response.text(), /Wrong token/);
  });

  it('ADMIN_TOKEN → 303 to /console with an HttpOnly, SameSite=Strict cookie that does not carry the token', async () => {
    const response = await request(`${app.url}/console/login`, form({ token: ADMIN }));
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/console');
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.doesNotMatch(cookie, /Secure/i, 'PUBLIC_URL is not https here');
    const value = cookie.split(';')[0]?.split('=')[1] ?? '';
    for (const encoding of ['utf8', 'base64', 'base64url', 'hex'] as const) {
      assert.ok(!decodeURIComponent(value).includes(Buffer.from(ADMIN).toString(encoding)), `token in ${encoding}`);
    }
    const shell = await request(`${app.url}/console`, { headers: { Cookie: cookie.split(';')[0] ?? '' } });
    assert.equal(shell.status, 200);
    const html = await shell.text();
    assert.match(html, /<script type="module" src="\/console\/assets\/console\.js"><\/script>/);
    assert.doesNotMatch(cspOf(shell), /unsafe-inline|unsafe-eval/);
  });

  it('an Origin that is neither PUBLIC_URL’s nor the request’s own → 403', async () => {
    const response = await request(`${app.url}/console/login`, form({ token: ADMIN }, { Origin: 'https://evil.example' }));
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('set-cookie'), null);
    const own = await request(`${app.url}/console/login`, form({ token: ADMIN }, { Origin: app.url }));
    assert.equal(own.status, 303);
  });

  it('five failures from one address: the sixth attempt → 429 with Retry-After, even with the right token; another address signs in at once', async () => {
    const from = { 'X-Forwarded-For': '198.51.100.7' };
    for (let i = 0; i < 5; i++) assert.equal((await request(`${app.url}/console/login`, form({ token: `wrong-${i}` }, from))).status, 401);
    const locked = await request(`${app.url}/console/login`, form({ token: ADMIN }, from));
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    assert.equal(locked.headers.get('set-cookie'), null);
    const other = await request(`${app.url}/console/login`, form({ token: ADMIN }, { 'X-Forwarded-For': '198.51.100.8' }));
    assert.equal(other.status, 303);
  });

  it('sign-out without the CSRF token → 403 and the session kept; with it → 303, and the old cookie opens nothing', async () => {
    const { cookie, csrf } = await signIn(app, ADMIN);
    const refused = await request(`${app.url}/console/logout`, { method: 'POST', headers: { Cookie: cookie } });
    assert.equal(refused.status, 403);
    assert.equal((await fetch(`${app.url}/console/api/session`, { headers: { Cookie: cookie } })).status, 200);
    const wrong = await request(`${app.url}/console/logout`, form({ _csrf: 'not-the-token' }, { Cookie: cookie }));
    assert.equal(wrong.status, 403);
    const done = await request(`${app.url}/console/logout`, form({ _csrf: csrf }, { Cookie: cookie }));
    assert.equal(done.status, 303);
    assert.equal((await fetch(`${app.url}/console/api/session`, { headers: { Cookie: cookie } })).status, 401);
  });

  it('a new sign-in rotates the session: the cookie it came with ends', async () => {
    const first = await signIn(app, ADMIN);
    const second = await signIn(app, ADMIN, { Cookie: first.cookie });
    assert.notEqual(first.cookie, second.cookie);
    assert.equal((await fetch(`${app.url}/console/api/session`, { headers: { Cookie: first.cookie } })).status, 401);
    assert.equal((await fetch(`${app.url}/console/api/session`, { headers: { Cookie: second.cookie } })).status, 200);
  });

  it('the replies editor: the file and its hash; problems at their line; a preview answers as the server would', async () => {
    const { cookie, csrf } = await signIn(app, ADMIN);
    const headers = { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' };
    const loaded = (await (await fetch(`${app.url}/console/api/replies`, { headers: { Cookie: cookie } })).json()) as {
      source: string;
      hash: string;
    };
    assert.equal(loaded.source, REPLIES);
    assert.equal(loaded.hash, createHash('sha256').update(REPLIES).digest('hex'));

    const broken = 'keywords:\n  - exact: 价格\n    reply: 九十九元\n  - exact: x\n    replyy: y\n';
    const checked = await fetch(`${app.url}/console/api/replies/check`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ source: broken }),
    });
    const { problems } = (await checked.json()) as { problems: { line: number | null; message: string }[] };
    assert.ok(problems.length > 0);
    assert.ok(
      problems.some((problem) => problem.line === 5 || problem.line === 4),
      JSON.stringify(problems),
    );

    const preview = async (source: string, content: string) =>
      (await (
        await fetch(`${app.url}/console/api/replies/preview`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ source, message: { type: 'text', content } }),
        })
      ).json()) as { reply: { type: string; text: string } | null };
    assert.deepEqual((await preview(REPLIES, '价格')).reply, { type: 'text', text: '九十九元' });
    assert.deepEqual((await preview(REPLIES, '别的')).reply, { type: 'text', text: '收到' });
    assert.deepEqual((await preview('', '你好')).reply, { type: 'text', text: '你好' }, 'no file: the default rules echo');
    const handover =
      'keywords:\n  - exact: 人工\n    reply: { type: transfer_customer_service }\n' +
      '  - exact: 找小王\n    reply: { type: transfer_customer_service, kfAccount: xiaowang@coffee_shop }\n';
    assert.deepEqual((await preview(handover, '人工')).reply, { type: 'transfer_customer_service', text: '' }, 'to any agent');
    assert.deepEqual((await preview(handover, '找小王')).reply, { type: 'transfer_customer_service', text: 'xiaowang@coffee_shop' });
  });

  it('a write without the CSRF token → 403, nothing written', async () => {
    const { cookie } = await signIn(app, ADMIN);
    const file = join(dir, 'replies.yaml');
    const before = readFileSync(file, 'utf8');
    const response = await fetch(`${app.url}/console/api/replies`, {
      method: 'PUT',
      headers: { Cookie: cookie, 'Content-Type': 'application/json' },
      body: JSON.stringify({ source: 'message: hacked\n', baseHash: createHash('sha256').update(before).digest('hex') }),
    });
    assert.equal(response.status, 403);
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  it('save: an invalid file → 400, nothing written; a stale hash → 409; a good one is written, the previous kept, and the webhook answers with it', async () => {
    const { cookie, csrf } = await signIn(app, ADMIN);
    const file = join(dir, 'replies.yaml');
    const headers = { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' };
    const current = readFileSync(file, 'utf8');
    const hash = createHash('sha256').update(current).digest('hex');
    const put = (source: string, baseHash: string) =>
      fetch(`${app.url}/console/api/replies`, { method: 'PUT', headers, body: JSON.stringify({ source, baseHash }) });

    const invalid = await put('keywords: 5\n', hash);
    assert.equal(invalid.status, 400);
    assert.ok(((await invalid.json()) as { problems: unknown[] }).problems.length > 0);
    assert.equal(readFileSync(file, 'utf8'), current);

    const stale = await put('message: 新的\n', '0'.repeat(64));
    assert.equal(stale.status, 409);
    assert.equal(readFileSync(file, 'utf8'), current);

    const next = 'keywords:\n  - exact: 价格\n    reply: 八十八元\nmessage: 收到\n';
    const saved = await put(next, hash);
    assert.equal(saved.status, 200, await saved.clone().text());
    assert.equal(((await saved.json()) as { hash: string }).hash, createHash('sha256').update(next).digest('hex'));
    assert.equal(readFileSync(file, 'utf8'), next);
    assert.equal(readFileSync(`${file}.previous`, 'utf8'), current);
    await until(async () => (await exchange(app.url, textXml('价格'))).Content === '八十八元', 'the saved file answers');
    assert.ok(
      app.logs.some((line) => line.msg === 'console: replies file saved' && line.key === 'admin'),
      'the write is logged with who made it',
    );
    assert.equal((await put('message: again\n', hash)).status, 409, 'the old hash is stale now');
  });

  it('the live stream: each message answered, its openid masked, never whole', async () => {
    const { cookie } = await signIn(app, ADMIN);
    const controller = new AbortController();
    const response = await fetch(`${app.url}/console/api/live`, { headers: { Cookie: cookie }, signal: controller.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body!.getReader();
    let received = '';
    await reader.read();
    const sent = await postToWebhook(app.url, textXml('实时消息'));
    assert.equal(sent.status, 200);
    assert.equal(readReply(await sent.text()).Content !== undefined, true);
    while (!received.includes('\n\n') || !received.includes('实时消息')) {
      const { value, done } = await reader.read();
      if (done) break;
      received += Buffer.from(value).toString('utf8');
    }
    controller.abort();
    const data = received.split('\n').find((line) => line.startsWith('data: ')) ?? '';
    const event = JSON.parse(data.slice('data: '.length)) as Record<string, unknown>;
    assert.equal(event.type, 'text');
    assert.equal(event.content, '实时消息');
    assert.equal(event.openid, 'o_us…enid');
    assert.equal(event.outcome, 'reply');
    assert.ok(!received.includes(USER), 'the full openid is never sent');
  });

  it(`the live stream shows at most ${LIVE_PER_SECOND} messages a second and counts the others, none lost`, async () => {
    const { cookie } = await signIn(app, ADMIN);
    const controller = new AbortController();
    const response = await fetch(`${app.url}/console/api/live`, { headers: { Cookie: cookie }, signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    const burst = 3 * LIVE_PER_SECOND;
    const started = Date.now();
    const sent = await Promise.all(Array.from({ length: burst }, (_, i) => postToWebhook(app.url, textXml(`一阵 ${i}`))));
    const seconds = (Date.now() - started) / 1000;
    assert.ok(sent.every((answer) => answer.status === 200));
    let received = '';
    let shown = 0;
    let skipped = 0;
    const deadline = Date.now() + 5_000;
    while (shown + skipped < burst && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      received += Buffer.from(value).toString('utf8');
      const events = received.split('\n\n');
      received = events.pop() ?? '';
      for (const event of events) {
        const data =
          event
            .split('\n')
            .find((line) => line.startsWith('data: '))
            ?.slice('data: '.length) ?? '';
        if (event.startsWith('event: message') && data.includes('一阵')) shown += 1;
        if (event.startsWith('event: skipped')) {
          const counted = JSON.parse(data) as { count: number; perSecond: number };
          assert.equal(counted.perSecond, LIVE_PER_SECOND);
          skipped += counted.count;
        }
      }
    }
    controller.abort();
    assert.equal(shown + skipped, burst, `every message shown or counted: ${shown} shown, ${skipped} counted`);
    // The burst spans at most ceil(seconds) + 1 of the feed's seconds.
    assert.ok(shown <= LIVE_PER_SECOND * (Math.ceil(seconds) + 1), `${shown} shown in ${seconds} s`);
    assert.ok(skipped >= burst - LIVE_PER_SECOND * (Math.ceil(seconds) + 1), `${skipped} counted in ${seconds} s`);
  });

  it('the live stream shows a hand-over to customer service with its agent', async () => {
    const { cookie } = await signIn(app, ADMIN);
    const controller = new AbortController();
    const response = await fetch(`${app.url}/console/api/live`, { headers: { Cookie: cookie }, signal: controller.signal });
    const reader = response.body!.getReader();
    let received = '';
    await reader.read();
    assert.equal((await postToWebhook(app.url, textXml('转人工'))).status, 200);
    while (!received.includes('转人工') || !received.endsWith('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      received += Buffer.from(value).toString('utf8');
    }
    controller.abort();
    const data = received.split('\n').find((line) => line.startsWith('data: ') && line.includes('转人工')) ?? '';
    const event = JSON.parse(data.slice('data: '.length)) as Record<string, unknown>;
    assert.deepEqual(event.reply, { type: 'transfer_customer_service', text: 'test1@test' });
    assert.equal(event.outcome, 'reply');
  });

  it('a console asset is served without a session; its absence is a 404, not a 500', async () => {
    const missing = await request(`${app.url}/console/assets/nothing-here.js`);
    assert.equal(missing.status, 404);
    if (existsSync(join(process.cwd(), 'dist', 'console-ui', 'console.js'))) {
      assert.equal((await request(`${app.url}/console/assets/console.js`)).status, 200);
    }
  });
});

describe('the console behind https (PUBLIC_URL): every console cookie is Secure', () => {
  it('the session cookie and its end carry Secure', async () => {
    const app = await startApp({ ADMIN_TOKEN: ADMIN, PUBLIC_URL: 'https://wx.example.com' });
    try {
      const response = await request(`${app.url}/console/login`, form({ token: ADMIN }));
      assert.equal(response.status, 303);
      assert.match(response.headers.get('set-cookie') ?? '', /;\s*Secure/i);
      const { cookie, csrf } = await signIn(app, ADMIN);
      const out = await request(`${app.url}/console/logout`, form({ _csrf: csrf }, { Cookie: cookie }));
      assert.equal(out.status, 303);
      assert.match(out.headers.get('set-cookie') ?? '', /;\s*Secure/i);
      const foreign = await request(`${app.url}/console/login`, form({ token: ADMIN }, { Origin: 'https://other.example.com' }));
      assert.equal(foreign.status, 403);
      const own = await request(`${app.url}/console/login`, form({ token: ADMIN }, { Origin: 'https://wx.example.com' }));
      assert.equal(own.status, 303, 'PUBLIC_URL’s origin is the console’s own');
    } finally {
      await app.close();
    }
  });
});

describe('the console without ADMIN_TOKEN or console keys: this machine only', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp({});
  });
  after(() => app.close());

  it('a client on this machine signs in with the field empty', async () => {
    const response = await request(`${app.url}/console/login`, form({ token: '' }));
    assert.equal(response.status, 303);
  });

  it('a client through a proxy is not this machine: 403 everywhere', async () => {
    const page = await request(`${app.url}/console`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    assert.equal(page.status, 403);
    const login = await request(`${app.url}/console/login`, form({ token: '' }, { 'X-Forwarded-For': '203.0.113.9' }));
    assert.equal(login.status, 403);
  });

  it('start-up warns that the console answers only this machine', () => {
    assert.ok(app.logs.some((line) => typeof line.msg === 'string' && line.msg.includes('/console')));
  });
});

describe('the console with several accounts: an account key with console: true', () => {
  let app: RunningApp;
  let dir: string;
  const SHOP_KEY = 'shop-console-key-000000001';
  const SHOP_API_ONLY = 'shop-api-only-key-00000002';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-accounts-'));
    writeFileSync(join(dir, 'shop.yaml'), 'message: 小店收到\n');
    writeFileSync(join(dir, 'news.yaml'), 'message: 新闻收到\n');
    writeFileSync(
      join(dir, 'accounts.yaml'),
      [
        'accounts:',
        '  - name: shop',
        '    appid: wx_console_shop_01',
        '    token: shoptoken',
        '    replies_file: shop.yaml',
        `    api_keys: [{ name: shop-operator, key: ${SHOP_KEY}, console: true }, { name: shop-service, key: ${SHOP_API_ONLY} }]`,
        '  - name: news',
        '    appid: wx_console_news_02',
        '    token: newstoken',
        '    replies_file: news.yaml',
        '',
      ].join('\n'),
    );
    app = await startApp({ WECHAT_TOKEN: '', ADMIN_TOKEN: ADMIN, ACCOUNTS_FILE: join(dir, 'accounts.yaml') });
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("another account's burst neither shows on a key's live stream nor uses up its rate", async () => {
    const { cookie } = await signIn(app, SHOP_KEY);
    const controller = new AbortController();
    const response = await fetch(`${app.url}/console/api/live`, { headers: { Cookie: cookie }, signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    const post = (name: string, token: string, content: string) =>
      fetch(`${app.url}/wechat/${name}?${signedQuery({}, token)}`, { method: 'POST', body: textXml(content) });
    const burst = await Promise.all(Array.from({ length: 3 * LIVE_PER_SECOND }, (_, i) => post('news', 'newstoken', `新闻 ${i}`)));
    assert.ok(burst.every((answer) => answer.status === 200));
    assert.equal((await post('shop', 'shoptoken', '小店的消息')).status, 200);
    let received = '';
    const deadline = Date.now() + 2_500;
    while (Date.now() < deadline) {
      const chunk = await Promise.race([reader.read(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 200))]);
      if (chunk?.value !== undefined) received += Buffer.from(chunk.value).toString('utf8');
    }
    controller.abort();
    assert.match(received, /小店的消息/, "the watched account's message is shown");
    assert.doesNotMatch(received, /新闻/, "the other account's messages are not");
    assert.doesNotMatch(received, /event: skipped/, 'nor counted on this stream');
  });

  it('the key signs in; its session sees its account only and gets 403 naming another', async () => {
    const { cookie } = await signIn(app, SHOP_KEY);
    const session = (await (await fetch(`${app.url}/console/api/session`, { headers: { Cookie: cookie } })).json()) as {
      key: string;
      accounts: { name: string }[];
    };
    assert.equal(session.key, 'shop-operator');
    assert.deepEqual(
      session.accounts.map((account) => account.name),
      ['shop'],
    );
    const own = await fetch(`${app.url}/console/api/replies`, { headers: { Cookie: cookie } });
    assert.equal(own.status, 200);
    assert.equal(((await own.json()) as { source: string }).source, 'message: 小店收到\n');
    const other = await fetch(`${app.url}/console/api/replies?account=news`, { headers: { Cookie: cookie } });
    assert.equal(other.status, 403);
    assert.equal((await fetch(`${app.url}/console/api/overview?account=news`, { headers: { Cookie: cookie } })).status, 403);
  });

  it('a key removed from the accounts file while the server runs: its session opens nothing', async () => {
    const { cookie } = await signIn(app, SHOP_KEY);
    assert.equal((await fetch(`${app.url}/console/api/session`, { headers: { Cookie: cookie } })).status, 200);
    const file = join(dir, 'accounts.yaml');
    const before = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, before.replace(`{ name: shop-operator, key: ${SHOP_KEY}, console: true }, `, ''));
      await until(
        async () => (await fetch(`${app.url}/console/api/session`, { headers: { Cookie: cookie } })).status === 401,
        'the session ended with its key',
      );
      assert.equal((await request(`${app.url}/console/login`, form({ token: SHOP_KEY }))).status, 401);
    } finally {
      // Waited for in the log: sign-ins with a refused key would count as failures of this client.
      const applied = () => app.logs.filter((line) => line.msg === 'accounts file applied').length;
      const appliedBefore = applied();
      writeFileSync(file, before);
      await until(() => applied() > appliedBefore, 'the key back');
    }
  });

  it('a key without console: true does not sign in', async () => {
    const response = await request(`${app.url}/console/login`, form({ token: SHOP_API_ONLY }));
    assert.equal(response.status, 401);
  });

  it('ADMIN_TOKEN sees every account; without ?account= a data path names the problem (400)', async () => {
    const { cookie } = await signIn(app, ADMIN);
    const session = (await (await fetch(`${app.url}/console/api/session`, { headers: { Cookie: cookie } })).json()) as {
      accounts: { name: string }[];
    };
    assert.deepEqual(
      session.accounts.map((account) => account.name),
      ['shop', 'news'],
    );
    assert.equal((await fetch(`${app.url}/console/api/replies`, { headers: { Cookie: cookie } })).status, 400);
    const overview = await fetch(`${app.url}/console/api/overview?account=news`, { headers: { Cookie: cookie } });
    assert.equal(overview.status, 200);
    const body = (await overview.json()) as { account: string; health: { redis: string } };
    assert.equal(body.account, 'news');
    assert.equal(body.health.redis, 'none');
  });
});

describe('the console’s menu editor, against the fake WeChat', () => {
  const MENU = { button: [{ type: 'click', name: '今日歌曲', key: 'V1001_TODAY_MUSIC' }] };

  it('loads MENU_FILE, checks a change live, shows the difference from WeChat’s, saves it (previous kept) and pushes it after confirmation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-menu-'));
    const file = join(dir, 'menu.json');
    writeFileSync(file, `${JSON.stringify(MENU, null, 2)}\n`);
    try {
      await withFakeWeChat({ ADMIN_TOKEN: ADMIN, MENU_FILE: file }, async (app, fake) => {
        const { cookie, csrf } = await signIn(app, ADMIN);
        const headers = { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' };
        const call = async (method: string, path: string, body?: unknown) => {
          const response = await fetch(`${app.url}/console/api${path}`, {
            method,
            headers,
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          return { status: response.status, body: (await response.json()) as Record<string, unknown> };
        };
        const loaded = await call('GET', '/menu');
        assert.equal(loaded.status, 200);
        assert.deepEqual(loaded.body.menu, MENU);
        assert.deepEqual(loaded.body.problems, []);

        const tooMany = { button: [1, 2, 3, 4].map((i) => ({ type: 'click', name: `b${i}`, key: `k${i}` })) };
        const checked = await call('POST', '/menu/check', { menu: tooMany });
        assert.ok(
          (checked.body.problems as { path: string }[]).some((problem) => problem.path === 'button'),
          JSON.stringify(checked.body),
        );

        const changed = { button: [{ type: 'click', name: '新歌', key: 'V1001_TODAY_MUSIC' }] };
        const before = await call('POST', '/menu/diff', { menu: changed });
        assert.equal(before.body.wechat, null, 'WeChat has no menu yet');
        assert.ok((before.body.differences as unknown[]).length > 0);

        const refused = await call('PUT', '/menu', { menu: tooMany, baseHash: loaded.body.hash });
        assert.equal(refused.status, 400);
        const saved = await call('PUT', '/menu', { menu: changed, baseHash: loaded.body.hash });
        assert.equal(saved.status, 200, JSON.stringify(saved.body));
        assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), changed);
        assert.deepEqual(JSON.parse(readFileSync(`${file}.previous`, 'utf8')), MENU);

        const stale = await call('POST', '/menu/push', { hash: loaded.body.hash });
        assert.equal(stale.status, 409, 'a push names the version confirmed: the old one is gone');
        assert.equal(fake.menus.menu, undefined);
        const pushed = await call('POST', '/menu/push', { hash: saved.body.hash });
        assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
        assert.equal((fake.menus.menu as Record<string, unknown>[] | undefined)?.[0]?.name, '新歌');
        const after = await call('POST', '/menu/diff', { menu: changed });
        assert.deepEqual(after.body.differences, []);
        assert.ok(app.logs.some((line) => line.msg === 'console: menu pushed to WeChat' && line.key === 'admin'));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the console’s send and users routes, against the fake WeChat', () => {
  const DATA = { thing1: '智能手表', character_string2: 'SF1234567890', time3: '2024年5月1日 10:00' };

  it('a template message: checked first (nothing sent, the exact body shown), a wrong placeholder refused, then sent and logged with the key', async () => {
    await withFakeWeChat({ ADMIN_TOKEN: ADMIN }, async (app, fake) => {
      const { cookie, csrf } = await signIn(app, ADMIN);
      const headers = { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' };
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${app.url}/console/api${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const templates = (await (await fetch(`${app.url}/console/api/templates`, { headers: { Cookie: cookie } })).json()) as {
        templates: { template_id: string; placeholders: string[] }[];
      };
      assert.deepEqual(templates.templates[0]?.placeholders, ['thing1', 'character_string2', 'time3']);

      const message = { touser: 'oFollower_0001', template_id: 'TPL_ORDER_SHIPPED', data: DATA };
      const checked = await post('/send/template/check', message);
      assert.equal(checked.status, 200, JSON.stringify(checked.body));
      assert.deepEqual((checked.body.message as { data: unknown }).data, {
        thing1: { value: '智能手表' },
        character_string2: { value: 'SF1234567890' },
        time3: { value: '2024年5月1日 10:00' },
      });
      assert.equal(fake.count('/cgi-bin/message/template/send'), 0, 'a check sends nothing');

      const wrong = await post('/send/template/check', { ...message, data: { thing1: 'x' } });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.field, 'data');

      const unsafe = await fetch(`${app.url}/console/api/send/template`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/json' },
        body: JSON.stringify(message),
      });
      assert.equal(unsafe.status, 403, 'no CSRF token, no send');
      assert.equal(fake.count('/cgi-bin/message/template/send'), 0);

      const sent = await post('/send/template', message);
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      assert.equal(typeof sent.body.msgid, 'number');
      assert.deepEqual(fake.callsTo('/cgi-bin/message/template/send').at(-1)?.body, checked.body.message);
      assert.ok(
        app.logs.some((line) => line.msg === 'message sent' && line.route === 'POST /console/api/send/template' && line.caller === 'admin'),
      );
    });
  });

  it('a customer-service message: checked (its pieces counted), then sent; a profile looked up; an unknown openid → 404', async () => {
    await withFakeWeChat({ ADMIN_TOKEN: ADMIN }, async (app, fake) => {
      const { cookie, csrf } = await signIn(app, ADMIN);
      const headers = { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' };
      const message = { touser: 'oFollower_0002', reply: { type: 'text', content: '您好，订单已发货' } };
      const checked = await fetch(`${app.url}/console/api/send/custom/check`, { method: 'POST', headers, body: JSON.stringify(message) });
      assert.equal(checked.status, 200);
      assert.equal(((await checked.json()) as { pieces: number }).pieces, 1);
      assert.equal(fake.count('/cgi-bin/message/custom/send'), 0);
      const sent = await fetch(`${app.url}/console/api/send/custom`, { method: 'POST', headers, body: JSON.stringify(message) });
      assert.equal(sent.status, 200);
      assert.equal(fake.count('/cgi-bin/message/custom/send'), 1);

      const profile = await fetch(`${app.url}/console/api/users/oFollower_0002`, { headers: { Cookie: cookie } });
      assert.equal(profile.status, 200);
      assert.equal(((await profile.json()) as { openid: string }).openid, 'oFollower_0002');
      assert.equal((await fetch(`${app.url}/console/api/users/oNobody_0009`, { headers: { Cookie: cookie } })).status, 404);
    });
  });

  it('a subscription notice: the templates with their kind, a check showing the grant, the send using it; a user’s reach', async () => {
    await withFakeWeChat({ ADMIN_TOKEN: ADMIN, TYPING_AFTER_MS: '0' }, async (app, fake) => {
      const { cookie, csrf } = await signIn(app, ADMIN);
      const headers = { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' };
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${app.url}/console/api${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const get = async (path: string) =>
        (await (await fetch(`${app.url}/console/api${path}`, { headers: { Cookie: cookie } })).json()) as Record<string, unknown>;
      const notices = (await get('/notices')).templates as { template_id: string; kind: string; placeholders: string[] }[];
      assert.deepEqual(
        notices.map((notice) => [notice.template_id, notice.kind, notice.placeholders.join(',')]),
        [
          ['NOTICE_ONE_TIME', 'one-time', 'thing1,time2,phone_number3'],
          ['NOTICE_LONG_TERM', 'long-term', 'amount1,date2'],
        ],
      );

      const notice = { touser: 'oConsoleUser_01', template_id: 'NOTICE_LONG_TERM', data: { amount1: '¥12.50', date2: '2026年5月1日' } };
      const checked = await post('/send/subscribe/check', notice);
      assert.equal(checked.status, 200, JSON.stringify(checked.body));
      assert.equal(checked.body.kind, 'long-term');
      assert.equal(checked.body.grant, null, 'no grant on record');
      assert.equal(fake.count('/cgi-bin/message/subscribe/bizsend'), 0, 'a check sends nothing');
      assert.equal((await post('/send/subscribe', notice)).status, 200);
      assert.deepEqual(fake.callsTo('/cgi-bin/message/subscribe/bizsend').at(-1)?.body, checked.body.message);

      const custom = await post('/send/custom/check', { touser: 'oConsoleUser_01', reply: { type: 'text', content: '好' } });
      assert.equal((custom.body.window as { window: string }).window, 'unknown');
      const reach = await get('/users/oConsoleUser_01/reach');
      assert.deepEqual(reach, {
        window: 'unknown',
        window_until: null,
        custom_sent_in_window: 0,
        sends_left: null,
        grants: [],
        last_interaction: null,
      });
    });
  });
});
