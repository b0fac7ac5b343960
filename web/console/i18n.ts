import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/**
 * Every string the console shows, Chinese first, English beside it. A text takes
 * parameters as `{name}`; `t` fills them in (as text: nothing here is ever HTML).
 */
const zh = {
  appTitle: '公众号控制台',
  loading: '加载中…',
  loadFailed: '加载失败：{error}',
  retry: '重试',
  signedOut: '登录已失效。',
  signIn: '重新登录',
  requestFailed: '请求失败（HTTP {status}）',
  networkError: '网络错误，请检查连接',
  navLabel: '页面',
  navOverview: '概览',
  navLive: '实时消息',
  navReplies: '自动回复',
  navMenu: '菜单',
  accountLabel: '公众号',
  noAccounts: '（无）',
  signedInAs: '当前身份：{key}',
  signOut: '退出登录',
  langSwitch: 'English',
  langSwitchLabel: 'Switch to English',
  unsavedSwitchAccount: '自动回复有未保存的修改，切换公众号会丢弃它们。继续吗？',

  overviewTitle: '概览',
  updatedAt: '更新于 {time}，每 10 秒刷新',
  refresh: '立即刷新',
  health: '健康状态',
  healthStatus: '状态',
  statusOk: '正常',
  statusDegraded: '降级',
  redis: 'Redis',
  redisUp: '在线',
  redisDown: '离线',
  redisNone: '未使用',
  token: '接口凭证（access_token）',
  tokenAge: '剩余有效期',
  tokenNone: '尚未获取',
  tokenRefreshes: '刷新次数',
  messages: '消息（每分钟）',
  noMessages: '最近没有消息',
  errcodes: '微信错误码',
  noErrcodes: '没有错误',
  errcode: '错误码',
  count: '次数',
  seconds: '{s} 秒',
  minutes: '{m} 分 {s} 秒',
  hours: '{h} 小时 {m} 分',

  outcome_reply: '已回复',
  'outcome_no-reply': '不回复',
  'outcome_long-text': '长文本（稍后发送）',
  outcome_deadline: '超时',
  'outcome_handler-error': '处理出错',
  outcome_retry: '微信重试（按原样回答）',
  outcome_repeated: '重复消息',
  'outcome_store-error': '存储出错',
  outcome_refused: '已拒绝',
  'outcome_internal-error': '内部错误',

  liveTitle: '实时消息',
  liveConnecting: '正在连接…',
  liveConnected: '已连接，新消息显示在最上面（最多 200 条）',
  liveDisconnected: '连接已断开',
  reconnect: '重新连接',
  clear: '清空列表',
  liveEmpty: '还没有消息',
  liveListLabel: '最近的消息',
  from: '来自 {openid}',
  took: '{ms} 毫秒',
  received: '收到',
  replied: '回复',
  noReply: '（不回复）',
  replay: '重放',
  replayLabel: '在模拟器中重放：{content}',

  repliesTitle: '自动回复',
  repliesFile: '规则文件：{file}',
  repliesNoFile: '这个公众号没有自动回复文件，这里没有可以编辑的规则。',
  editorLabel: '规则（YAML）',
  editorHint: 'Tab 插入两个空格；先按 Esc 再按 Tab 可以离开编辑器。',
  checking: '检查中…',
  noProblems: '没有问题',
  problemsCount: '{n} 个问题',
  problemLine: '第 {line} 行',
  problemGoTo: '跳到第 {line} 行',
  checkFailed: '检查失败：{error}',
  save: '保存',
  saving: '保存中…',
  saved: '已保存（{time}）',
  notSavedInvalid: '未保存：规则有问题，见编辑器下方。',
  conflict: '未保存：在你加载之后，有人保存了这个文件。{error}',
  reloadDiscard: '重新加载（丢弃我的修改）',
  instancesTitle: '各实例已加载的版本',
  instanceCurrent: '与文件一致',
  instanceBehind: '尚未加载最新文件',
  instanceNone: '未加载回复文件',
  reloadConfirm: '重新加载会丢弃你的修改。继续吗？',
  saveFailed: '保存失败：{error}',
  unsaved: '有未保存的修改',

  phoneTitle: '回复预览',
  phoneHint: '按编辑器里的规则（不论是否已保存）回答。',
  phoneConversation: '对话',
  phoneEmpty: '发一条消息，看看公众号怎么回答。',
  phoneInputLabel: '粉丝发的消息',
  phonePlaceholder: '输入消息…',
  send: '发送',
  follow: '关注',
  followed: '（关注了公众号）',
  follower: '粉丝：',
  account: '公众号：',
  waiting: '等待回答…',
  previewFailed: '预览失败：{error}',

  menuTitle: '自定义菜单',
  menuFile: '菜单文件：{file}',
  menuNoFile: '这个公众号没有菜单文件，这里没有可以编辑的菜单。',
  menuNotEditable: '菜单文件无法在这里编辑（不是菜单 JSON），请先手工修正：',
  menuEditorLabel: '默认菜单',
  menuConditional: '{n} 个个性化菜单保留不变',
  menuEmpty: '还没有按钮。',
  menuAddButton: '添加一级菜单',
  menuAddSub: '添加子菜单项',
  menuButtonLegend: '一级菜单 {n}',
  menuSubLegend: '子菜单 {n}.{m}',
  menuName: '名称',
  menuType: '类型',
  menuTypeSub: '子菜单（不带类型）',
  menuMoveUp: '上移',
  menuMoveDown: '下移',
  menuRemove: '删除',
  menuMoveUpLabel: '上移“{name}”',
  menuMoveDownLabel: '下移“{name}”',
  menuRemoveLabel: '删除“{name}”',
  menuUnnamed: '（未命名）',
  menuHintTop: '一级菜单有 {n} 个，微信最多 3 个',
  menuHintSub: '“{name}”有 {n} 个子菜单项，微信最多 5 个',
  menuHintNoSub: '“{name}”还没有子菜单项',
  menuHintBytes: '{path}：名称 {n} 字节，超过 {limit} 字节',
  menuUnsavedSwitchAccount: '菜单有未保存的修改，切换公众号会丢弃它们。继续吗？',
  menuPreviewTitle: '菜单预览',
  menuPreviewHint: '编辑器里的菜单（不论是否已保存）在手机底部的样子。',
  menuCompare: '与微信对比',
  menuComparing: '对比中…',
  menuSame: '与微信一致',
  menuDifferent: '与微信不同之处（{n} 处）：',
  menuDiffHint: '对比的是编辑器里的菜单（包括未保存的修改）。',
  menuCompareFailed: '无法对比：{error}',
  menuAbsent: '（无）',
  menuPush: '发布到微信…',
  menuPushHint: '只发布已保存的版本；先保存修改再发布。',
  menuPushTitle: '发布菜单到微信',
  menuPushWhat: '将要发布已保存的菜单文件（版本 {hash}）：',
  menuPushConfirm: '确认发布',
  menuPushCancel: '取消',
  menuPushing: '发布中…',
  menuPushed: '已发布到微信（{time}）',
  menuPushFailed: '发布失败：{error}',
  navSend: '发送',
  navUsers: '用户',
  sendTitle: '发送消息',
  sendKind: '消息类型',
  sendKindTemplate: '模板消息',
  sendKindCustom: '客服消息（文本）',
  sendTemplate: '模板',
  sendTemplateChoose: '（选择模板）',
  sendTemplatesFailed: '无法加载模板：{error}',
  sendTemplateNone: '该公众号没有模板消息。',
  sendOpenid: '接收者 openid',
  sendUrl: '跳转链接（可选）',
  sendContent: '内容',
  sendCheck: '检查',
  sendChecking: '检查中…',
  sendCheckHint: '检查不会发送任何消息；检查通过后才能发送，修改任何内容后需重新检查。',
  sendPreviewLabel: '将要发送的内容：',
  sendPieces: '将分 {n} 条发送',
  sendSubmit: '发送',
  sendSending: '发送中…',
  sendSent: '已发送（msgid {msgid}）',
  sendSentPieces: '已发送（{n} 条）',
  sendFailed: '发送失败：{error}',
  sendCheckFailed: '检查未通过：{error}',
  usersTitle: '用户',
  userOpenid: 'openid',
  userLookup: '查询',
  userLooking: '查询中…',
  userNotFound: '未找到该用户',
  userFailed: '查询失败：{error}',
  userLater: '会话状态、48 小时客服窗口和订阅授权将在后续版本显示。',
  userSubscribed: '已关注',
  userNotSubscribed: '未关注',
};

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  appTitle: 'Official Account console',
  loading: 'Loading…',
  loadFailed: 'Could not load: {error}',
  retry: 'Retry',
  signedOut: 'You are signed out.',
  signIn: 'Sign in again',
  requestFailed: 'Request failed (HTTP {status})',
  networkError: 'Network error: check the connection',
  navLabel: 'Pages',
  navOverview: 'Overview',
  navLive: 'Live messages',
  navReplies: 'Auto-replies',
  navMenu: 'Menu',
  accountLabel: 'Account',
  noAccounts: '(none)',
  signedInAs: 'Signed in as {key}',
  signOut: 'Sign out',
  langSwitch: '中文',
  langSwitchLabel: '切换到中文',
  unsavedSwitchAccount: 'The auto-replies have unsaved changes; switching accounts discards them. Continue?',

  overviewTitle: 'Overview',
  updatedAt: 'Updated {time}; refreshes every 10 s',
  refresh: 'Refresh now',
  health: 'Health',
  healthStatus: 'Status',
  statusOk: 'OK',
  statusDegraded: 'Degraded',
  redis: 'Redis',
  redisUp: 'up',
  redisDown: 'down',
  redisNone: 'not used',
  token: 'Access token',
  tokenAge: 'Expires in',
  tokenNone: 'not fetched yet',
  tokenRefreshes: 'Refreshes',
  messages: 'Messages per minute',
  noMessages: 'No recent messages',
  errcodes: 'WeChat error codes',
  noErrcodes: 'None',
  errcode: 'errcode',
  count: 'Count',
  seconds: '{s} s',
  minutes: '{m} min {s} s',
  hours: '{h} h {m} min',

  outcome_reply: 'replied',
  'outcome_no-reply': 'no reply',
  'outcome_long-text': 'long text (sent later)',
  outcome_deadline: 'deadline',
  'outcome_handler-error': 'handler error',
  outcome_retry: 'WeChat retry (answered as before)',
  outcome_repeated: 'repeated',
  'outcome_store-error': 'store error',
  outcome_refused: 'refused',
  'outcome_internal-error': 'internal error',

  liveTitle: 'Live messages',
  liveConnecting: 'Connecting…',
  liveConnected: 'Connected; the newest message is on top (at most 200)',
  liveDisconnected: 'Disconnected',
  reconnect: 'Reconnect',
  clear: 'Clear the list',
  liveEmpty: 'No messages yet',
  liveListLabel: 'Recent messages',
  from: 'from {openid}',
  took: '{ms} ms',
  received: 'Received',
  replied: 'Reply',
  noReply: '(no reply)',
  replay: 'Replay in simulator',
  replayLabel: 'Replay in simulator: {content}',

  repliesTitle: 'Auto-replies',
  repliesFile: 'Rules file: {file}',
  repliesNoFile: 'This account has no replies file: there are no rules to edit here.',
  editorLabel: 'Rules (YAML)',
  editorHint: 'Tab inserts two spaces; press Esc, then Tab, to leave the editor.',
  checking: 'Checking…',
  noProblems: 'No problems',
  problemsCount: '{n} problem(s)',
  problemLine: 'Line {line}',
  problemGoTo: 'Go to line {line}',
  checkFailed: 'Could not check: {error}',
  save: 'Save',
  saving: 'Saving…',
  saved: 'Saved ({time})',
  notSavedInvalid: 'Not saved: the rules have problems (listed below the editor).',
  conflict: 'Not saved: someone saved this file after you loaded it. {error}',
  reloadDiscard: 'Reload (discard my changes)',
  instancesTitle: 'Version each instance serves',
  instanceCurrent: 'same as the file',
  instanceBehind: 'not yet the file on disk',
  instanceNone: 'no replies file loaded',
  reloadConfirm: 'Reloading discards your changes. Continue?',
  saveFailed: 'Could not save: {error}',
  unsaved: 'Unsaved changes',

  phoneTitle: 'Reply preview',
  phoneHint: 'Answers with the rules in the editor, saved or not.',
  phoneConversation: 'Conversation',
  phoneEmpty: 'Send a message to see how the account answers.',
  phoneInputLabel: "The follower's message",
  phonePlaceholder: 'Type a message…',
  send: 'Send',
  follow: 'Follow',
  followed: '(followed the account)',
  follower: 'Follower: ',
  account: 'Account: ',
  waiting: 'Waiting for the answer…',
  previewFailed: 'Preview failed: {error}',

  menuTitle: 'Custom menu',
  menuFile: 'Menu file: {file}',
  menuNoFile: 'This account has no menu file: there is no menu to edit here.',
  menuNotEditable: 'The menu file cannot be edited here (it is not a menu in JSON); fix it by hand first:',
  menuEditorLabel: 'Default menu',
  menuConditional: '{n} personalised menu(s) kept as they are',
  menuEmpty: 'No buttons yet.',
  menuAddButton: 'Add a top-level button',
  menuAddSub: 'Add a sub-button',
  menuButtonLegend: 'Button {n}',
  menuSubLegend: 'Sub-button {n}.{m}',
  menuName: 'Name',
  menuType: 'Type',
  menuTypeSub: 'Sub-menu (no type)',
  menuMoveUp: 'Up',
  menuMoveDown: 'Down',
  menuRemove: 'Remove',
  menuMoveUpLabel: 'Move “{name}” up',
  menuMoveDownLabel: 'Move “{name}” down',
  menuRemoveLabel: 'Remove “{name}”',
  menuUnnamed: '(unnamed)',
  menuHintTop: '{n} top-level buttons: WeChat takes at most 3',
  menuHintSub: '“{name}” has {n} sub-buttons: WeChat takes at most 5',
  menuHintNoSub: '“{name}” has no sub-button yet',
  menuHintBytes: '{path}: the name is {n} bytes, over the {limit} allowed',
  menuUnsavedSwitchAccount: 'The menu has unsaved changes; switching accounts discards them. Continue?',
  menuPreviewTitle: 'Menu preview',
  menuPreviewHint: 'The menu in the editor, saved or not, as the bottom of the chat shows it.',
  menuCompare: 'Compare with WeChat',
  menuComparing: 'Comparing…',
  menuSame: 'Same as WeChat',
  menuDifferent: 'Differences from WeChat ({n}):',
  menuDiffHint: 'Compares the menu in the editor, unsaved changes included.',
  menuCompareFailed: 'Could not compare: {error}',
  menuAbsent: '(none)',
  menuPush: 'Push to WeChat…',
  menuPushHint: 'Pushes the saved version only: save your changes first.',
  menuPushTitle: 'Push the menu to WeChat',
  menuPushWhat: 'This pushes the saved menu file (version {hash}):',
  menuPushConfirm: 'Push it',
  menuPushCancel: 'Cancel',
  menuPushing: 'Pushing…',
  menuPushed: 'Pushed to WeChat ({time})',
  menuPushFailed: 'Could not push: {error}',
  navSend: 'Send',
  navUsers: 'Users',
  sendTitle: 'Send a message',
  sendKind: 'Kind of message',
  sendKindTemplate: 'Template message',
  sendKindCustom: 'Customer-service text',
  sendTemplate: 'Template',
  sendTemplateChoose: '(choose a template)',
  sendTemplatesFailed: 'Could not load the templates: {error}',
  sendTemplateNone: 'The account has no template messages.',
  sendOpenid: 'Recipient openid',
  sendUrl: 'Link (optional)',
  sendContent: 'Content',
  sendCheck: 'Check',
  sendChecking: 'Checking…',
  sendCheckHint: 'Checking sends nothing. Send is enabled after a successful check; any change needs a new check.',
  sendPreviewLabel: 'What will go out:',
  sendPieces: 'Will go out as {n} messages',
  sendSubmit: 'Send',
  sendSending: 'Sending…',
  sendSent: 'Sent (msgid {msgid})',
  sendSentPieces: 'Sent ({n} messages)',
  sendFailed: 'Could not send: {error}',
  sendCheckFailed: 'The check failed: {error}',
  usersTitle: 'Users',
  userOpenid: 'openid',
  userLookup: 'Look up',
  userLooking: 'Looking up…',
  userNotFound: 'No such follower of this account',
  userFailed: 'Could not look up: {error}',
  userLater: 'Conversation state, the 48-hour window and grants come in a later version.',
  userSubscribed: 'subscribed',
  userNotSubscribed: 'not subscribed',
};

