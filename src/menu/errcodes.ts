/**
 * What WeChat's menu errcodes mean, printed under the errcode by `npm run menu`.
 * https://developers.weixin.qq.com/doc/oplatform/developers/errCode/errCode.html
 */
export const MENU_ERRCODES: Readonly<Record<number, string>> = {
  40007: 'a media_id button names no permanent material of the account',
  40016: 'not 1 to 3 top-level buttons',
  40017: 'a button has a type WeChat does not know',
  40018: 'a button name is empty or too long (16 bytes at the top level, 60 in a sub-menu)',
  40019: 'a button key is empty or over 128 bytes',
  40020: 'a button url is over 1024 bytes',
  40023: 'a sub-menu has not 1 to 5 buttons',
  40027: 'a sub-menu button url is over 1024 bytes',
  40054: 'a sub-menu button url is not an http(s) URL, or its domain is refused',
  40055: 'a top-level button url is not an http(s) URL, or its domain is refused',
  40165: 'a miniprogram button has no (valid) pagepath',
  45064: 'a miniprogram button names a mini program not linked to this account',
  46003: 'the account has no menu',
  65301: 'no personalised menu has that menuid',
  65303: 'a personalised menu needs a default menu first',
  65304: 'a personalised menu has an empty matchrule',
  65305: 'the account has as many personalised menus as WeChat allows',
  65308: 'a button has neither a type nor sub-buttons',
  65316: 'the menus link to more than 3 domains',
  65320: 'a matchrule uses sex, country, province, city or language, which WeChat no longer accepts',
};
