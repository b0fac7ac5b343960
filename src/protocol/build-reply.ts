import type { NewsArticle, Reply } from './reply-types.js';
import { dropForbiddenCharacters } from './xml-characters.js';

/** The two parties of a reply: the user it goes to and the account it comes from. */
export interface ReplyParties {
  readonly ToUserName: string;
  readonly FromUserName: string;
}

/**
 * Wraps a string in CDATA. `]]>` cannot appear inside one section, so it is split
 * across two (`]]` ends the first, `>` starts the next) and reads back exactly.
 */
export function cdata(value: string): string {
  const safe = dropForbiddenCharacters(value);
  return `<![CDATA[${safe.includes(']]>') ? safe.replaceAll(']]>', ']]]]><![CDATA[>') : safe}]]>`;
}

function element(name: string, value: string | undefined): string {
  return `<${name}>${cdata(value ?? '')}</${name}>`;
}

function article(item: NewsArticle): string {
  return (
    `<item>${element('Title', item.title)}${element('Description', item.description)}` +
    `${element('PicUrl', item.picUrl)}${element('Url', item.url)}</item>`
  );
}

function body(reply: Reply): string {
  switch (reply.type) {
    case 'text':
      return element('Content', reply.content);
    case 'image':
      return `<Image>${element('MediaId', reply.mediaId)}</Image>`;
    case 'voice':
      return `<Voice>${element('MediaId', reply.mediaId)}</Voice>`;
    case 'video':
      return (
        `<Video>${element('MediaId', reply.mediaId)}${element('Title', reply.title)}` +
        `${element('Description', reply.description)}</Video>`
      );
    case 'music':
      return (
        `<Music>${element('Title', reply.title)}${element('Description', reply.description)}` +
        `${element('MusicUrl', reply.musicUrl)}${element('HQMusicUrl', reply.hqMusicUrl)}` +
        `${element('ThumbMediaId', reply.thumbMediaId)}</Music>`
      );
    case 'news':
      return `<ArticleCount>${reply.articles.length}</ArticleCount><Articles>${reply.articles.map(article).join('')}</Articles>`;
    case 'transfer_customer_service':
      // To one agent, or (no TransInfo at all) to whichever WeChat assigns.
      return reply.kfAccount === undefined || reply.kfAccount === ''
        ? ''
        : `<TransInfo>${element('KfAccount', reply.kfAccount)}</TransInfo>`;
  }
}

/** Serializes a reply as WeChat's passive-reply XML, from `parties`, stamped `now`. */
export function buildReplyXml(reply: Reply, parties: ReplyParties, now: Date = new Date()): string {
  return (
    `<xml>${element('ToUserName', parties.ToUserName)}${element('FromUserName', parties.FromUserName)}` +
    `<CreateTime>${Math.floor(now.getTime() / 1000)}</CreateTime>${element('MsgType', reply.type)}` +
    `${body(reply)}</xml>`
  );
}
