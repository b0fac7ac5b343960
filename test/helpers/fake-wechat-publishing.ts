import type { MultipartBody } from './fake-wechat-account.js';

/**
 * The publishing part of the fake WeChat, mounted by FakeWeChat: article images and
 * permanent images, drafts, free publish and mass send, with WeChat's errcodes for what
 * it refuses. It keeps what it was given so that a test can look, and builds the events
 * WeChat pushes when a publish or a mass send is done so that a test can post them.
 */

type Answer = Record<string, unknown>;
/** An errcode answer; what is not one has no `errcode`, which tells the two apart. */
type Refusal = { readonly errcode: number; readonly errmsg: string };

const OK = { errcode: 0, errmsg: 'ok' };
const refuse = (errcode: number, errmsg: string): Refusal => ({ errcode, errmsg });

const PATHS = new Set([
  '/cgi-bin/media/uploadimg',
  '/cgi-bin/material/add_material',
  '/cgi-bin/material/add_news',
  '/cgi-bin/draft/add',
  '/cgi-bin/draft/update',
  '/cgi-bin/draft/delete',
  '/cgi-bin/freepublish/submit',
  '/cgi-bin/freepublish/get',
  '/cgi-bin/message/mass/sendall',
  '/cgi-bin/message/mass/send',
  '/cgi-bin/message/mass/preview',
  '/cgi-bin/message/mass/get',
]);

const MB = 1024 * 1024;
/** How many articles a draft holds. */
const MAX_ARTICLES = 8;
/** How many openids `mass/send` takes, and how few (one openid is refused: a preview is for that). */
const MIN_OPENIDS = 2;
const MAX_OPENIDS = 10_000;
/** Ids in WeChat's ranges (ten digits), still exact as JSON numbers. */
const FIRST_PUBLISH_ID = 2_247_500_000;
const FIRST_MSG_ID = 1_000_000_000;

/** An image the fake was given, with the URL or media_id it answered. */
export interface FakeImage {
  readonly filename: string;
  readonly size: number;
  readonly url: string;
}

export interface FakePermanentImage extends FakeImage {
  readonly media_id: string;
}

/** An article of a stored draft, as it was sent (the checked fields are known to be strings). */
export interface FakeArticle {
  readonly title: string;
  readonly content: string;
  readonly thumb_media_id: string;
  readonly [field: string]: unknown;
}

export interface FakePublish {
  readonly publish_id: string;
  /** The draft it was published from (which `freepublish/submit` consumed). */
  readonly mediaId: string;
  readonly articles: readonly FakeArticle[];
  /** 1 until `finishPublish` says otherwise. */
  status: number;
  article_id?: string;
  article_urls: string[];
  fail_idx: number[];
}

export interface FakeMassSend {
  readonly msg_id: string;
  readonly kind: 'sendall' | 'send';
  /** The `filter` of a sendall, as it was sent. */
  readonly filter?: Answer;
  /** The openids of a send. */
  readonly touser?: readonly string[];
  readonly mediaId: string;
  readonly articles: readonly FakeArticle[];
  readonly clientmsgid: string | undefined;
  readonly send_ignore_reprint: unknown;
}

/** What MASSSENDJOBFINISH reports; each count defaults from the send. */
export interface MassFinish {
  /** `send success` (the default), `send fail` or `err(<code>)`. */
  readonly status?: string;
  readonly totalCount?: number;
  readonly filterCount?: number;
  readonly sentCount?: number;
  readonly errorCount?: number;
}

const codePoints = (text: string): number => [...text].length;
const isObject = (value: unknown): value is Answer => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The `src` of each `<img>` of some HTML, quoted or not. */
function imageSources(html: string): string[] {
  const sources: string[] = [];
  for (const [tag] of html.matchAll(/<img\b[^>]*>/gi)) {
    const match = /\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag);
    sources.push(match?.[1] ?? match?.[2] ?? match?.[3] ?? '');
  }
  return sources;
}

const cdata = (text: string): string => `<![CDATA[${text}]]>`;
const now = (): number => Math.floor(Date.now() / 1000);

