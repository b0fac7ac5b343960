import { randomInt } from 'node:crypto';
import { createMessageCipher } from '../protocol/cipher.js';
import { checkReply, type CheckedReply } from './check-answer.js';
import { messageXml, type MessageFields } from './message-xml.js';
import { signRequest, verificationQuery, type SignedRequest, type SigningKeys } from './sign-request.js';

/** The account as WeChat knows it: the same settings as the server's. */
export interface WeChatSideOptions {
  /** The account's Token (`WECHAT_TOKEN`): signs each request, and checks each reply's MsgSignature. */
  readonly token: string;
  /**
   * The account's EncodingAESKey (`WECHAT_ENCODING_AES_KEY`, 43 characters): with it,
   * requests are encrypted (safe mode) and replies must be. Without it, plaintext.
   */
  readonly encodingAesKey?: string;
  /** The AppID (`WECHAT_APPID`) framed in each encrypted request and expected in each reply; needed with a key. */
  readonly appId?: string;
  /** The account's id: each message's `ToUserName`, each reply's `FromUserName`. Default `gh_test_account`. */
  readonly account?: string;
  /** The follower who sends, unless a call names another. Default `o_test_user_openid`. */
  readonly user?: string;
  /** The clock, in milliseconds: the requests' timestamps and the messages' `CreateTime`. Default `Date.now`. */
  readonly now?: () => number;
}

/** What WeChat varies from one request to the next. */
export interface SignRequestOptions {
  /** The sender, the query's `openid`: the `FromUserName` of the message signed. */
  readonly user?: string;
  /** The request's nonce (WeChat's are digits); a fresh one by default. */
  readonly nonce?: string;
  /** Compatible mode: the message's fields in clear beside `Encrypt`, as WeChat sends them in that mode. */
  readonly compatible?: boolean;
}

/** WeChat's side of the webhook, for tests of an account's server: what `stripe.webhooks.generateTestHeaderString` is to Stripe's. */
export interface WeChatSide {
  /**
   * A message as WeChat pushes it, from `user` (default: the side's) to the account:
   * `messageXml({ MsgType: 'text', Content: '你好' })`. `CreateTime` is the clock's second,
   * but never the same twice (the server takes two events from one user in one second
   * for a delivery and its retry); a message that is not an event gets a fresh `MsgId`.
   */
  messageXml(fields: MessageFields, options?: { readonly user?: string }): string;
  /** `xml` as WeChat POSTs it to the webhook: the query string and body, signed, and in safe mode encrypted. */
  signRequest(xml: string, options?: SignRequestOptions): SignedRequest;
  /** The query string of WeChat's GET that checks the webhook's URL: the server must answer `echostr`. */
  verificationQuery(echostr: string): string;
  /**
   * Checks the server's answer to `user`'s message as WeChat would, and returns the reply.
   * Throws RejectedResponseError with the reason WeChat would refuse it: a status other
   * than 200, XML that is not well formed, in safe mode a reply not encrypted, a wrong
   * MsgSignature or AppID, the parties not swapped, no MsgType.
   */
  checkReply(status: number, body: string, options?: { readonly user?: string }): CheckedReply;
}

/** A nonce as WeChat makes them: up to ten digits. */
function freshNonce(): string {
  return String(randomInt(0, 2 ** 32));
}

/**
 * WeChat's side of the webhook, for one account: builds messages, signs (and in safe
 * mode encrypts) them as WeChat does, and checks the answers as WeChat would.
 */
export function createWeChatSide(options: WeChatSideOptions): WeChatSide {
  const { token, encodingAesKey, account = 'gh_test_account', user: defaultUser = 'o_test_user_openid', now = Date.now } = options;
  if (typeof token !== 'string' || token === '') throw new TypeError('createWeChatSide needs the token the server is configured with');
  if (encodingAesKey !== undefined && !options.appId) {
    throw new TypeError('createWeChatSide needs the appId with an encodingAesKey: WeChat frames it in each encrypted message');
  }
  const keys: SigningKeys = {
    token,
    appId: options.appId ?? '',
    cipher: encodingAesKey === undefined ? undefined : createMessageCipher(encodingAesKey),
  };
  const seconds = (): number => Math.floor(now() / 1000);
  let lastCreateTime = 0;

  return {
    messageXml(fields, { user = defaultUser } = {}) {
      lastCreateTime = Math.max(seconds(), lastCreateTime + 1);
      return messageXml(fields, { account, user, createTime: lastCreateTime });
    },
    signRequest(xml, { user = defaultUser, nonce = freshNonce(), compatible = false } = {}) {
      return signRequest(xml, keys, { timestamp: String(seconds()), nonce, user, account, compatible });
    },
    verificationQuery(echostr) {
      return verificationQuery(echostr, token, String(seconds()), freshNonce());
    },
    checkReply(status, body, { user = defaultUser } = {}) {
      return checkReply(status, body, keys, { account, user });
    },
  };
}
