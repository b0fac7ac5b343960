import { defineConfig, type DefaultTheme } from 'vitepress';

/**
 * The docs site: `npm run docs:dev` to write, `npm run docs:build` in CI. The guide is
 * in English (/) and 简体中文 (/zh/); the reference and the explanations are one
 * English text each, so that every fact has one place. VitePress fails the build on a
 * link to a page that does not exist.
 */

const guidePages = [
  ['getting-started', 'Getting started', '快速开始'],
  ['replies', 'Replies without code', '无代码回复'],
  ['handlers', 'Handlers and sessions', '处理函数与会话'],
  ['menu', 'The menu', '自定义菜单'],
  ['oauth', 'OAuth and your own pages', '网页授权与自有页面'],
  ['jssdk', 'JS-SDK', 'JS-SDK'],
  ['api', '/api for other services', '给其他服务用的 /api'],
  ['accounts', 'Several accounts', '多个公众号'],
  ['open-platform', 'The open platform', '第三方平台'],
  ['notices', 'Notices and notify', '订阅通知与 notify'],
  ['publishing', 'Publishing from git', '从 git 发布文章'],
  ['console', 'The console', '管理控制台'],
  ['redis', 'Redis and several instances', 'Redis 与多实例'],
  ['production', 'Production', '生产部署'],
  ['monitoring', 'Monitoring and operations', '监控与运维'],
  ['troubleshooting', 'Troubleshooting', '排错'],
] as const;

const referencePages = [
  ['configuration', 'Configuration'],
  ['webhook', 'The webhook'],
  ['http', 'HTTP routes'],
  ['cli', 'Commands'],
  ['library', 'The library'],
  ['replies-file', 'The replies file'],
  ['metrics', 'Metrics'],
  ['errcodes', 'Errcodes'],
] as const;

const explanationPages = [
  ['architecture', 'Architecture'],
  ['security', 'Security model'],
  ['benchmarks', 'Benchmarks'],
] as const;

function sidebar(language: 'en' | 'zh'): DefaultTheme.SidebarItem[] {
  const zh = language === 'zh';
  return [
    {
      text: zh ? '指南' : 'Guide',
      items: guidePages.map(([page, en, chinese]) => ({ text: zh ? chinese : en, link: `${zh ? '/zh' : ''}/guide/${page}` })),
    },
    { text: zh ? '参考（英文）' : 'Reference', items: referencePages.map(([page, text]) => ({ text, link: `/reference/${page}` })) },
    { text: zh ? '原理（英文）' : 'Explanation', items: explanationPages.map(([page, text]) => ({ text, link: `/explanation/${page}` })) },
  ];
}

export default defineConfig({
  title: 'wechat-oa-server',
  description: 'A typed, safe-by-default server for WeChat Official Accounts (微信公众号)',
  cleanUrls: true,
  lastUpdated: false,
  // Markdown files beside the site that are not pages of it.
  srcExclude: ['**/README.md'],
  themeConfig: {
    search: { provider: 'local' },
    outline: [2, 3],
  },
  locales: {
    root: {
      label: 'English',
      lang: 'en-US',
      themeConfig: {
        nav: [
          { text: 'Guide', link: '/guide/getting-started' },
          { text: 'Reference', link: '/reference/configuration' },
          { text: 'Explanation', link: '/explanation/architecture' },
        ],
        sidebar: sidebar('en'),
      },
    },
    zh: {
      label: '简体中文',
      lang: 'zh-CN',
      link: '/zh/',
      themeConfig: {
        nav: [
          { text: '指南', link: '/zh/guide/getting-started' },
          { text: '参考', link: '/reference/configuration' },
        ],
        sidebar: sidebar('zh'),
        outline: { label: '本页目录' },
        docFooter: { prev: '上一页', next: '下一页' },
      },
    },
  },
});
