import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Account } from '../accounts/account.js';
import { APP_ID_SPELLING } from '../accounts/account-settings.js';
import type { AuthorizedAccounts } from '../accounts/authorized-accounts.js';
import { verifySignature } from '../protocol/signature.js';
import { readQuery } from './read-query.js';

/** The platform's 消息与事件接收URL, `/open/messages/$APPID$`: one path per authorised account. */
export const OPEN_MESSAGES_PREFIX = '/open/messages/';

/** The AppID of an `/open/messages/<appid>` path (without its query); undefined when it names none. */
export function openMessagesAppId(path: string): string | undefined {
  if (!path.startsWith(OPEN_MESSAGES_PREFIX)) return undefined;
  const appId = path.slice(OPEN_MESSAGES_PREFIX.length);
  return APP_ID_SPELLING.test(appId) ? appId : undefined;
}

export interface OpenMessagesOptions {
  readonly authorized: Pick<AuthorizedAccounts, 'messagesAccount' | 'refresh'>;
  /** WECHAT_COMPONENT_TOKEN: what every authorised account's messages are signed with. */
  readonly componentToken: string;
  /** The webhook, which answers the message as any account's. */
  readonly receive: (req: IncomingMessage, res: ServerResponse, account: Account) => Promise<void>;
  readonly notFound: (res: ServerResponse) => void;
}

/**
 * `POST /open/messages/<appid>`: an authorised account's messages, answered by the same
 * webhook as a configured account's (its account's token and key are the platform's).
 * An AppID this process does not know is looked up in the platform's state only for a
 * request signed with the platform's token, so that a stranger's requests cost no read;
 * one that is neither authorised nor a release-check account is a 404.
 */
export function openMessagesRoute({ authorized, componentToken, receive, notFound }: OpenMessagesOptions) {
  const signedByPlatform = (url: string): boolean => {
    const query = readQuery(url);
    const signature = query.get('signature');
    const timestamp = query.get('timestamp');
    const nonce = query.get('nonce');
    return (
      signature !== undefined &&
      timestamp !== undefined &&
      nonce !== undefined &&
      verifySignature(signature, componentToken, timestamp, nonce)
    );
  };
  return async function openMessages(req: IncomingMessage, res: ServerResponse, appId: string | undefined): Promise<void> {
    let account = appId === undefined ? undefined : authorized.messagesAccount(appId);
    if (account === undefined && appId !== undefined && signedByPlatform(req.url ?? '')) {
      account = await authorized.refresh(appId).catch(() => undefined);
    }
    if (account === undefined) notFound(res);
    else await receive(req, res, account);
  };
}
