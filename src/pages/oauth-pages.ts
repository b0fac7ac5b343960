import type { UserProfile } from '../wechat-api/oauth.js';
import { escapeHtml, page } from './html.js';

const SEX: Readonly<Record<number, string>> = { 1: '男 male', 2: '女 female' };

/** The signed-in user's profile, every value escaped. */
export function profilePage(profile: UserProfile): string {
  const row = (label: string, value: string, className = ''): string =>
    `<dt>${label}</dt><dd${className ? ` class="${className}"` : ''}>${escapeHtml(value)}</dd>`;
  const avatar = profile.headimgurl
    ? `<img class="avatar" src="${escapeHtml(profile.headimgurl)}" alt="头像 avatar" referrerpolicy="no-referrer">`
    : '';
  return page(
    `${profile.nickname} · 用户信息`,
    `${avatar}<h1 class="nickname">${escapeHtml(profile.nickname)}</h1><dl>` +
      row('性别 sex', SEX[profile.sex] ?? '未知 unknown', 'sex') +
      row('省份 province', profile.province, 'province') +
      row('城市 city', profile.city, 'city') +
      row('国家 country', profile.country, 'country') +
      row('OpenID', profile.openid, 'openid') +
      '</dl>',
  );
}

/** An error page in Chinese and English that says what happened and what to do. */
export function errorPage(title: string, chinese: string, english: string, detail?: string): string {
  return page(
    title,
    `<h1 class="error">${escapeHtml(title)}</h1><p>${escapeHtml(chinese)}</p><p>${escapeHtml(english)}</p>` +
      (detail === undefined ? '' : `<p><code>${escapeHtml(detail)}</code></p>`),
  );
}
