import type { Request, Response } from 'express';
import type { NoticeCatalog, TemplateCatalog } from '../../wechat-api/template-catalog.js';

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

/**
 * The account's subscription-notice templates, each with its grant kind and keywords in
 * the order they appear, from the list the notices are checked against.
 */
export function noticeTemplatesRoute(catalog: (req: Request) => NoticeCatalog) {
  return async function noticeTemplates(req: Request, res: Response): Promise<void> {
    const list = await catalog(req).list();
    res.json({
      templates: list.map((template) => ({
        template_id: template.templateId,
        title: template.title,
        kind: template.kind,
        placeholders: template.placeholders.map((placeholder) => placeholder.key),
      })),
    });
  };
}
