import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';
import { nextOpenidOf, openidsOf } from './openid-page.js';

// User tags (用户标签管理).
// https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html

/** How many tags an account may create. */
export const MAX_TAGS = 100;
/** A tag's name, in bytes of UTF-8 (a Chinese character is 3). */
export const TAG_NAME_MAX_BYTES = 30;
/** How many openids one `batchtagging` or `batchuntagging` takes. */
export const MAX_OPENIDS_PER_TAGGING = 50;
/** How many tags one follower may carry. */
export const MAX_TAGS_PER_USER = 20;
/** WeChat's own tags (2 is 星标组, the starred): never renamed nor deleted. */
export const SYSTEM_TAG_IDS: readonly number[] = [0, 1, 2];

/** One tag of the account, with how many followers carry it. */
export interface Tag {
  readonly id: number;
  readonly name: string;
  readonly count: number;
}

/** One page of a tag's followers; `openids` is empty past the last page. */
export interface TagFollowerPage {
  readonly count: number;
  readonly openids: string[];
  /** Where the next page starts; empty when WeChat gave none. */
  readonly next_openid: string;
}

const isTag = (value: unknown): value is { id: number; name: string; count?: unknown } => {
  const tag = value as { id?: unknown; name?: unknown } | null;
  return typeof tag === 'object' && tag !== null && Number.isInteger(tag.id) && typeof tag.name === 'string';
};

/** The account's tags. */
export async function getTags(client: ApiClient): Promise<Tag[]> {
  const answer = await client.call({ method: 'GET', path: '/cgi-bin/tags/get' });
  const tags = Array.isArray(answer.tags) ? answer.tags.filter(isTag) : [];
  return tags.map(({ id, name, count }) => ({ id, name, count: Number.isInteger(count) ? Number(count) : 0 }));
}

/** Creates a tag; answers it with the id WeChat gave it. */
export async function createTag(client: ApiClient, name: string): Promise<{ id: number; name: string }> {
  const path = '/cgi-bin/tags/create';
  const answer = await client.call({ method: 'POST', path, body: { tag: { name } } });
  if (!isTag(answer.tag)) throw new WeChatApiError(-1, 'the answer has no tag id', path);
  return { id: answer.tag.id, name: answer.tag.name };
}

/** Renames a tag. */
export async function renameTag(client: ApiClient, id: number, name: string): Promise<void> {
  await client.call({ method: 'POST', path: '/cgi-bin/tags/update', body: { tag: { id, name } } });
}

/** Deletes a tag, and with it every follower's membership of it. */
export async function deleteTag(client: ApiClient, id: number): Promise<void> {
  await client.call({ method: 'POST', path: '/cgi-bin/tags/delete', body: { tag: { id } } });
}

/** Gives a tag to up to 50 followers. */
export async function tagUsers(client: ApiClient, id: number, openids: readonly string[]): Promise<void> {
  await client.call({ method: 'POST', path: '/cgi-bin/tags/members/batchtagging', body: { openid_list: openids, tagid: id } });
}

/** Takes a tag from up to 50 followers. */
export async function untagUsers(client: ApiClient, id: number, openids: readonly string[]): Promise<void> {
  await client.call({ method: 'POST', path: '/cgi-bin/tags/members/batchuntagging', body: { openid_list: openids, tagid: id } });
}

/** The ids of the tags a follower carries. */
export async function getUserTagIds(client: ApiClient, openid: string): Promise<number[]> {
  const answer = await client.call({ method: 'POST', path: '/cgi-bin/tags/getidlist', body: { openid } });
  return Array.isArray(answer.tagid_list) ? answer.tagid_list.filter((id): id is number => Number.isInteger(id)) : [];
}

/** One page of a tag's followers (up to 10000), from `nextOpenid` on (the first page without it). */
export async function getTagFollowerPage(client: ApiClient, id: number, nextOpenid?: string): Promise<TagFollowerPage> {
  const answer = await client.call({ method: 'POST', path: '/cgi-bin/user/tag/get', body: { tagid: id, next_openid: nextOpenid ?? '' } });
  const openids = openidsOf(answer);
  return { count: openids.length, openids, next_openid: nextOpenidOf(answer) };
}