export class FakePublishing {
  /** When true every publishing path answers 48001, as for an account without the right to these APIs. */
  permissionDenied = false;
  /** Mass sends left (sendall and send); at 0 they answer 45028. */
  massQuotaLeft = Infinity;
  /** The account's original id, the ToUserName of the events the fake builds. */
  accountId = 'gh_fake';
  /** The images `media/uploadimg` took, with the URL each was given. */
  readonly imageUploads: FakeImage[] = [];
  /** The permanent images `material/add_material` took: the covers a draft may name. */
  readonly permanentUploads: FakePermanentImage[] = [];
  /** The drafts by media_id; publishing or mass-sending one takes it out. */
  readonly drafts = new Map<string, FakeArticle[]>();
  /** The publishes by publish_id. */
  readonly publishes = new Map<string, FakePublish>();
  /** The mass sends, in order. */
  readonly massSends: FakeMassSend[] = [];
  /** The previews, in order. */
  readonly previews: { readonly touser: string; readonly mediaId: string }[] = [];
  readonly #clientMsgIds = new Map<string, string>();
  readonly #massStatus = new Map<string, string>();
  #serial = 0;

  /** `audience(filter)`: how many followers a sendall reaches, for MASSSENDJOBFINISH's counts. */
  constructor(private readonly audience: (filter: Answer | undefined) => number = () => 0) {}

  /** Whether `path` is one of this module's. */
  static serves(path: string): boolean {
    return PATHS.has(path);
  }

  /** Back to an account that has published nothing, with its rights and an unlimited quota. */
  reset(): void {
    this.permissionDenied = false;
    this.massQuotaLeft = Infinity;
    this.accountId = 'gh_fake';
    this.imageUploads.length = 0;
    this.permanentUploads.length = 0;
    this.drafts.clear();
    this.publishes.clear();
    this.massSends.length = 0;
    this.previews.length = 0;
    this.#clientMsgIds.clear();
    this.#massStatus.clear();
    this.#serial = 0;
  }

  /**
   * Ends a publish with `status` (0 published, 2 originality check failed, 3 failed, 4
   * refused by review…) and answers the PUBLISHJOBFINISH event WeChat would push, in plaintext.
   * `failIdx`: on 2 or 4, the numbers of the articles that failed, the first being 1.
   */
  finishPublish(publishId: string, status: number, failIdx: readonly number[] = []): string {
    const publish = this.publishes.get(publishId);
    if (publish === undefined) throw new Error(`the fake has no publish ${publishId}`);
    publish.status = status;
    publish.fail_idx = status === 2 || status === 4 ? [...failIdx] : [];
    if (status === 0) {
      publish.article_id = `fake_article_${publishId}`;
      publish.article_urls = publish.articles.map((_, index) => `https://mp.weixin.qq.com/s/fake${publishId}_${index + 1}`);
    }
    const detail =
      status === 0
        ? `<article_id>${cdata(publish.article_id ?? '')}</article_id><article_detail><count>${publish.article_urls.length}</count>` +
          publish.article_urls
            .map((url, index) => `<item><idx>${index + 1}</idx><article_url>${cdata(url)}</article_url></item>`)
            .join('') +
          '</article_detail>'
        : publish.fail_idx.map((idx) => `<fail_idx>${idx}</fail_idx>`).join('');
    return (
      `<xml><ToUserName>${cdata(this.accountId)}</ToUserName><FromUserName>${cdata('mphelper')}</FromUserName>` +
      `<CreateTime>${now()}</CreateTime><MsgType>${cdata('event')}</MsgType><Event>${cdata('PUBLISHJOBFINISH')}</Event>` +
      `<PublishEventInfo><publish_id>${publishId}</publish_id><publish_status>${status}</publish_status>${detail}</PublishEventInfo></xml>`
    );
  }

  /** What `mass/get` answers for `msgId` from now on (SEND_SUCCESS until told). */
  setMassStatus(msgId: string, status: string): void {
    this.#massStatus.set(msgId, status);
  }

