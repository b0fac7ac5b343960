import { compileReplies, type CompiledReplies } from '../src/replies-file/compile.js';
import { parseReplies } from '../src/replies-file/load.js';
import type { TextMessage } from '../src/protocol/message-types.js';

/**
 * `npm run bench:replies`: what matching a text message against a replies file costs,
 * in process, for the files an owner with many keywords writes. The budget line: each
 * case costs at most 10 µs a message, a small part of the ~140 µs of CPU a whole
 * request takes (BENCHMARKS.md), so that keywords cannot break the request budget.
 */

const BUDGET_MICROS = 10;
const ITERATIONS = 200_000;

function yamlOf(rules: readonly string[]): string {
  return `keywords:\n${rules.join('')}message: 收到\n`;
}
const exact = (i: number) => `  - exact: [关键词${i}, keyword${i}]\n    reply: 回复${i}\n`;
const contains = (i: number) => `  - contains: 包含${i}\n    reply: 回复${i}\n`;
const regex = (i: number) => `  - regex: '^订单${i}\\s*(\\d+)$'\n    reply: 订单 $1\n`;

/** 100 rules: 70 exact, 20 contains, 10 regex, interleaved. */
const mixed = Array.from({ length: 100 }, (_, i) => (i % 10 === 9 ? regex(i) : i % 5 === 4 ? contains(i) : exact(i)));
const thousandExact = [...Array.from({ length: 1000 }, (_, i) => exact(i)), ...Array.from({ length: 10 }, (_, i) => contains(i))];

interface Case {
  readonly name: string;
  readonly rules: readonly string[];
  readonly content: string;
  readonly expect: string;
}

const CASES: readonly Case[] = [
  { name: '100 mixed rules, matched by the last exact rule', rules: mixed, content: 'KEYWORD98', expect: '回复98' },
  { name: '100 mixed rules, matched by the last regex rule', rules: mixed, content: '订单99 12345', expect: '订单 12345' },
  { name: '100 mixed rules, no rule matches (catch-all)', rules: mixed, content: '今天天气怎么样，有没有新品推荐', expect: '收到' },
  { name: '1,000 exact rules + 10 contains, matched by exact rule 999', rules: thousandExact, content: ' 关键词999 ', expect: '回复999' },
  { name: '1,000 exact rules + 10 contains, no rule matches', rules: thousandExact, content: '随便说点什么', expect: '收到' },
];

function compile(rules: readonly string[]): CompiledReplies {
  const loaded = parseReplies(yamlOf(rules), 'bench.yaml');
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  return compileReplies(loaded.data);
}

function message(content: string): TextMessage {
  return { ToUserName: 'gh_a', FromUserName: 'o_u', CreateTime: '1', MsgType: 'text', Content: content, MsgId: '1', raw: {} };
}

function run(testCase: Case): number {
  const replies = compile(testCase.rules);
  const incoming = message(testCase.content);
  const reply = replies.replyTo(incoming);
  if (reply === null || reply === undefined || !('content' in reply) || reply.content !== testCase.expect) {
    throw new Error(`${testCase.name}: wrong reply ${JSON.stringify(reply)}`);
  }
  for (let i = 0; i < ITERATIONS / 10; i++) void replies.replyTo(incoming);
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) void replies.replyTo(incoming);
  return Number(process.hrtime.bigint() - started) / 1000 / ITERATIONS;
}

const lines = ['| case | µs per message |', '| --- | ---: |'];
let pass = true;
for (const testCase of CASES) {
  const micros = run(testCase);
  pass &&= micros <= BUDGET_MICROS;
  lines.push(`| ${testCase.name} | ${micros.toFixed(2)} |`);
}
lines.push('', `- ${pass ? 'PASS' : 'FAIL'} every case ≤ ${BUDGET_MICROS} µs per message`);
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = pass ? 0 : 1;
