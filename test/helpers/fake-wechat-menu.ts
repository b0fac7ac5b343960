/**
 * The custom-menu part of the fake WeChat (`/cgi-bin/menu/*`), mounted by FakeWeChat.
 * It checks a menu as WeChat does, answering the first problem's errcode, and keeps the
 * default and personalised menus so that `menu/get` answers in WeChat's shape: leaf
 * buttons with an empty `sub_button`, personalised menus with a numeric `menuid` and
 * a `matchrule` with numbers and the tag as `group_id`.
 */

type Answer = Record<string, unknown>;
type Button = Record<string, unknown>;
type Refusal = { errcode: number; errmsg: string };

const KEY_TYPES = ['click', 'scancode_push', 'scancode_waitmsg', 'pic_sysphoto', 'pic_photo_or_album', 'pic_weixin', 'location_select'];
const PRIVATE_FIELDS = ['sex', 'country', 'province', 'city', 'language'];
const OK = { errcode: 0, errmsg: 'ok' };

const refuse = (errcode: number, errmsg: string): Refusal => ({ errcode, errmsg });
const bytes = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value) : 0);
const isHttp = (value: unknown): boolean => typeof value === 'string' && /^https?:\/\/[^/]/.test(value);

export class FakeMenus {
  /** AppIDs of the mini programs linked to the account (others answer 45064). */
  readonly linkedMiniPrograms = new Set(['wx1234567890abcdef']);
  menu: Button[] | undefined;
  readonly conditional = new Map<number, { button: Button[]; matchrule: Record<string, unknown> }>();
  #nextMenuId = 208379533;

  answer(path: string, body: Answer | undefined): unknown {
    switch (path) {
      case '/cgi-bin/menu/create': {
        const problem = this.#checkButtons(body?.button);
        if (problem) return problem;
        this.menu = body?.button as Button[];
        return OK;
      }
      case '/cgi-bin/menu/get':
        return this.#get();
      case '/cgi-bin/menu/delete':
        this.menu = undefined;
        this.conditional.clear();
        return OK;
      case '/cgi-bin/menu/addconditional': {
        if (this.menu === undefined) return refuse(65303, 'there is no selfmenu, please create selfmenu first');
        const rule = (typeof body?.matchrule === 'object' && body.matchrule !== null ? body.matchrule : {}) as Record<string, unknown>;
        const fields = Object.keys(rule).filter((field) => rule[field] !== undefined && rule[field] !== '');
        if (fields.length === 0) return refuse(65304, 'match rule empty');
        if (fields.some((field) => PRIVATE_FIELDS.includes(field))) return refuse(65320, 'invalid match rule: personal information');
        const problem = this.#checkButtons(body?.button);
        if (problem) return problem;
        const menuid = this.#nextMenuId++;
        this.conditional.set(menuid, { button: body?.button as Button[], matchrule: rule });
        return { menuid: String(menuid) };
      }
      case '/cgi-bin/menu/delconditional': {
        const menuid = Number(body?.menuid);
        if (!this.conditional.delete(menuid)) return refuse(65301, 'menuid not exist');
        return OK;
      }
      default:
        return { errcode: 404, errmsg: `the fake does not know ${path}` };
    }
  }

  #get(): unknown {
    if (this.menu === undefined) return refuse(46003, 'menu no exist');
    const withEmptySubs = (buttons: Button[]): Button[] =>
      buttons.map((button) =>
        Array.isArray(button.sub_button) && button.sub_button.length > 0
          ? { ...button, sub_button: withEmptySubs(button.sub_button as Button[]) }
          : { ...button, sub_button: [] },
      );
    const conditionalmenu = [...this.conditional].map(([menuid, { button, matchrule }]) => ({
      button: withEmptySubs(button),
      matchrule: Object.fromEntries(
        Object.entries(matchrule).map(([field, value]) =>
          field === 'tag_id' ? ['group_id', Number(value)] : [field, field === 'client_platform_type' ? Number(value) : value],
        ),
      ),
      menuid,
    }));
    return {
      menu: { button: withEmptySubs(this.menu), ...(conditionalmenu.length > 0 ? { menuid: this.#nextMenuId - 1000 } : {}) },
      ...(conditionalmenu.length > 0 ? { conditionalmenu } : {}),
    };
  }

  #checkButtons(buttons: unknown): Refusal | undefined {
    if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) return refuse(40016, 'invalid button size');
    for (const button of buttons as Button[]) {
      if (bytes(button.name) < 1 || bytes(button.name) > 16) return refuse(40018, 'invalid button name size');
      const subs = button.sub_button;
      if (Array.isArray(subs) && subs.length > 0) {
        if (subs.length > 5) return refuse(40023, 'invalid sub button size');
        for (const sub of subs as Button[]) {
          const problem = this.#checkLeaf(sub, true);
          if (problem) return problem;
        }
      } else {
        if (button.type === undefined) return refuse(65308, 'button without response type');
        const problem = this.#checkLeaf(button, false);
        if (problem) return problem;
      }
    }
    return undefined;
  }

  #checkLeaf(button: Button, sub: boolean): Refusal | undefined {
    const { type } = button;
    if (typeof type !== 'string') return refuse(65308, 'button without response type');
    if (bytes(button.name) < 1 || bytes(button.name) > (sub ? 60 : 16)) return refuse(40018, 'invalid button name size');
    if (KEY_TYPES.includes(type)) {
      if (bytes(button.key) < 1 || bytes(button.key) > 128) return refuse(40019, 'invalid button key size');
      return undefined;
    }
    switch (type) {
      case 'view':
      case 'miniprogram':
        if (bytes(button.url) < 1 || bytes(button.url) > 1024)
          return sub ? refuse(40027, 'invalid sub button url size') : refuse(40020, 'invalid button url size');
        if (!isHttp(button.url)) return sub ? refuse(40054, 'invalid sub button url domain') : refuse(40055, 'invalid button url domain');
        if (type === 'miniprogram') {
          if (typeof button.appid !== 'string' || !this.linkedMiniPrograms.has(button.appid))
            return refuse(45064, 'no permission to use weapp in menu');
          if (bytes(button.pagepath) < 1) return refuse(40165, 'invalid weapp pagepath');
        }
        return undefined;
      case 'media_id':
        return bytes(button.media_id) < 1 ? refuse(40007, 'invalid media_id') : undefined;
      case 'article_id':
      case 'article_view_limited':
        return bytes(button.article_id) < 1 ? refuse(40007, 'invalid article_id') : undefined;
      default:
        return refuse(40017, 'invalid button type');
    }
  }
}
