import { getAllPrivateTemplates, templatePlaceholders, type Placeholder } from './templates.js';
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

export interface TemplateCatalog {
  /** A template's placeholders, or undefined when the account has no such template. */
  placeholders(templateId: string): Promise<readonly Placeholder[] | undefined>;
  /** Every template of the account, in WeChat's order, from the same cached list. */
  list(): Promise<readonly CatalogTemplate[]>;
}

/**
 * The account's templates, cached for 10 minutes; an id not in the cache is looked up
 * once more in a fresh list (it may have been added since), and only once. Concurrent callers share a fetch.
 */
export function createTemplateCatalog(client: ApiClient, now: () => number = Date.now): TemplateCatalog {
  interface Cached {
    readonly templates: readonly CatalogTemplate[];
    readonly byId: Map<string, readonly Placeholder[]>;
    readonly at: number;
    /** Ids still unknown after a fresh list: not fetched for again until the list expires. */
    readonly missed: Set<string>;
  }
  let cached: Cached | undefined;
  let pending: Promise<Cached> | undefined;

  function refresh(): Promise<Cached> {
    pending ??= getAllPrivateTemplates(client)
      .then((list) => {
        const templates = list.map((template): CatalogTemplate => ({
          templateId: template.template_id,
          title: typeof template.title === 'string' ? template.title : '',
          placeholders: templatePlaceholders(template.content),
        }));
        const byId = new Map(templates.map((template) => [template.templateId, template.placeholders]));
        cached = { templates, byId, at: now(), missed: new Set() };
        return cached;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  const fresh = (): Cached | undefined => (cached !== undefined && now() - cached.at < TEMPLATE_CACHE_MS ? cached : undefined);

  return {
    async placeholders(templateId) {
      const current = fresh();
      const list = current ?? (await refresh());
      const found = list.byId.get(templateId);
      if (found !== undefined || current === undefined || current.missed.has(templateId)) return found;
      const again = await refresh();
      if (!again.byId.has(templateId)) again.missed.add(templateId);
      return again.byId.get(templateId);
    },

    async list() {
      return (fresh() ?? (await refresh())).templates;
    },
  };
}
