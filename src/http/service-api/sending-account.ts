import type { Account } from '../../accounts/account.js';
import { ApiNotConfiguredError } from '../../core/errors.js';
import type { Reach } from '../../reach/reach.js';
import type { WeChatApi } from '../../wechat-api/create-api.js';
import type { NoticeCatalog, TemplateCatalog } from '../../wechat-api/template-catalog.js';

/** An account that can call WeChat: what the send and user routes act as. */
export interface SendingAccount {
  readonly name: string;
  readonly api: WeChatApi;
  readonly templates: TemplateCatalog;
  readonly notices: NoticeCatalog;
  readonly reach: Reach;
}

/** The account, or the 503 of one without AppID and AppSecret, which cannot reach WeChat. */
export function sendingAccount(account: Account): SendingAccount {
  const { name, api, templates, notices, reach } = account;
  if (api === undefined || templates === undefined || notices === undefined || reach === undefined) {
    throw new ApiNotConfiguredError(
      account.name === 'default'
        ? 'WECHAT_APPID and WECHAT_APPSECRET must be set to call WeChat'
        : `account ${account.name} needs an AppID and AppSecret to reach WeChat`,
    );
  }
  return { name, api, templates, notices, reach };
}
