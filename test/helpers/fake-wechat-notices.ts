/** One of the account's subscription-notice templates, as `newtmpl/gettemplate` lists it. */
export interface FakeNoticeTemplate {
  readonly priTmplId: string;
  readonly title: string;
  readonly content: string;
  readonly example: string;
  /** 2: one-time, 3: long-term. */
  readonly type: 2 | 3;
}

type Answer = Record<string, unknown>;

/** The public template library's entries the fake knows (`addtemplate`'s `tid`), with their keyword ids. */
const LIBRARY: Readonly<Record<string, { title: string; type: 2 | 3; keywords: Readonly<Record<number, string>> }>> = {
  '1001': { title: '预约提醒', type: 2, keywords: { 1: 'thing1', 2: 'time2', 3: 'thing3' } },
  '2002': { title: '账户变动通知', type: 3, keywords: { 1: 'amount1', 2: 'time2', 3: 'phrase3' } },
};

const CATEGORIES = [
  { id: 616, name: '公交' },
  { id: 670, name: '医疗服务' },
];

/** WeChat refuses an account more than this many notice templates (45157 is tags'; templates answer 200012). */
const MAX_TEMPLATES = 50;

/**
 * The fake's subscription notices (订阅通知): the account's templates under
 * `/wxaapi/newtmpl/*` and `message/subscribe/bizsend`, which refuses (43101) a user who
 * has not accepted the template as WeChat does, and checks the data (47003).
 */
export class FakeNotices {
  readonly templates: FakeNoticeTemplate[] = [
    {
      priTmplId: 'NOTICE_ONE_TIME',
      title: '预约成功通知',
      content: '预约项目:{{thing1.DATA}}\n预约时间:{{time2.DATA}}\n联系电话:{{phone_number3.DATA}}',
      example: '预约项目:体检\n预约时间:2026年5月1日 10:00\n联系电话:13800000000',
      type: 2,
    },
    {
      priTmplId: 'NOTICE_LONG_TERM',
      title: '账户余额提醒',
      content: '余额:{{amount1.DATA}}\n更新时间:{{date2.DATA}}',
      example: '余额:¥100.00\n更新时间:2026年5月1日',
      type: 3,
    },
  ];
  /** `template:openid` pairs WeChat would refuse with 43101 (the user did not accept, or turned it off). */
  readonly refusing = new Set<string>();
  /** The notices sent, in order. */
  readonly sent: Answer[] = [];
  #serial = 0;

  /** Makes WeChat refuse `template` for `openid` (43101), as when the user turned it off. */
  refuse(openid: string, template: string): void {
    this.refusing.add(`${template}:${openid}`);
  }

  answer(path: string, body: Answer | undefined, query: Readonly<Record<string, string>>): Answer | undefined {
    switch (path) {
      case '/wxaapi/newtmpl/gettemplate':
        return { errcode: 0, errmsg: 'ok', data: this.templates };
      case '/wxaapi/newtmpl/getcategory':
        return { errcode: 0, errmsg: 'ok', data: CATEGORIES };
      case '/wxaapi/newtmpl/getpubtemplatekeywords': {
        const entry = LIBRARY[query.tid ?? ''];
        if (entry === undefined) return { errcode: 200014, errmsg: 'template tid not exist' };
        return {
          errcode: 0,
          errmsg: 'ok',
          count: Object.keys(entry.keywords).length,
          data: Object.entries(entry.keywords).map(([kid, rule]) => ({ kid: Number(kid), name: rule, example: '', rule })),
        };
      }
      case '/wxaapi/newtmpl/addtemplate':
        return this.#add(body);
      case '/wxaapi/newtmpl/deltemplate': {
        const index = this.templates.findIndex((template) => template.priTmplId === body?.priTmplId);
        if (index === -1) return { errcode: 200016, errmsg: 'template not exist' };
        this.templates.splice(index, 1);
        return { errcode: 0, errmsg: 'ok' };
      }
      case '/cgi-bin/message/subscribe/bizsend':
        return this.#send(body);
      default:
        return undefined;
    }
  }

  #add(body: Answer | undefined): Answer {
    const entry = LIBRARY[String(body?.tid)];
    if (entry === undefined) return { errcode: 200014, errmsg: 'template tid not exist' };
    const kids = body?.kidList;
    if (!Array.isArray(kids) || kids.length < 2 || kids.length > 5) return { errcode: 200020, errmsg: 'keyword list invalid' };
    const rules = kids.map((kid) => entry.keywords[Number(kid)]);
    if (rules.some((rule) => rule === undefined)) return { errcode: 200018, errmsg: 'keyword id not exist' };
    if (this.templates.length >= MAX_TEMPLATES) return { errcode: 200012, errmsg: 'template count reaches max' };
    const priTmplId = `NOTICE_ADDED_${++this.#serial}`;
    const content = rules.map((rule, i) => `项目${i + 1}:{{${rule ?? ''}.DATA}}`).join('\n');
    this.templates.push({ priTmplId, title: entry.title, content, example: '', type: entry.type });
    return { errcode: 0, errmsg: 'ok', priTmplId };
  }

  #send(body: Answer | undefined): Answer {
    const template = this.templates.find((item) => item.priTmplId === body?.template_id);
    if (template === undefined) return { errcode: 40037, errmsg: 'invalid template_id' };
    const touser = String(body?.touser);
    if (!/^o[A-Za-z0-9_-]{5,63}$/.test(touser)) return { errcode: 40003, errmsg: 'invalid openid' };
    const data = (body?.data ?? {}) as Record<string, { value?: unknown } | undefined>;
    for (const [, key = ''] of template.content.matchAll(/\{\{([A-Za-z0-9_]+)\.DATA\}\}/g)) {
      const value = data[key]?.value;
      if (typeof value !== 'string' || value === '') return { errcode: 47003, errmsg: `argument invalid! data.${key}.value is empty` };
    }
    if (this.refusing.has(`${template.priTmplId}:${touser}`)) return { errcode: 43101, errmsg: 'user refuse to accept the msg' };
    this.sent.push(body ?? {});
    return { errcode: 0, errmsg: 'ok' };
  }
}
