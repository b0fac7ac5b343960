import type { Logger } from 'pino';
import type { InboundMessage } from '../protocol/message-types.js';
import { createReplyRouter, type ReplyRouter } from '../replies/router.js';
import { checkResponseBody } from '../wechat-api/transport.js';
import type { OpenPlatform } from './open-platform.js';

/**
 * WeChat's release-check official accounts (全网发布): since 2021 one of these five,
 * picked at random, sends the checks. AppID → original ID.
 */
export const RELEASE_CHECK_ACCOUNTS: ReadonlyMap<string, string> = new Map([
  ['wx570bc396a51b8ff8', 'gh_3c884a361561'],
  ['wx9252c5e0bb1836fc', 'gh_c0f28a78b318'],
  ['wx8e1097c5bc82cde9', 'gh_3f222ed8d140'],
  ['wx14550af28c71a144', 'gh_26128078e9ab'],
  ['wxa35b9c23cfe664eb', 'gh_2b3713f184a6'],
]);

/** The text the check sends to see a passive reply. */
const TEXT_CHECK = 'TESTCOMPONENT_MSG_TYPE_TEXT';
/** The text whose code the platform must exchange and answer through the API. */
const API_CHECK = 'QUERY_AUTH_CODE:';
/** Far above WeChat's codes: what is exchanged is bounded. */
const MAX_CODE_LENGTH = 512;
/** The check wants the customer-service text within 5 s: one attempt, bounded. */
const API_CHECK_TIMEOUT_MS = 4500;

export function isReleaseCheckAccount(appId: string | undefined): boolean {
  return appId !== undefined && RELEASE_CHECK_ACCOUNTS.has(appId);
}

/**
 * The release check answered with no code of the user's, before `inner` (the handlers,
 * then the replies file): a text `TESTCOMPONENT_MSG_TYPE_TEXT` gets
 * `TESTCOMPONENT_MSG_TYPE_TEXT_callback`; a text `QUERY_AUTH_CODE:<code>` gets no reply,
 * and the code is exchanged (`api_query_auth`) for the account's token, with which the
 * customer-service text `<code>_from_api` is sent within seconds; every event gets the
 * text `<Event>from_callback`. Anything else goes to `inner`. Only for the five
 * release-check accounts (the caller makes sure).
 */
export function releaseCheckRouter(
  platform: Pick<OpenPlatform, 'authorizers' | 'transport'>,
  inner: ReplyRouter,
  logger: Logger,
): ReplyRouter {
  const answerThroughApi = async (code: string, touser: string): Promise<void> => {
    const { accessToken } = await platform.authorizers.exchange(code);
    if (accessToken === undefined) throw new Error('api_query_auth gave no usable authorizer_access_token');
    const path = '/cgi-bin/message/custom/send';
    const answer = await platform.transport.send({
      method: 'POST',
      path,
      query: { access_token: accessToken },
      body: { touser, msgtype: 'text', text: { content: `${code}_from_api` } },
      timeoutMs: API_CHECK_TIMEOUT_MS,
    });
    checkResponseBody(answer, path);
  };

  return createReplyRouter()
    .use(function releaseCheckEvents(message: InboundMessage) {
      return message.MsgType === 'event' ? { type: 'text', content: `${message.Event}from_callback` } : undefined;
    })
    .on('text', function releaseCheckTexts(message) {
      if (message.Content === TEXT_CHECK) return { type: 'text', content: `${TEXT_CHECK}_callback` };
      if (!message.Content.startsWith(API_CHECK)) return undefined;
      const code = message.Content.slice(API_CHECK.length);
      if (code === '' || code.length > MAX_CODE_LENGTH) return undefined;
      const started = Date.now();
      answerThroughApi(code, message.FromUserName).then(
        () => logger.info({ ms: Date.now() - started }, 'release check: the customer-service text was sent'),
        (error: unknown) => {
          const { errcode, errmsg, code: failure } = error as { errcode?: unknown; errmsg?: unknown; code?: unknown };
          logger.warn({ errcode, errmsg, code: failure }, 'release check: the customer-service text could not be sent');
        },
      );
      return null;
    })
    .use(function handlers(message, context) {
      return inner.route(message, context);
    });
}