  /**
   * The MASSSENDJOBFINISH event WeChat would push for a send, in plaintext; a success
   * carries the articles' links. Sets what `mass/get` answers to match.
   */
  finishMass(msgId: string, fields: MassFinish = {}): string {
    const send = this.massSends.find((item) => item.msg_id === msgId);
    if (send === undefined) throw new Error(`the fake has no mass send ${msgId}`);
    const status = fields.status ?? 'send success';
    const success = status === 'send success';
    this.#massStatus.set(msgId, success ? 'SEND_SUCCESS' : 'SEND_FAIL');
    const total = fields.totalCount ?? send.touser?.length ?? this.audience(send.filter);
    const filtered = fields.filterCount ?? total;
    const sent = fields.sentCount ?? (success ? filtered : 0);
    const errors = fields.errorCount ?? filtered - sent;
    const urls = success
      ? `<ArticleUrlResult><Count>${send.articles.length}</Count><ResultList>` +
        send.articles
          .map(
            (_, index) =>
              `<item><ArticleIdx>${index + 1}</ArticleIdx><ArticleUrl>${cdata(`https://mp.weixin.qq.com/s/mass${msgId}_${index + 1}`)}</ArticleUrl></item>`,
          )
          .join('') +
        '</ResultList></ArticleUrlResult>'
      : '';
    return (
      `<xml><ToUserName>${cdata(this.accountId)}</ToUserName><FromUserName>${cdata('oMassSendAdmin_fake')}</FromUserName>` +
      `<CreateTime>${now()}</CreateTime><MsgType>${cdata('event')}</MsgType><Event>${cdata('MASSSENDJOBFINISH')}</Event>` +
      `<MsgID>${msgId}</MsgID><Status>${cdata(status)}</Status><TotalCount>${total}</TotalCount><FilterCount>${filtered}</FilterCount>` +
      `<SentCount>${sent}</SentCount><ErrorCount>${errors}</ErrorCount>${urls}</xml>`
    );
  }

  answer(path: string, query: Readonly<Record<string, string>>, body: unknown): Answer {
    if (this.permissionDenied) return refuse(48001, 'api unauthorized');
    const json = isObject(body) ? body : undefined;
    switch (path) {
      case '/cgi-bin/media/uploadimg':
        return this.#uploadImage(body as MultipartBody | undefined);
      case '/cgi-bin/material/add_material':
        return this.#addPermanent(query.type, body as MultipartBody | undefined);
      case '/cgi-bin/material/add_news':
        // Replaced by drafts: WeChat refuses it now.
        return refuse(45106, 'this api have been banned');
      case '/cgi-bin/draft/add':
        return this.#addDraft(json?.articles);
      case '/cgi-bin/draft/update':
        return this.#updateDraft(json?.media_id, json?.index, json?.articles);
      case '/cgi-bin/draft/delete':
        return typeof json?.media_id === 'string' && this.drafts.delete(json.media_id) ? OK : refuse(40007, 'invalid media_id');
      case '/cgi-bin/freepublish/submit':
        return this.#submit(json?.media_id);
      case '/cgi-bin/freepublish/get':
        return this.#publishStatus(json?.publish_id);
      case '/cgi-bin/message/mass/sendall':
        return this.#massSend('sendall', json);
      case '/cgi-bin/message/mass/send':
        return this.#massSend('send', json);
      case '/cgi-bin/message/mass/preview':
        return this.#preview(json);
      case '/cgi-bin/message/mass/get': {
        const msgId = json?.msg_id === undefined ? '' : String(json.msg_id);
        if (!this.massSends.some((send) => send.msg_id === msgId)) return refuse(40007, 'invalid msg_id');
        return { msg_id: Number(msgId), msg_status: this.#massStatus.get(msgId) ?? 'SEND_SUCCESS' };
      }
      default:
        return refuse(404, `the fake does not know ${path}`);
    }
  }

  /** The `media` file of a multipart upload, or the errcode for its absence. */
  #file(body: MultipartBody | undefined): { filename: string; size: number } | Refusal {
    const media = body?.parts?.find((part) => part.name === 'media' && part.filename !== undefined);
    if (media === undefined || media.size === 0) return refuse(41005, 'media data missing');
    return { filename: media.filename ?? '', size: media.size };
  }

