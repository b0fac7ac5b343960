/**
 * The user-tag part of the fake WeChat (`/cgi-bin/tags/*`, `user/tag/get`,
 * `user/info/updateremark`), mounted by FakeWeChat: the account's tags, who carries
 * them, the remarks and the blacklist, with WeChat's errcodes for what it refuses. A
 * refused batch changes nothing.
 */

type Answer = Record<string, unknown>;

const OK = { errcode: 0, errmsg: 'ok' };
const refuse = (errcode: number, errmsg: string): Answer => ({ errcode, errmsg });

/** WeChat's own tags, which `tags/update` and `tags/delete` refuse (45058). */
const SYSTEM_TAG_IDS = [0, 1, 2];

const PATHS = new Set([
  '/cgi-bin/tags/create',
  '/cgi-bin/tags/get',
  '/cgi-bin/tags/update',
  '/cgi-bin/tags/delete',
  '/cgi-bin/tags/members/batchtagging',
  '/cgi-bin/tags/members/batchuntagging',
  '/cgi-bin/tags/getidlist',
  '/cgi-bin/user/tag/get',
  '/cgi-bin/user/info/updateremark',
  '/cgi-bin/tags/members/getblacklist',
  '/cgi-bin/tags/members/batchblacklist',
  '/cgi-bin/tags/members/batchunblacklist',
]);

export class FakeTags {
  /** How many tags the account may create (WeChat's own tags are not counted). */
  maxTags = 100;
  /** How many tags one follower may carry. */
  maxTagsPerUser = 20;
  /** How many openids a page of `user/tag/get` or `getblacklist` holds (WeChat: 10000). */
  pageSize = 10_000;
  /** The account's tags by id, 2 (星标组) among them as WeChat has it. */
  readonly tags = new Map<number, string>();
  /** Who carries each tag, in the order they were tagged. */
  readonly members = new Map<number, string[]>();
  readonly remarks = new Map<string, string>();
  /** The blacklist, in the order users were added. */
  blacklist: string[] = [];
  #nextId = 100;

  /** `followers()`: the account's followers, the openids WeChat knows (others are 40003). */
  constructor(private readonly followers: () => readonly string[]) {
    this.reset();
  }

  /** Whether `path` is one of this module's. */
  static serves(path: string): boolean {
    return PATHS.has(path);
  }

  /** Back to a new account's: only 星标组, no member, no remark, an empty blacklist. */
  reset(): void {
    this.tags.clear();
    this.members.clear();
    this.remarks.clear();
    this.blacklist = [];
    this.tags.set(2, '星标组');
    this.#nextId = 100;
  }

  /** Creates a tag as the account's admin would on the platform; answers its id. */
  add(name: string): number {
    const id = this.#nextId++;
    this.tags.set(id, name);
    return id;
  }

  /** The ids of the tags `openid` carries. */
  tagsOf(openid: string): number[] {
    return [...this.members].filter(([, openids]) => openids.includes(openid)).map(([id]) => id);
  }

  answer(path: string, body: Answer | undefined): Answer {
    const tag = (typeof body?.tag === 'object' && body.tag !== null ? body.tag : {}) as Answer;
    switch (path) {
      case '/cgi-bin/tags/create':
        return this.#create(tag.name);
      case '/cgi-bin/tags/get':
        return { tags: [...this.tags].map(([id, name]) => ({ id, name, count: this.members.get(id)?.length ?? 0 })) };
      case '/cgi-bin/tags/update':
        return this.#update(tag.id, tag.name);
      case '/cgi-bin/tags/delete':
        return this.#delete(tag.id);
      case '/cgi-bin/tags/members/batchtagging':
        return this.#tagging(body?.tagid, body?.openid_list, true);
      case '/cgi-bin/tags/members/batchuntagging':
        return this.#tagging(body?.tagid, body?.openid_list, false);
      case '/cgi-bin/tags/getidlist':
        return this.#knows(body?.openid) ? { tagid_list: this.tagsOf(String(body?.openid)) } : refuse(40003, 'invalid openid');
      case '/cgi-bin/user/tag/get':
        return this.#tagPage(body?.tagid, body?.next_openid);
      case '/cgi-bin/user/info/updateremark':
        return this.#remark(body?.openid, body?.remark);
      case '/cgi-bin/tags/members/getblacklist':
        return this.#blacklistPage(body?.begin_openid);
      case '/cgi-bin/tags/members/batchblacklist':
        return this.#blacklisting(body?.openid_list, true);
      case '/cgi-bin/tags/members/batchunblacklist':
        return this.#blacklisting(body?.openid_list, false);
      default:
        return refuse(404, `the fake does not know ${path}`);
    }
  }

