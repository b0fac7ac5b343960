import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { startApp, type RunningApp } from './helpers/start-app.js';

const ADMIN_TOKEN = 'api-tags-admin-secret-5d21';
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const CREATE = '/cgi-bin/tags/create';
const UPDATE = '/cgi-bin/tags/update';
const DELETE = '/cgi-bin/tags/delete';
const TAGGING = '/cgi-bin/tags/members/batchtagging';
const UNTAGGING = '/cgi-bin/tags/members/batchuntagging';
const REMARK = '/cgi-bin/user/info/updateremark';
const BLACKLIST = '/cgi-bin/tags/members/batchblacklist';
const UNBLACKLIST = '/cgi-bin/tags/members/batchunblacklist';

/** The fake's followers: 60 openids, enough for a full batch of 50 and more. */
const FOLLOWERS = Array.from({ length: 60 }, (_, index) => `oFollower_${String(index + 1).padStart(4, '0')}`);
const firstFollowers = (count: number): string[] => FOLLOWERS.slice(0, count);

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

describe('/api tags, remarks and the blacklist', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  before(async () => {
    fake = await new FakeWeChat().start();
    fake.account.followers = [...FOLLOWERS];
    app = await startApp({ ...fake.env(), ADMIN_TOKEN });
  });
  after(async () => {
    await app.close();
    await fake.stop();
  });
  beforeEach(() => {
    fake.calls.length = 0;
    fake.tags.reset();
    fake.tags.pageSize = 10_000;
  });

  /** One call to the app; a body is sent as JSON. An answer without a body (204) reads as `{}`. */
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = auth): Promise<Answer> {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  /** The 400 naming `field`, WeChat not called at `path`. */
  function refusedBeforeWeChat(answer: Answer, field: string, path: string): void {
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.equal(answer.body.field, field);
    assert.match(String(answer.body.error), new RegExp(`^${field.replace('.', '\\.')}: `));
    assert.equal(fake.count(path), 0, `${path} was called`);
  }

  describe('guarded like every /api route', () => {
    const routes: [string, string, unknown][] = [
      ['GET', '/api/tags', undefined],
      ['POST', '/api/tags', { name: 'VIP' }],
      ['PATCH', '/api/tags/100', { name: 'VIP' }],
      ['DELETE', '/api/tags/100', undefined],
      ['GET', '/api/tags/100/users', undefined],
      ['POST', '/api/tags/100/users', { openids: ['oFollower_0001'] }],
      ['POST', '/api/tags/100/users/remove', { openids: ['oFollower_0001'] }],
      ['GET', '/api/users/oFollower_0001/tags', undefined],
      ['PUT', '/api/users/oFollower_0001/remark', { remark: 'x' }],
      ['GET', '/api/blacklist', undefined],
      ['POST', '/api/blacklist', { openids: ['oFollower_0001'] }],
      ['POST', '/api/blacklist/remove', { openids: ['oFollower_0001'] }],
    ];
    for (const [method, path, body] of routes) {
      it(`${method} ${path}: 401 without credentials, and WeChat is not called`, async () => {
        const answer = await call(method, path, body, {});
        assert.equal(answer.status, 401);
        assert.equal(typeof answer.body.error, 'string');
        assert.equal(fake.calls.length, 0);
      });
    }

    it('a wrong token is a 401 too', async () => {
      assert.equal((await call('POST', '/api/tags', { name: 'VIP' }, { Authorization: 'Bearer wrong-token' })).status, 401);
      assert.equal(fake.count(CREATE), 0);
    });
  });

  describe('/api/tags: create, list, rename, delete', () => {
    it('creates a tag: 201 { id, name }, sent to WeChat as { tag: { name } }', async () => {
      const created = await call('POST', '/api/tags', { name: '老客户' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(typeof created.body.id, 'number');
      assert.deepEqual(created.body, { id: created.body.id, name: '老客户' });
      assert.deepEqual(fake.callsTo(CREATE)[0]?.body, { tag: { name: '老客户' } });
      assert.equal(fake.tags.tags.get(Number(created.body.id)), '老客户');
    });

    it('lists the tags with how many followers carry each, WeChat’s 星标组 among them', async () => {
      const id = fake.tags.add('VIP');
      fake.tags.members.set(id, ['oFollower_0001', 'oFollower_0002']);
      const listed = await call('GET', '/api/tags');
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body, {
        tags: [
          { id: 2, name: '星标组', count: 0 },
          { id, name: 'VIP', count: 2 },
        ],
      });
    });

    it('renames a tag: { id, name }, and WeChat has the new name', async () => {
      const id = fake.tags.add('VIP');
      const renamed = await call('PATCH', `/api/tags/${id}`, { name: 'SVIP' });
      assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
      assert.deepEqual(renamed.body, { id, name: 'SVIP' });
      assert.deepEqual(fake.callsTo(UPDATE)[0]?.body, { tag: { id, name: 'SVIP' } });
      assert.equal(fake.tags.tags.get(id), 'SVIP');
    });

    it('deletes a tag: 204, and the tag is gone', async () => {
      const id = fake.tags.add('VIP');
      const deleted = await call('DELETE', `/api/tags/${id}`);
      assert.equal(deleted.status, 204);
      assert.deepEqual(fake.callsTo(DELETE)[0]?.body, { tag: { id } });
      assert.equal(fake.tags.tags.has(id), false);
    });

    it('takes a name of 30 bytes, refuses one of 31 (UTF-8: a Chinese character is 3) before WeChat', async () => {
      assert.equal((await call('POST', '/api/tags', { name: '中'.repeat(10) })).status, 201);
      fake.calls.length = 0;
      refusedBeforeWeChat(await call('POST', '/api/tags', { name: `${'中'.repeat(10)}a` }), 'name', CREATE);
      refusedBeforeWeChat(await call('POST', '/api/tags', { name: 'a'.repeat(31) }), 'name', CREATE);
    });

    it('refuses an empty, missing or non-string name, or a field it does not know, before WeChat', async () => {
      refusedBeforeWeChat(await call('POST', '/api/tags', { name: '' }), 'name', CREATE);
      refusedBeforeWeChat(await call('POST', '/api/tags', {}), 'name', CREATE);
      refusedBeforeWeChat(await call('POST', '/api/tags', { name: 7 }), 'name', CREATE);
      refusedBeforeWeChat(await call('POST', '/api/tags', { name: 'VIP', id: 3 }), 'id', CREATE);
      const id = fake.tags.add('VIP');
      refusedBeforeWeChat(await call('PATCH', `/api/tags/${id}`, { name: 'b'.repeat(31) }), 'name', UPDATE);
    });

    it('refuses an id that is not a positive integer before WeChat', async () => {
      for (const id of ['abc', '0', '-1', '1.5', '01', '12345678901']) {
        refusedBeforeWeChat(await call('PATCH', `/api/tags/${id}`, { name: 'VIP' }), 'id', UPDATE);
        refusedBeforeWeChat(await call('DELETE', `/api/tags/${id}`), 'id', DELETE);
        refusedBeforeWeChat(await call('POST', `/api/tags/${id}/users`, { openids: ['oFollower_0001'] }), 'id', TAGGING);
      }
    });

    it('refuses to rename or delete WeChat’s own tags 1 and 2 before WeChat', async () => {
      for (const id of [1, 2]) {
        refusedBeforeWeChat(await call('PATCH', `/api/tags/${id}`, { name: 'VIP' }), 'id', UPDATE);
        refusedBeforeWeChat(await call('DELETE', `/api/tags/${id}`), 'id', DELETE);
      }
      assert.equal(fake.tags.tags.get(2), '星标组');
    });
  });

  describe('WeChat’s refusals, answered as the caller’s mistake', () => {
    it('45157, a name already used: 409 naming name', async () => {
      fake.tags.add('VIP');
      const answer = await call('POST', '/api/tags', { name: 'VIP' });
      assert.equal(answer.status, 409, JSON.stringify(answer.body));
      assert.equal(answer.body.field, 'name');
      assert.equal(answer.body.errcode, 45157);
      assert.match(String(answer.body.error), /^name: .*\(errcode 45157\)$/);
      assert.equal(fake.count(CREATE), 1);
    });

    it('45157 on a rename to another tag’s name: 409 naming name', async () => {
      fake.tags.add('VIP');
      const id = fake.tags.add('SVIP');
      const answer = await call('PATCH', `/api/tags/${id}`, { name: 'VIP' });
      assert.equal(answer.status, 409);
      assert.equal(answer.body.field, 'name');
      assert.equal(fake.tags.tags.get(id), 'SVIP');
    });

    it('45056, the account’s 101st tag: 409 naming name; the 100th is created', async () => {
      for (let index = 1; index < 100; index++) fake.tags.add(`tag ${index}`);
      assert.equal((await call('POST', '/api/tags', { name: 'tag 100' })).status, 201);
      const answer = await call('POST', '/api/tags', { name: 'tag 101' });
      assert.equal(answer.status, 409, JSON.stringify(answer.body));
      assert.equal(answer.body.field, 'name');
      assert.equal(answer.body.errcode, 45056);
    });

    it('45159, no such tag: 404 naming id, on rename, delete, tagging and the tag’s page', async () => {
      for (const [method, path, body] of [
        ['PATCH', '/api/tags/999', { name: 'VIP' }],
        ['DELETE', '/api/tags/999', undefined],
        ['POST', '/api/tags/999/users', { openids: ['oFollower_0001'] }],
        ['POST', '/api/tags/999/users/remove', { openids: ['oFollower_0001'] }],
        ['GET', '/api/tags/999/users', undefined],
      ] as const) {
        const answer = await call(method, path, body);
        assert.equal(answer.status, 404, `${method} ${path}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.field, 'id');
        assert.equal(answer.body.errcode, 45159);
      }
    });

    it('40003, an openid WeChat does not know: 404 naming openids, openid or the page’s start', async () => {
      const id = fake.tags.add('VIP');
      const cases: [string, string, unknown, string][] = [
        ['POST', `/api/tags/${id}/users`, { openids: ['oFollower_0001', 'oStranger_0001'] }, 'openids'],
        ['GET', '/api/users/oStranger_0001/tags', undefined, 'openid'],
        ['PUT', '/api/users/oStranger_0001/remark', { remark: 'x' }, 'openid'],
        ['POST', '/api/blacklist', { openids: ['oStranger_0001'] }, 'openids'],
        ['GET', '/api/blacklist?begin_openid=oStranger_0001', undefined, 'begin_openid'],
        ['GET', `/api/tags/${id}/users?next_openid=oStranger_0001`, undefined, 'next_openid'],
      ];
      for (const [method, path, body, field] of cases) {
        const answer = await call(method, path, body);
        assert.equal(answer.status, 404, `${method} ${path}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.field, field, `${method} ${path}`);
        assert.equal(answer.body.errcode, 40003);
      }
      assert.deepEqual(fake.tags.tagsOf('oFollower_0001'), [], 'a refused batch tagged someone');
    });

    it('45059, a follower who carries 20 tags already: 409 naming openids', async () => {
      for (let index = 0; index < 20; index++) fake.tags.members.set(fake.tags.add(`tag ${index}`), ['oFollower_0001']);
      const id = fake.tags.add('one too many');
      const answer = await call('POST', `/api/tags/${id}/users`, { openids: ['oFollower_0002', 'oFollower_0001'] });
      assert.equal(answer.status, 409, JSON.stringify(answer.body));
      assert.equal(answer.body.field, 'openids');
      assert.equal(answer.body.errcode, 45059);
      assert.deepEqual(fake.tags.members.get(id) ?? [], []);
    });

    it('40092, a remark WeChat refuses: 400 naming remark', async () => {
      fake.on(REMARK, { errcode: 40092, errmsg: 'invalid remark name' });
      const answer = await call('PUT', '/api/users/oFollower_0001/remark', { remark: '很'.repeat(10) });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.field, 'remark');
      assert.equal(answer.body.errcode, 40092);
      assert.equal(fake.count(REMARK), 1);
    });

    it('an errcode that is not the caller’s mistake stays a 502', async () => {
      fake.on(TAGGING, { errcode: 45009, errmsg: 'reach max api daily quota limit' });
      const answer = await call('POST', `/api/tags/${fake.tags.add('VIP')}/users`, { openids: ['oFollower_0001'] });
      assert.equal(answer.status, 502);
      assert.equal(answer.body.errcode, 45009);
      assert.equal(answer.body.field, undefined);
    });
  });

  describe('/api/tags/:id/users: tagging, untagging and the tag’s followers', () => {
    it('tags 50 followers in one call, sent to WeChat as { openid_list, tagid }: 204', async () => {
      const id = fake.tags.add('VIP');
      const openids = firstFollowers(50);
      const answer = await call('POST', `/api/tags/${id}/users`, { openids });
      assert.equal(answer.status, 204, JSON.stringify(answer.body));
      assert.deepEqual(fake.callsTo(TAGGING)[0]?.body, { openid_list: openids, tagid: id });
      assert.deepEqual(fake.tags.members.get(id), openids);
    });

    it('refuses 51 openids, none, a malformed one or one given twice, naming the field, before WeChat', async () => {
      const id = fake.tags.add('VIP');
      refusedBeforeWeChat(await call('POST', `/api/tags/${id}/users`, { openids: firstFollowers(51) }), 'openids', TAGGING);
      refusedBeforeWeChat(await call('POST', `/api/tags/${id}/users`, { openids: [] }), 'openids', TAGGING);
      refusedBeforeWeChat(await call('POST', `/api/tags/${id}/users`, {}), 'openids', TAGGING);
      refusedBeforeWeChat(await call('POST', `/api/tags/${id}/users`, { openids: ['oFollower_0001', 'o/../x'] }), 'openids.1', TAGGING);
      const twice = await call('POST', `/api/tags/${id}/users`, { openids: ['oFollower_0001', 'oFollower_0002', 'oFollower_0001'] });
      refusedBeforeWeChat(twice, 'openids.2', TAGGING);
      assert.match(String(twice.body.error), /openids\.2: the same openid as openids\.0/);
      refusedBeforeWeChat(await call('POST', `/api/tags/${id}/users/remove`, { openids: firstFollowers(51) }), 'openids', UNTAGGING);
    });

    it('untags: 204, and the followers no longer carry the tag', async () => {
      const id = fake.tags.add('VIP');
      fake.tags.members.set(id, firstFollowers(3));
      const answer = await call('POST', `/api/tags/${id}/users/remove`, { openids: ['oFollower_0001', 'oFollower_0003'] });
      assert.equal(answer.status, 204, JSON.stringify(answer.body));
      assert.deepEqual(fake.callsTo(UNTAGGING)[0]?.body, { openid_list: ['oFollower_0001', 'oFollower_0003'], tagid: id });
      assert.deepEqual(fake.tags.members.get(id), ['oFollower_0002']);
    });

    it('pages through a tag’s followers with next_openid', async () => {
      const id = fake.tags.add('VIP');
      fake.tags.members.set(id, firstFollowers(3));
      fake.tags.pageSize = 2;
      const first = await call('GET', `/api/tags/${id}/users`);
      assert.equal(first.status, 200);
      assert.deepEqual(first.body, { count: 2, openids: ['oFollower_0001', 'oFollower_0002'], next_openid: 'oFollower_0002' });
      const second = await call('GET', `/api/tags/${id}/users?next_openid=oFollower_0002`);
      assert.deepEqual(second.body, { count: 1, openids: ['oFollower_0003'], next_openid: 'oFollower_0003' });
      const past = await call('GET', `/api/tags/${id}/users?next_openid=oFollower_0003`);
      assert.deepEqual(past.body, { count: 0, openids: [], next_openid: '' });
    });

    it('refuses a malformed or repeated next_openid before WeChat', async () => {
      const id = fake.tags.add('VIP');
      refusedBeforeWeChat(await call('GET', `/api/tags/${id}/users?next_openid=a%20b`), 'next_openid', '/cgi-bin/user/tag/get');
      refusedBeforeWeChat(await call('GET', `/api/tags/${id}/users?next_openid=a&next_openid=b`), 'next_openid', '/cgi-bin/user/tag/get');
    });
  });

  describe('/api/users/:openid: tags and remark', () => {
    it('answers the ids of the tags a follower carries', async () => {
      const vip = fake.tags.add('VIP');
      const north = fake.tags.add('北方');
      fake.tags.members.set(vip, ['oFollower_0001']);
      fake.tags.members.set(north, ['oFollower_0002', 'oFollower_0001']);
      const answer = await call('GET', '/api/users/oFollower_0001/tags');
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { openid: 'oFollower_0001', tag_ids: [vip, north] });
      assert.deepEqual((await call('GET', '/api/users/oFollower_0003/tags')).body, { openid: 'oFollower_0003', tag_ids: [] });
    });

    it('refuses a malformed openid in the path before WeChat', async () => {
      refusedBeforeWeChat(await call('GET', `/api/users/${'o'.repeat(65)}/tags`), 'openid', '/cgi-bin/tags/getidlist');
      refusedBeforeWeChat(await call('PUT', '/api/users/o.bad/remark', { remark: 'x' }), 'openid', REMARK);
    });

    it('sets a remark: { openid, remark }, and WeChat has it', async () => {
      const answer = await call('PUT', '/api/users/oFollower_0001/remark', { remark: '老客户' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body, { openid: 'oFollower_0001', remark: '老客户' });
      assert.deepEqual(fake.callsTo(REMARK)[0]?.body, { openid: 'oFollower_0001', remark: '老客户' });
      assert.equal(fake.tags.remarks.get('oFollower_0001'), '老客户');
    });

    it('takes a remark of 30 bytes, refuses one of 31 (or 11 Chinese characters, or none) before WeChat', async () => {
      refusedBeforeWeChat(await call('PUT', '/api/users/oFollower_0001/remark', { remark: '很'.repeat(11) }), 'remark', REMARK);
      assert.equal((await call('PUT', '/api/users/oFollower_0001/remark', { remark: 'r'.repeat(30) })).status, 200);
      fake.calls.length = 0;
      refusedBeforeWeChat(await call('PUT', '/api/users/oFollower_0001/remark', { remark: 'r'.repeat(31) }), 'remark', REMARK);
      refusedBeforeWeChat(await call('PUT', '/api/users/oFollower_0001/remark', {}), 'remark', REMARK);
      assert.equal(fake.tags.remarks.get('oFollower_0001'), 'r'.repeat(30));
    });
  });

  describe('/api/blacklist', () => {
    it('adds, lists and removes: each sent to WeChat as { openid_list }', async () => {
      const added = await call('POST', '/api/blacklist', { openids: firstFollowers(3) });
      assert.equal(added.status, 204, JSON.stringify(added.body));
      assert.deepEqual(fake.callsTo(BLACKLIST)[0]?.body, { openid_list: firstFollowers(3) });

      const listed = await call('GET', '/api/blacklist');
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body, { total: 3, count: 3, openids: firstFollowers(3), next_openid: 'oFollower_0003' });

      const removed = await call('POST', '/api/blacklist/remove', { openids: ['oFollower_0002'] });
      assert.equal(removed.status, 204, JSON.stringify(removed.body));
      assert.deepEqual(fake.callsTo(UNBLACKLIST)[0]?.body, { openid_list: ['oFollower_0002'] });
      assert.deepEqual((await call('GET', '/api/blacklist')).body, {
        total: 2,
        count: 2,
        openids: ['oFollower_0001', 'oFollower_0003'],
        next_openid: 'oFollower_0003',
      });
    });

    it('pages from begin_openid on', async () => {
      fake.tags.blacklist = firstFollowers(3);
      fake.tags.pageSize = 2;
      assert.deepEqual((await call('GET', '/api/blacklist?begin_openid=oFollower_0002')).body, {
        total: 3,
        count: 1,
        openids: ['oFollower_0003'],
        next_openid: 'oFollower_0003',
      });
      assert.deepEqual((await call('GET', '/api/blacklist?begin_openid=')).body, {
        total: 3,
        count: 2,
        openids: ['oFollower_0001', 'oFollower_0002'],
        next_openid: 'oFollower_0002',
      });
    });

    it('takes 20 openids a call, refuses 21 or a repeated one before WeChat', async () => {
      assert.equal((await call('POST', '/api/blacklist', { openids: firstFollowers(20) })).status, 204);
      fake.calls.length = 0;
      refusedBeforeWeChat(await call('POST', '/api/blacklist', { openids: firstFollowers(21) }), 'openids', BLACKLIST);
      refusedBeforeWeChat(await call('POST', '/api/blacklist/remove', { openids: firstFollowers(21) }), 'openids', UNBLACKLIST);
      refusedBeforeWeChat(await call('POST', '/api/blacklist', { openids: ['oFollower_0001', 'oFollower_0001'] }), 'openids.1', BLACKLIST);
      refusedBeforeWeChat(
        await call('GET', '/api/blacklist?begin_openid=%F0%9F%98%80'),
        'begin_openid',
        '/cgi-bin/tags/members/getblacklist',
      );
    });
  });

  describe('each change is logged at info, without a full openid', () => {
    it('names the route as declared, the caller, the tag and how many users', async () => {
      const id = fake.tags.add('VIP');
      const since = app.logs.length;
      assert.equal((await call('POST', `/api/tags/${id}/users`, { openids: firstFollowers(5) })).status, 204);
      assert.equal((await call('PUT', '/api/users/oFollower_0007/remark', { remark: 'SECRET_REMARK' })).status, 200);
      assert.equal((await call('POST', '/api/blacklist', { openids: ['oFollower_0009'] })).status, 204);
      assert.equal((await call('GET', '/api/tags')).status, 200);
      const lines = app.logs.slice(since).filter((line) => line.msg === 'account changed');
      const fields = lines.map(({ time: _time, ...rest }) => rest);
      assert.deepEqual(fields, [
        { level: 30, route: 'POST /api/tags/:id/users', caller: 'admin', tag: id, openids: 5, msg: 'account changed' },
        { level: 30, route: 'PUT /api/users/:openid/remark', caller: 'admin', user: 'oFol…0007', msg: 'account changed' },
        { level: 30, route: 'POST /api/blacklist', caller: 'admin', openids: 1, msg: 'account changed' },
      ]);
      const text = app.logText();
      for (const openid of ['oFollower_0001', 'oFollower_0007', 'oFollower_0009']) assert.equal(text.includes(openid), false, openid);
      assert.equal(text.includes('SECRET_REMARK'), false, 'the remark was logged');
    });
  });
});