  #uploadImage(body: MultipartBody | undefined): Answer {
    const file = this.#file(body);
    if ('errcode' in file) return file;
    const { filename, size } = file;
    const format = /\.(jpe?g|png)$/i.exec(filename)?.[1]?.toLowerCase();
    if (format === undefined) return refuse(40005, 'invalid file type');
    if (size >= MB) return refuse(40009, 'invalid image size');
    const [kind, fmt] = format === 'png' ? ['png', 'png'] : ['jpg', 'jpeg'];
    const url = `http://mmbiz.qpic.cn/mmbiz_${kind}/fake${++this.#serial}/0?wx_fmt=${fmt}`;
    this.imageUploads.push({ filename, size, url });
    return { url };
  }

  #addPermanent(type: string | undefined, body: MultipartBody | undefined): Answer {
    // Only images: the fake keeps no voice, video nor thumb material.
    if (type !== 'image') return refuse(40004, 'invalid media type');
    const file = this.#file(body);
    if ('errcode' in file) return file;
    const { filename, size } = file;
    if (!/\.(jpe?g|png|gif|bmp)$/i.test(filename)) return refuse(40005, 'invalid file type');
    if (size > 10 * MB) return refuse(40009, 'invalid image size');
    const n = ++this.#serial;
    const image = { media_id: `PERM_${n}`, filename, size, url: `http://mmbiz.qpic.cn/mmbiz_png/perm${n}/0?wx_fmt=png` };
    this.permanentUploads.push(image);
    return { media_id: image.media_id, url: image.url };
  }

  /** The errcode WeChat gives an article it refuses, or undefined. */
  #articleProblem(article: unknown): Refusal | undefined {
    if (!isObject(article)) return refuse(47001, 'data format error');
    const { title, content, thumb_media_id: thumb, digest, author, content_source_url: sourceUrl } = article;
    if (typeof thumb !== 'string' || !this.permanentUploads.some((image) => image.media_id === thumb))
      return refuse(40007, 'invalid media_id');
    if (typeof title !== 'string' || title === '' || codePoints(title) > 32) return refuse(45003, 'title size out of limit');
    if (typeof content !== 'string' || content === '' || codePoints(content) >= 20_000 || Buffer.byteLength(content) >= MB) {
      return refuse(45002, 'content size out of limit');
    }
    const issued = new Set(this.imageUploads.map((image) => image.url));
    if (/<script/i.test(content) || imageSources(content).some((src) => !issued.has(src))) return refuse(45166, 'invalid content');
    if (digest !== undefined && (typeof digest !== 'string' || codePoints(digest) > 128))
      return refuse(45004, 'description size out of limit');
    if (author !== undefined && (typeof author !== 'string' || codePoints(author) > 16)) return refuse(45110, 'author size out of limit');
    if (sourceUrl !== undefined && (typeof sourceUrl !== 'string' || Buffer.byteLength(sourceUrl) > 1024))
      return refuse(45005, 'url size out of limit');
    return undefined;
  }

  #addDraft(articles: unknown): Answer {
    if (!Array.isArray(articles) || articles.length === 0) return refuse(47001, 'data format error');
    if (articles.length > MAX_ARTICLES) return refuse(45008, 'article size out of limit');
    for (const article of articles) {
      const problem = this.#articleProblem(article);
      if (problem) return problem;
    }
    const mediaId = `DRAFT_${++this.#serial}`;
    this.drafts.set(mediaId, articles as FakeArticle[]);
    return { media_id: mediaId };
  }

  #updateDraft(mediaId: unknown, index: unknown, article: unknown): Answer {
    const draft = typeof mediaId === 'string' ? this.drafts.get(mediaId) : undefined;
    if (draft === undefined) return refuse(40007, 'invalid media_id');
    if (typeof index !== 'number' || !Number.isInteger(index)) return refuse(47001, 'data format error');
    if (index < 0 || index >= draft.length) return refuse(40007, 'invalid media_id');
    const problem = this.#articleProblem(article);
    if (problem) return problem;
    draft[index] = article as FakeArticle;
    return OK;
  }

  #submit(mediaId: unknown): Answer {
    const articles = typeof mediaId === 'string' ? this.drafts.get(mediaId) : undefined;
    if (articles === undefined) return refuse(40007, 'invalid media_id');
    this.drafts.delete(String(mediaId));
    const n = ++this.#serial;
    const publishId = String(FIRST_PUBLISH_ID + n);
    this.publishes.set(publishId, { publish_id: publishId, mediaId: String(mediaId), articles, status: 1, article_urls: [], fail_idx: [] });
    // Numbers, as WeChat answers them.
    return { ...OK, publish_id: Number(publishId), msg_data_id: FIRST_PUBLISH_ID + n };
  }

  #publishStatus(publishId: unknown): Answer {
    const publish = publishId === undefined ? undefined : this.publishes.get(String(publishId));
    if (publish === undefined) return refuse(53600, 'Article ID invalid');
    return {
      publish_id: publish.publish_id,
      publish_status: publish.status,
      ...(publish.article_id === undefined ? {} : { article_id: publish.article_id }),
      ...(publish.status === 0
        ? {
            article_detail: {
              count: publish.article_urls.length,
              item: publish.article_urls.map((article_url, index) => ({ idx: index + 1, article_url })),
            },
          }
        : {}),
      fail_idx: publish.fail_idx,
    };
  }

  /** The draft of an `mpnews` message, or the errcode for what is wrong with it. */
  #mpnews(body: Answer | undefined): { mediaId: string; articles: FakeArticle[] } | Refusal {
    if (body?.msgtype !== 'mpnews') return refuse(40008, 'invalid message type');
    const mediaId = isObject(body.mpnews) ? body.mpnews.media_id : undefined;
    const articles = typeof mediaId === 'string' ? this.drafts.get(mediaId) : undefined;
    if (articles === undefined) return refuse(40007, 'invalid media_id');
    return { mediaId: String(mediaId), articles };
  }

  #massSend(kind: 'sendall' | 'send', body: Answer | undefined): Answer {
    const filter = isObject(body?.filter) ? body.filter : undefined;
    const touser = body?.touser;
    if (kind === 'sendall') {
      if (filter === undefined || typeof filter.is_to_all !== 'boolean') return refuse(47001, 'data format error');
      if (filter.tag_id !== undefined && typeof filter.tag_id !== 'number') return refuse(47001, 'data format error');
      if (!filter.is_to_all && filter.tag_id === undefined) return refuse(47001, 'data format error');
    } else if (
      !Array.isArray(touser) ||
      touser.length < MIN_OPENIDS ||
      touser.length > MAX_OPENIDS ||
      !touser.every((openid) => typeof openid === 'string' && openid !== '')
    ) {
      return refuse(40130, 'invalid openid list size, at least two openid');
    }
    if (body?.send_ignore_reprint !== undefined && body.send_ignore_reprint !== 0 && body.send_ignore_reprint !== 1) {
      return refuse(47001, 'data format error');
    }
    // A clientmsgid seen before is a retry: refused before anything else is looked at, with the earlier send's msg_id.
    const clientmsgid = typeof body?.clientmsgid === 'string' && body.clientmsgid !== '' ? body.clientmsgid : undefined;
    const earlier = clientmsgid === undefined ? undefined : this.#clientMsgIds.get(clientmsgid);
    if (earlier !== undefined) return { errcode: 45065, errmsg: 'clientmsgid exist', msg_id: Number(earlier) };
    if (this.massQuotaLeft <= 0) return refuse(45028, 'has no masssend quota');
    const news = this.#mpnews(body);
    if ('errcode' in news) return news;
    const { mediaId, articles } = news;
    this.drafts.delete(mediaId);
    this.massQuotaLeft -= 1;
    const n = ++this.#serial;
    const msgId = String(FIRST_MSG_ID + n);
    if (clientmsgid !== undefined) this.#clientMsgIds.set(clientmsgid, msgId);
    this.massSends.push({
      msg_id: msgId,
      kind,
      ...(kind === 'sendall' ? { filter } : { touser: touser as string[] }),
      mediaId,
      articles,
      clientmsgid,
      send_ignore_reprint: body?.send_ignore_reprint,
    });
    return { errcode: 0, errmsg: 'send job submission success', msg_id: Number(msgId), msg_data_id: FIRST_PUBLISH_ID + n };
  }

  #preview(body: Answer | undefined): Answer {
    if (typeof body?.touser !== 'string' || body.touser === '') return refuse(40003, 'invalid openid');
    const news = this.#mpnews(body);
    if ('errcode' in news) return news;
    this.previews.push({ touser: body.touser, mediaId: news.mediaId });
    return { errcode: 0, errmsg: 'preview success', msg_id: FIRST_MSG_ID + ++this.#serial };
  }
}
