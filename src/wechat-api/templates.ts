import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';

/** One of the account's templates, as `get_all_private_template` lists it. */
export interface PrivateTemplate {
  readonly template_id: string;
  readonly title: string;
  readonly primary_industry?: string;
  readonly deputy_industry?: string;
  /** The template's text, with a `{{key.DATA}}` placeholder for every value. */
  readonly content: string;
  readonly example?: string;
}

/** A template's placeholder: `thing1` in `{{thing1.DATA}}`, of kind `thing`. */
export interface Placeholder {
  readonly key: string;
  /** The key without its number (`thing`, `time`, `character_string`…): WeChat's value type. */
  readonly kind: string;
}

/**
 * Every template the account has added (私有模板).
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
 */
export async function getAllPrivateTemplates(client: ApiClient): Promise<PrivateTemplate[]> {
  const path = '/cgi-bin/template/get_all_private_template';
  const answer = await client.call({ method: 'GET', path });
  const list = answer.template_list;
  if (!Array.isArray(list)) throw new WeChatApiError(-1, 'the answer has no template_list', path);
  return list.filter(
    (item): item is PrivateTemplate =>
      typeof item === 'object' && item !== null && typeof item.template_id === 'string' && typeof item.content === 'string',
  );
}

/** The placeholders of a template's content, in order, each once. */
export function templatePlaceholders(content: string): Placeholder[] {
  const keys = new Set<string>();
  for (const match of content.matchAll(/\{\{\s*([A-Za-z0-9_]+)\.DATA\s*\}\}/g)) keys.add(match[1] ?? '');
  return [...keys].map((key) => ({ key, kind: key.replace(/\d+$/, '') }));
}
