import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { nextSequence, plainRequest, textXml, userOf, type Outgoing } from './messages.js';

/**
 * The `ours, 100 keyword rules` target: our server with a replies file of 100 keyword
 * rules, as an owner who moved the console's auto-replies into it writes one (70 exact,
 * 20 contains, 10 regex, interleaved, plus a welcome, scenes, menu keys and a catch-all),
 * and text messages that only late rules match: the worst case of the matcher, which
 * tries every contains and regex rule before the exact match's place in the file.
 */

export const KEYWORD_RULES = 100;

const isContains = (i: number): boolean => i % 10 === 4;
const isRegex = (i: number): boolean => i % 10 === 7;

/** The reply of exact and contains rule `i`. */
const ruleReply = (i: number): string => `第${i}条自动回复：感谢您的留言，详情请点击菜单「服务」查看，或回复“人工”联系客服。`;
/** The reply of regex rule `i` to order number `n` (the rule's `$1`). */
const orderReply = (i: number, n: string): string => `订单${i}的第 ${n} 号已收到，我们会在 24 小时内处理。`;

function rule(i: number): string {
  if (isContains(i)) return `  - contains: [优惠券${i}号, coupon${i}x]\n    reply: ${ruleReply(i)}\n`;
  if (isRegex(i)) return `  - regex: '^订单${i}[：:]\\s*(\\d{1,12})$'\n    reply: '${orderReply(i, '$1')}'\n`;
  return `  - exact: [会员${i}, VIP${i}]\n    reply: ${ruleReply(i)}\n`;
}

function repliesYaml(): string {
  const rules = Array.from({ length: KEYWORD_RULES }, (_, i) => rule(i)).join('');
  return [
    'subscribe: 欢迎关注！回复“会员1”查看会员权益。',
    'scenes:',
    '  store1: 欢迎光临一号店',
    '  store2: 欢迎光临二号店',
    'click:',
    '  MENU_SERVICE: 客服时间：工作日 9:00–18:00',
    'keywords:',
    rules.trimEnd(),
    'message: 收到，我们会尽快回复您。',
    '',
  ].join('\n');
}

const LAST_EXACT = KEYWORD_RULES - 1;
const LATE_CONTAINS = KEYWORD_RULES - 6;
const LATE_REGEX = KEYWORD_RULES - 3;
if (isContains(LAST_EXACT) || isRegex(LAST_EXACT) || !isContains(LATE_CONTAINS) || !isRegex(LATE_REGEX)) {
  throw new Error('keyword-replies: the matched rules are not of the kinds meant');
}

/** Writes the replies file into a fresh temporary folder; `remove` deletes the folder. */
export function writeKeywordReplies(): { file: string; remove(): void } {
  const dir = mkdtempSync(join(os.tmpdir(), 'wechat-bench-'));
  const file = join(dir, 'replies.yaml');
  writeFileSync(file, repliesYaml());
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A text message with a fresh MsgId that a late rule answers, in turn: the 100th rule
 * (exact, in other letter case and with spaces), the last contains rule but one, and the
 * last regex rule, whose reply carries the message's own number.
 */
export function freshKeywordMessage(): Outgoing {
  const seq = nextSequence();
  const user = userOf(seq);
  let content: string;
  let reply: string;
  switch (seq % 3) {
    case 0:
      content = ` Vip${LAST_EXACT} `;
      reply = ruleReply(LAST_EXACT);
      break;
    case 1:
      content = `请问优惠券${LATE_CONTAINS}号还能用吗？这是我第${seq}次问了`;
      reply = ruleReply(LATE_CONTAINS);
      break;
    default:
      content = `订单${LATE_REGEX}：${seq}`;
      reply = orderReply(LATE_REGEX, String(seq));
  }
  const xml = textXml(seq, user, content);
  return { ...plainRequest(xml, user, seq), expect: { user, content: reply, safe: false } };
}
