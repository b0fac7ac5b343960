import type { Request, Response } from 'express';
import type { TemplateCatalog } from '../../wechat-api/template-catalog.js';

/**
 * GET /api/templates: the account's template messages, each with its placeholders in
 * the order they appear in its content, from the list the sends are checked against.
 */
export function templatesRoute(catalog: (req: Request) => TemplateCatalog) {
  return async function templates(req: Request, res: Response): Promise<void> {
    const list = await catalog(req).list();
    res.json({
      templates: list.map((template) => ({
        template_id: template.templateId,
        title: template.title,
        placeholders: template.placeholders.map((placeholder) => placeholder.key),
      })),
    });
  };
}