export type Lang = 'zh' | 'en';

const MESSAGES: Record<Lang, Record<MessageKey, string>> = { zh, en };

/** The value of `<html lang>` for each language. */
export const HTML_LANG: Record<Lang, string> = { zh: 'zh-CN', en: 'en' };

export type Params = Record<string, string | number>;

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const text = MESSAGES[lang][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

const STORAGE_KEY = 'wechat-console.lang';

/** The language chosen earlier in this browser; Chinese when none (or storage is off). */
export function storedLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export function storeLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Storage off (private mode, a policy): the choice lasts until the page reloads.
  }
}

export interface I18n {
  lang: Lang;
  t: (key: MessageKey, params?: Params) => string;
}

export function i18nFor(lang: Lang): I18n {
  return { lang, t: (key, params) => translate(lang, key, params) };
}

export const I18nContext = createContext<I18n>(i18nFor('zh'));

export function useI18n(): I18n {
  return useContext(I18nContext);
}

/** The label of an outcome: known ones translated, an unknown one as the server wrote it. */
export function outcomeLabel(i18n: I18n, outcome: string): string {
  const key = `outcome_${outcome}`;
  return key in zh ? i18n.t(key as MessageKey) : outcome;
}

/** A clock time in the language's convention. */
export function formatTime(lang: Lang, date: Date): string {
  return date.toLocaleTimeString(HTML_LANG[lang], { hour12: false });
}

/** How long ago, roughly: "42 秒", "3 分 5 秒", "2 小时 10 分". */
export function formatDuration(i18n: I18n, totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  if (seconds < 60) return i18n.t('seconds', { s: seconds });
  if (seconds < 3600) return i18n.t('minutes', { m: Math.floor(seconds / 60), s: seconds % 60 });
  return i18n.t('hours', { h: Math.floor(seconds / 3600), m: Math.floor((seconds % 3600) / 60) });
}
