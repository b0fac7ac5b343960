import { WeChatApiError } from '../core/errors.js';
import type { ConditionalMenu, MenuButton, MenuFile } from '../menu/schema.js';
import type { ApiClient } from './client.js';

/** WeChat's answer to `menu/get` when the account has no menu. */
export const NO_MENU = 46003;

/** What `menu/get` answers: the default menu, and the personalised ones with their ids. */
export interface MenuGetAnswer {
  readonly menu?: { readonly button?: unknown; readonly menuid?: number | string };
  readonly conditionalmenu?: readonly { readonly button?: unknown; readonly matchrule?: unknown; readonly menuid?: number | string }[];
  readonly [field: string]: unknown;
}

/**
 * Replaces the default menu.
 * https://developers.weixin.qq.com/doc/service/api/custommenu/api_createcustommenu
 */
export async function createMenu(client: ApiClient, menu: { readonly button: readonly MenuButton[] }): Promise<void> {
  await client.call({ method: 'POST', path: '/cgi-bin/menu/create', body: { button: menu.button } });
}

/** The account's menus, or undefined when it has none (errcode 46003). */
export async function getMenu(client: ApiClient): Promise<MenuGetAnswer | undefined> {
  try {
    return (await client.call({ method: 'GET', path: '/cgi-bin/menu/get' })) as MenuGetAnswer;
  } catch (error) {
    if (error instanceof WeChatApiError && error.errcode === NO_MENU) return undefined;
    throw error;
  }
}

/** Deletes the default menu and with it every personalised menu. */
export async function deleteMenu(client: ApiClient): Promise<void> {
  await client.call({ method: 'GET', path: '/cgi-bin/menu/delete' });
}

/**
 * Adds a personalised menu; answers its menuid.
 * https://developers.weixin.qq.com/doc/service/api/custommenu/api_addconditionalmenu
 */
export async function addConditionalMenu(client: ApiClient, menu: ConditionalMenu): Promise<string> {
  const path = '/cgi-bin/menu/addconditional';
  const answer = await client.call({ method: 'POST', path, body: { button: menu.button, matchrule: menu.matchrule } });
  if (typeof answer.menuid !== 'string' && typeof answer.menuid !== 'number') {
    throw new WeChatApiError(-1, 'the answer has no menuid', path);
  }
  return String(answer.menuid);
}

/** Deletes one personalised menu. */
export async function deleteConditionalMenu(client: ApiClient, menuid: string): Promise<void> {
  await client.call({ method: 'POST', path: '/cgi-bin/menu/delconditional', body: { menuid } });
}

/** The ids of the personalised menus in a `menu/get` answer. */
export function conditionalMenuIds(answer: MenuGetAnswer | undefined): string[] {
  return (answer?.conditionalmenu ?? []).flatMap((menu) =>
    typeof menu.menuid === 'string' || typeof menu.menuid === 'number' ? [String(menu.menuid)] : [],
  );
}

/** One step of a push, as `pushMenu` reports it. */
export type MenuPushStep =
  | { readonly step: 'create'; readonly buttons: number }
  | { readonly step: 'delconditional'; readonly menuid: string }
  | { readonly step: 'addconditional'; readonly index: number; readonly menuid: string };

/**
 * Makes a checked menu file what the account has: the default menu replaced, then the
 * personalised menus of `current` (what `menu/get` answered just before) deleted and the
 * file's added, in order. `report` hears each step as it is done; a refusal stops the
 * push there (WeChat's errcode thrown).
 */
export async function pushMenu(
  client: ApiClient,
  menu: MenuFile,
  current: MenuGetAnswer | undefined,
  report: (step: MenuPushStep) => void = () => undefined,
): Promise<void> {
  await createMenu(client, menu);
  report({ step: 'create', buttons: menu.button.length });
  for (const menuid of conditionalMenuIds(current)) {
    await deleteConditionalMenu(client, menuid);
    report({ step: 'delconditional', menuid });
  }
  for (const [index, personalised] of (menu.conditional ?? []).entries()) {
    report({ step: 'addconditional', index, menuid: await addConditionalMenu(client, personalised) });
  }
}
