import { createHash } from 'node:crypto';

/** A part of a multipart body the fake received (its bytes are summed up, not kept). */
export interface ReceivedPart {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  readonly size: number;
  readonly sha256: string;
}

/** How the fake records a multipart/form-data body. */
export interface MultipartBody {
  readonly parts: ReceivedPart[];
}

/** Splits a multipart/form-data body, independently of the busboy the server uses. */
export function parseMultipart(raw: Buffer, contentType: string | undefined): MultipartBody | undefined {
  const boundary = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (boundary === undefined) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: ReceivedPart[] = [];
  let start = raw.indexOf(delimiter);
  while (start !== -1) {
    const headerStart = start + delimiter.length + 2; // past CRLF (or the closing "--")
    if (raw.subarray(start + delimiter.length, start + delimiter.length + 2).toString() === '--') break;
    const headerEnd = raw.indexOf('\r\n\r\n', headerStart);
    const next = raw.indexOf(delimiter, headerEnd);
    if (headerEnd === -1 || next === -1) break;
    const headers = raw.subarray(headerStart, headerEnd).toString('utf8');
    const data = raw.subarray(headerEnd + 4, next - 2); // the CRLF before the delimiter
    parts.push({
      name: /name="([^"]*)"/.exec(headers)?.[1] ?? '',
      filename: /filename="([^"]*)"/.exec(headers)?.[1],
      contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1],
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
    start = next;
  }
  return { parts };
}

export interface FakeTemplate {
  readonly template_id: string;
  readonly title: string;
  readonly primary_industry: string;
  readonly deputy_industry: string;
  readonly content: string;
  readonly example: string;
}

const MEDIA_LIMITS: Readonly<Record<string, number>> = {
  image: 10 * 1024 * 1024,
  voice: 2 * 1024 * 1024,
  video: 10 * 1024 * 1024,
  thumb: 64 * 1024,
};
const MEDIA_EXTENSIONS: Readonly<Record<string, RegExp>> = {
  image: /\.(jpe?g|png|gif|bmp)$/i,
  voice: /\.(amr|mp3)$/i,
  video: /\.mp4$/i,
  thumb: /\.jpe?g$/i,
};

type Answer = Record<string, unknown>;

const ACCOUNT_PATHS = new Set([
  '/cgi-bin/template/get_all_private_template',
  '/cgi-bin/message/template/send',
  '/cgi-bin/media/upload',
  '/cgi-bin/user/info',
  '/cgi-bin/user/get',
]);
type Query = Record<string, string>;

/**
 * The fake's account: its templates, followers and media, with WeChat's errcodes for
 * bad input. Mounted by FakeWeChat for the paths it knows (`answer` is undefined for others).
 */
export class FakeAccount {
  readonly templates: FakeTemplate[] = [
    {
      template_id: 'TPL_ORDER_SHIPPED',
      title: '订单发货通知',
      primary_industry: 'IT科技',
      deputy_industry: '互联网|电子商务',
      content: '商品名称:{{thing1.DATA}}\n快递单号:{{character_string2.DATA}}\n发货时间:{{time3.DATA}}',
      example: '商品名称:智能手表\n快递单号:SF1234567890\n发货时间:2024年5月1日 10:00',
    },
  ];
  /** Every follower's openid, in the order `user/get` lists them. */
  followers: string[] = ['oFollower_0001', 'oFollower_0002', 'oFollower_0003'];
  /** How many openids a `user/get` page holds (WeChat: 10000). */
  pageSize = 10_000;
  #serial = 0;

  /** Adds a template (as the account's admin would on the platform). */
  addTemplate(template_id: string, content: string, title = template_id): void {
    this.templates.push({ template_id, title, primary_industry: '', deputy_industry: '', content, example: '' });
  }

  /** WeChat's answer to a call to `path`, or undefined when the path is not the account's. */
  answer(path: string, query: Query, body: unknown, tokenProblem: () => Answer | undefined): Answer | undefined {
    if (!ACCOUNT_PATHS.has(path)) return undefined;
    const problem = tokenProblem();
    if (problem !== undefined) return problem;
    switch (path) {
      case '/cgi-bin/template/get_all_private_template':
        return { template_list: this.templates };
      case '/cgi-bin/message/template/send':
        return this.#sendTemplate(body as Answer | undefined);
      case '/cgi-bin/media/upload':
        return this.#upload(query, body as MultipartBody | undefined);
      case '/cgi-bin/user/info':
        return this.followers.includes(query.openid ?? '')
          ? this.#profile(query.openid ?? '', query.lang)
          : { errcode: 40003, errmsg: 'invalid openid' };
      case '/cgi-bin/user/get':
        return this.#page(query.next_openid);
      default:
        return undefined;
    }
  }

  #sendTemplate(body: Answer | undefined): Answer {
    const template = this.templates.find((item) => item.template_id === body?.template_id);
    if (template === undefined) return { errcode: 40037, errmsg: 'invalid template_id' };
    if (!this.followers.includes(String(body?.touser))) return { errcode: 40003, errmsg: 'invalid openid' };
    const data = (body?.data ?? {}) as Record<string, { value?: unknown } | undefined>;
    for (const [, key = ''] of template.content.matchAll(/\{\{([A-Za-z0-9_]+)\.DATA\}\}/g)) {
      const value = data[key]?.value;
      if (typeof value !== 'string' || value === '') return { errcode: 47003, errmsg: `argument invalid! data.${key}.value is empty` };
      if (key.startsWith('thing') && [...value].length > 20)
        return { errcode: 47003, errmsg: `argument invalid! data.${key}.value exceeds limit` };
    }
    return { errcode: 0, errmsg: 'ok', msgid: 200228332 + ++this.#serial };
  }

  #upload(query: Query, body: MultipartBody | undefined): Answer {
    const type = query.type ?? '';
    const limit = MEDIA_LIMITS[type];
    if (limit === undefined) return { errcode: 40004, errmsg: 'invalid media type' };
    const media = body?.parts?.find((part) => part.name === 'media' && part.filename !== undefined);
    if (media === undefined || media.size === 0) return { errcode: 41005, errmsg: 'media data missing' };
    if (!MEDIA_EXTENSIONS[type]?.test(media.filename ?? '')) return { errcode: 40005, errmsg: 'invalid file type' };
    if (media.size > limit) return { errcode: 40006, errmsg: 'invalid meida size' };
    return { type, media_id: `MEDIA_ID_${++this.#serial}_${media.sha256.slice(0, 8)}`, created_at: Math.floor(Date.now() / 1000) };
  }

  #profile(openid: string, lang: string | undefined): Answer {
    return {
      subscribe: 1,
      openid,
      language: lang ?? 'zh_CN',
      subscribe_time: 1714521600,
      remark: '',
      groupid: 0,
      tagid_list: [],
      subscribe_scene: 'ADD_SCENE_QR_CODE',
      qr_scene: 0,
      qr_scene_str: '',
    };
  }

  #page(next: string | undefined): Answer {
    const start = next === undefined || next === '' ? 0 : this.followers.indexOf(next) + 1;
    if (start === 0 && next) return { errcode: 40003, errmsg: 'invalid next_openid' };
    const openids = this.followers.slice(start, start + this.pageSize);
    const total = this.followers.length;
    // Past the last page WeChat leaves `data` out.
    if (openids.length === 0) return { total, count: 0, next_openid: '' };
    return { total, count: openids.length, data: { openid: openids }, next_openid: openids.at(-1) };
  }
}
