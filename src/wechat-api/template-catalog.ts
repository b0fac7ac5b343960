import { getAllPrivateTemplates, templatePlaceholders, type Placeholder } from './templates.js';
import { getNoticeTemplates, grantKindOf, type GrantKind } from './notices.js';
import type { ApiClient } from './client.js';

/** How long the list of templates is trusted before it is fetched again. */
export const TEMPLATE_CACHE_MS = 10 * 60 * 1000;

/** One of the account's templates as the catalog keeps it. */
export interface CatalogTemplate {
  readonly templateId: string;
  /** WeChat's title; empty when WeChat gave none. */
  readonly title: string;
  /** The placeholders in the order they appear in the template's content, each once. */
  readonly placeholders: readonly Placeholder[];
}

/** One of the account's subscription-notice templates, with the kind of grant it takes. */
export interface NoticeCatalogTemplate extends CatalogTemplate {
  readonly kind: GrantKind;
}

/** A list of templates, cached. */
export interface Catalog<T extends CatalogTemplate> {
  /** A template, or undefined when the account has no such template. */
  find(templateId: string): Promise<T | undefined>;
  /** A template's placeholders, or undefined when the account has no such template. */
  placeholders(templateId: string): Promise<readonly Placeholder[] | undefined>;
  /** Every template of the account, in WeChat's order, from the same cached list. */
  list(): Promise<readonly T[]>;
}

/** The account's template messages (模板消息). */
export type TemplateCatalog = Catalog<CatalogTemplate>;
/** The account's subscription-notice templates (订阅通知). */
export type NoticeCatalog = Catalog<NoticeCatalogTemplate>;

/**
 * A list fetched by `fetch`, cached for 10 minutes; an id not in the cache is looked up
 * once more in a fresh list (it may have been added since), and only once until the list
 * expires. Concurrent callers share a fetch.
 */
function cachedCatalog<T extends CatalogTemplate>(fetch: () => Promise<T[]>, now: () => number): Catalog<T> {
  interface Cached {
    readonly templates: readonly T[];
    readonly byId: Map<string, T>;
    readonly at: number;
    /** Ids still unknown after a fresh list: not fetched for again until the list expires. */
    readonly missed: Set<string>;
  }
  let cached: Cached | undefined;
  let pending: Promise<Cached> | undefined;

  function refresh(): Promise<Cached> {
    pending ??= fetch()
      .then((templates) => {
        cached = { templates, byId: new Map(templates.map((template) => [template.templateId, template])), at: now(), missed: new Set() };
        return cached;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  const fresh = (): Cached | undefined => (cached !== undefined && now() - cached.at < TEMPLATE_CACHE_MS ? cached : undefined);

  async function find(templateId: string): Promise<T | undefined> {
    const current = fresh();
    const list = current ?? (await refresh());
    const found = list.byId.get(templateId);
    if (found !== undefined || current === undefined || current.missed.has(templateId)) return found;
    const again = await refresh();
    if (!again.byId.has(templateId)) again.missed.add(templateId);
    return again.byId.get(templateId);
  }

  return {
    find,
    async placeholders(templateId) {
      return (await find(templateId))?.placeholders;
    },
    async list() {
      return (fresh() ?? (await refresh())).templates;
    },
  };
}

/** The account's template messages, cached for 10 minutes (`get_all_private_template`). */
export function createTemplateCatalog(client: ApiClient, now: () => number = Date.now): TemplateCatalog {
  return cachedCatalog(
    async () =>
      (await getAllPrivateTemplates(client)).map((template): CatalogTemplate => ({
        templateId: template.template_id,
        title: typeof template.title === 'string' ? template.title : '',
        placeholders: templatePlaceholders(template.content),
      })),
    now,
  );
}

/** The account's subscription-notice templates, cached for 10 minutes (`newtmpl/gettemplate`). */
export function createNoticeCatalog(client: ApiClient, now: () => number = Date.now): NoticeCatalog {
  return cachedCatalog(
    async () =>
      (await getNoticeTemplates(client)).map((template): NoticeCatalogTemplate => ({
        templateId: template.priTmplId,
        title: template.title,
        placeholders: templatePlaceholders(template.content),
        kind: grantKindOf(template.type),
      })),
    now,
  );
}
