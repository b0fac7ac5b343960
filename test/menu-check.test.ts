import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { checkMenu, formatPath } from '../src/menu/check.js';
import { FakeWeChat } from './helpers/fake-wechat.js';

type Button = Record<string, unknown>;
const click = (name = '按钮', key = 'KEY'): Button => ({ type: 'click', name, key });
const view = (url: string, name = '网页'): Button => ({ type: 'view', name, url });
const parent = (subs: Button[], name = '菜单'): Button => ({ name, sub_button: subs });
const menuOf = (...button: Button[]) => ({ button });
const han = (n: number): string => '菜'.repeat(n);

/** The problems of `file` as "path: message" lines. */
function problems(file: unknown): string[] {
  const result = checkMenu(file);
  return result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
}

function assertRefused(file: unknown, path: string, message: RegExp): void {
  const found = problems(file);
  const line = found.find((problem) => problem.startsWith(`${path}: `));
  assert.ok(line, `expected a problem at ${path}, got:\n${found.join('\n')}`);
  assert.match(line, message);
}

/** Every rule: a file that breaks it, the path and message expected, and WeChat's errcode. */
const limits: [string, unknown, string, RegExp, number][] = [
  ['no top-level button', { button: [] }, 'button', /has 0 top-level buttons: WeChat takes 1 to 3/, 40016],
  ['4 top-level buttons', menuOf(click(), click(), click(), click()), 'button', /has 4 top-level buttons/, 40016],
  [
    'a sub-menu of 6',
    menuOf(click(), parent([1, 2, 3, 4, 5, 6].map(() => click()))),
    'button[1].sub_button',
    /has 6 buttons: WeChat takes 1 to 5/,
    40023,
  ],
  ['an empty sub-menu', menuOf(parent([])), 'button[0].sub_button', /has 0 buttons/, 65308],
  ['no type and no sub_button', menuOf({ name: '空' }), 'button[0]', /has no type and no sub_button/, 65308],
  ['an unknown type', menuOf({ type: 'teleport', name: '传送', key: 'K' }), 'button[0].type', /unknown type "teleport"/, 40017],
  ['a sub-button without type', menuOf(parent([{ name: '子', key: 'K' }])), 'button[0].sub_button[0].type', /has no type/, 65308],
  ['a name missing', menuOf({ type: 'click', key: 'K' }), 'button[0].name', /is missing/, 40018],
  ['6 Chinese characters at the top level', menuOf(click(han(6))), 'button[0].name', /18 bytes of UTF-8, over the 16/, 40018],
  [
    '21 Chinese characters in a sub-menu',
    menuOf(parent([click(han(21))])),
    'button[0].sub_button[0].name',
    /63 bytes of UTF-8, over the 60/,
    40018,
  ],
  ['a click without key', menuOf({ type: 'click', name: '点' }), 'button[0].key', /is missing/, 40019],
  ['an empty key', menuOf(click('点', '')), 'button[0].key', /is empty/, 40019],
  [
    'a key of 129 bytes',
    menuOf(parent([click('点', 'k'.repeat(129))])),
    'button[0].sub_button[0].key',
    /129 bytes of UTF-8, over the 128/,
    40019,
  ],
  ['a scancode_push without key', menuOf({ type: 'scancode_push', name: '扫' }), 'button[0].key', /is missing/, 40019],
  ['a pic_weixin without key', menuOf({ type: 'pic_weixin', name: '图' }), 'button[0].key', /is missing/, 40019],
  ['a location_select without key', menuOf({ type: 'location_select', name: '位置' }), 'button[0].key', /is missing/, 40019],
  ['a view without url', menuOf({ type: 'view', name: '网' }), 'button[0].url', /is missing/, 40020],
  ['a url of 1025 bytes', menuOf(parent([view(`https://e.com/${'a'.repeat(1011)}`)])), 'button[0].sub_button[0].url', /1025 bytes/, 40027],
  [
    'a url that is not http(s)',
    menuOf(parent([view('ftp://example.com/')])),
    'button[0].sub_button[0].url',
    /http:\/\/ or https:\/\//,
    40054,
  ],
  ['a top-level url that is not a URL', menuOf(view('www.example.com')), 'button[0].url', /http:\/\/ or https:\/\//, 40055],
  [
    'a miniprogram without pagepath',
    menuOf({ type: 'miniprogram', name: '小程序', url: 'https://e.com/', appid: 'wx1234567890abcdef' }),
    'button[0].pagepath',
    /is missing/,
    40165,
  ],
  [
    'a miniprogram without appid',
    menuOf({ type: 'miniprogram', name: '小程序', url: 'https://e.com/', pagepath: 'pages/index' }),
    'button[0].appid',
    /is missing/,
    45064,
  ],
  [
    'a miniprogram without url',
    menuOf({ type: 'miniprogram', name: '小程序', appid: 'wx1', pagepath: 'p' }),
    'button[0].url',
    /is missing/,
    40020,
  ],
  ['a media_id without media_id', menuOf({ type: 'media_id', name: '图片' }), 'button[0].media_id', /is missing/, 40007],
  ['an article_id without article_id', menuOf({ type: 'article_id', name: '文章' }), 'button[0].article_id', /is missing/, 40007],
  [
    'an article_view_limited without article_id',
    menuOf({ type: 'article_view_limited', name: '文章' }),
    'button[0].article_id',
    /is missing/,
    40007,
  ],
];

describe('menu check: every limit, by its JSON path', () => {
  for (const [name, file, path, message] of limits) {
    it(`${name} → ${path}`, () => assertRefused(file, path, message));
  }

  it('5 Chinese characters fit a top-level name, 20 a sub-menu name', () => {
    assert.deepEqual(problems(menuOf(click(han(5)), parent([click(han(20))], han(5)))), []);
  });

  it('a button with sub_button and a type is refused', () => {
    assertRefused(menuOf({ ...click(), sub_button: [click()] }), 'button[0].sub_button', /a button with a type has no sub_button/);
  });

  it('a conditional menu needs a matchrule with a field, and buttons like the default menu', () => {
    const file = { button: [click()], conditional: [{ button: [click(han(6))], matchrule: {} }, { button: [click()] }] };
    assertRefused(file, 'conditional[0].matchrule', /has no field/);
    assertRefused(file, 'conditional[0].button[0].name', /18 bytes/);
    assertRefused(file, 'conditional[1].matchrule', /is missing/);
  });

  it('a matchrule on sex, region or language is refused (WeChat answers 65320)', () => {
    const file = { button: [click()], conditional: [{ button: [click()], matchrule: { tag_id: '2', sex: '1', language: 'zh_CN' } }] };
    assertRefused(file, 'conditional[0].matchrule.sex', /65320/);
    assertRefused(file, 'conditional[0].matchrule.language', /65320/);
  });

  it('unknown fields are named, and a menu/get answer is recognised', () => {
    assertRefused({ ...menuOf({ ...click(), kye: 'x' }), extra: 1 }, 'button[0].kye', /not a field/);
    assertRefused({ menu: { button: [click()] } }, 'menu', /menu\/get/);
  });

  it('reports every problem at once, even with too many buttons', () => {
    const found = problems(menuOf(click(han(6)), parent([{ type: 'view', name: '网' }]), click('点', ''), click()));
    assert.deepEqual(
      found.map((line) => line.slice(0, line.indexOf(':'))),
      ['button[0].name', 'button[1].sub_button[0].url', 'button[2].key', 'button'],
    );
  });

  it('formats paths as JSON paths', () => {
    assert.equal(formatPath(['button', 1, 'sub_button', 5, 'name']), 'button[1].sub_button[5].name');
    assert.equal(formatPath([]), '(file)');
  });

  it('menu.example.json passes', () => {
    const example: unknown = JSON.parse(readFileSync(new URL('../menu.example.json', import.meta.url), 'utf8'));
    assert.deepEqual(problems(example), []);
  });
});

describe('what the checker refuses, the fake WeChat refuses too', () => {
  let fake: FakeWeChat;
  let token = '';
  before(async () => {
    fake = await new FakeWeChat().start();
    const response = await fetch(`${fake.url}/cgi-bin/stable_token`, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret }),
    });
    token = ((await response.json()) as { access_token: string }).access_token;
  });
  after(() => fake.stop());

  async function create(file: unknown): Promise<number> {
    const response = await fetch(`${fake.url}/cgi-bin/menu/create?access_token=${token}`, { method: 'POST', body: JSON.stringify(file) });
    return ((await response.json()) as { errcode: number }).errcode;
  }

  for (const [name, file, , , errcode] of limits) {
    it(`${name} → errcode ${errcode}`, async () => assert.equal(await create(file), errcode));
  }

  it('the example menu is accepted', async () => {
    const example = JSON.parse(readFileSync(new URL('../menu.example.json', import.meta.url), 'utf8')) as { button: unknown };
    assert.equal(await create({ button: example.button }), 0);
  });
});