  #knows(openid: unknown): boolean {
    return typeof openid === 'string' && this.followers().includes(openid);
  }

  #nameProblem(name: unknown, exceptId?: number): Answer | undefined {
    if (typeof name !== 'string' || name === '') return refuse(47001, 'data format error');
    if (Buffer.byteLength(name) > 30) return refuse(45158, 'tag name too long');
    if ([...this.tags].some(([id, other]) => other === name && id !== exceptId)) return refuse(45157, 'invalid tag name');
    return undefined;
  }

  #create(name: unknown): Answer {
    const problem = this.#nameProblem(name);
    if (problem) return problem;
    const created = [...this.tags.keys()].filter((id) => !SYSTEM_TAG_IDS.includes(id)).length;
    if (created >= this.maxTags) return refuse(45056, 'too many tags now, no need to add new');
    return { tag: { id: this.add(String(name)), name } };
  }

  #update(id: unknown, name: unknown): Answer {
    if (typeof id === 'number' && SYSTEM_TAG_IDS.includes(id)) return refuse(45058, 'can not modify sys tag');
    if (typeof id !== 'number' || !this.tags.has(id)) return refuse(45159, 'invalid tag id');
    const problem = this.#nameProblem(name, id);
    if (problem) return problem;
    this.tags.set(id, String(name));
    return OK;
  }

  #delete(id: unknown): Answer {
    if (typeof id === 'number' && SYSTEM_TAG_IDS.includes(id)) return refuse(45058, 'can not modify sys tag');
    if (typeof id !== 'number' || !this.tags.has(id)) return refuse(45159, 'invalid tag id');
    this.tags.delete(id);
    this.members.delete(id);
    return OK;
  }

  /** A problem with an `openid_list` of at most `max`: 40032 too long, 40003 an openid not a follower. */
  #listProblem(list: unknown, max: number): Answer | undefined {
    if (!Array.isArray(list) || list.length === 0) return refuse(47001, 'data format error');
    if (list.length > max) return refuse(40032, 'invalid openid list size');
    if (!list.every((openid) => this.#knows(openid))) return refuse(40003, 'invalid openid');
    return undefined;
  }

  #tagging(id: unknown, list: unknown, add: boolean): Answer {
    const problem = this.#listProblem(list, 50);
    if (problem) return problem;
    if (typeof id !== 'number' || !this.tags.has(id)) return refuse(45159, 'invalid tag id');
    const openids = list as string[];
    const members = this.members.get(id) ?? [];
    if (!add) {
      this.members.set(
        id,
        members.filter((openid) => !openids.includes(openid)),
      );
      return OK;
    }
    const newcomers = openids.filter((openid) => !members.includes(openid));
    if (newcomers.some((openid) => this.tagsOf(openid).length >= this.maxTagsPerUser)) {
      return refuse(45059, 'tag number exceed limit');
    }
    this.members.set(id, [...members, ...new Set(newcomers)]);
    return OK;
  }

  #tagPage(id: unknown, next: unknown): Answer {
    if (typeof id !== 'number' || !this.tags.has(id)) return refuse(45159, 'invalid tag id');
    return this.#page(this.members.get(id) ?? [], next);
  }

  /** A page of `openids` from the one after `start` on: `{ count, data, next_openid }`, no `data` past the end. */
  #page(openids: readonly string[], start: unknown): Answer {
    const from = typeof start === 'string' && start !== '' ? openids.indexOf(start) + 1 : 0;
    if (from === 0 && typeof start === 'string' && start !== '') return refuse(40003, 'invalid openid');
    const page = openids.slice(from, from + this.pageSize);
    if (page.length === 0) return { count: 0, next_openid: '' };
    return { count: page.length, data: { openid: page }, next_openid: page.at(-1) };
  }

  #remark(openid: unknown, remark: unknown): Answer {
    if (typeof remark !== 'string') return refuse(47001, 'data format error');
    if (!this.#knows(openid)) return refuse(40003, 'invalid openid');
    // WeChat is seen to refuse a remark over 30 bytes, though its documentation said characters.
    if (Buffer.byteLength(remark) > 30) return refuse(40092, 'invalid remark name');
    this.remarks.set(String(openid), remark);
    return OK;
  }

  #blacklistPage(begin: unknown): Answer {
    return { total: this.blacklist.length, ...this.#page(this.blacklist, begin) };
  }

  #blacklisting(list: unknown, add: boolean): Answer {
    const problem = this.#listProblem(list, 20);
    if (problem) return problem;
    const openids = list as string[];
    this.blacklist = add
      ? [...this.blacklist, ...new Set(openids.filter((openid) => !this.blacklist.includes(openid)))]
      : this.blacklist.filter((openid) => !openids.includes(openid));
    return OK;
  }
}
