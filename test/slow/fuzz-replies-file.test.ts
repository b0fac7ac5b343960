import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { compileReplies } from '../../src/replies-file/compile.js';
import { parseReplies } from '../../src/replies-file/load.js';
import { toMessage } from '../../src/protocol/to-message.js';

const example = readFileSync(new URL('../../replies.example.yaml', import.meta.url), 'utf8');
const SEED = 20261204;

const probes = [
  toMessage({ ToUserName: 'gh_a', FromUserName: 'o1', CreateTime: '1', MsgType: 'text', Content: '帮助', MsgId: '1' }),
  toMessage({ ToUserName: 'gh_a', FromUserName: 'o1', CreateTime: '1', MsgType: 'text', Content: '订单 123', MsgId: '2' }),
  toMessage({ ToUserName: 'gh_a', FromUserName: 'o1', CreateTime: '1', MsgType: 'event', Event: 'subscribe' }),
  toMessage({ ToUserName: 'gh_a', FromUserName: 'o1', CreateTime: '1', MsgType: 'event', Event: 'CLICK', EventKey: 'K' }),
];

/**
 * Whatever the text, loading it gives a compiled file or problems, each one line; a
 * file that loads compiles and answers without throwing. Anything else (an exception,
 * a stack trace in a problem) fails the property.
 */
function loadsOrExplains(source: string): void {
  const loaded = parseReplies(source, 'replies.yaml');
  if (!loaded.ok) {
    assert.ok(loaded.problems.length > 0);
    for (const problem of loaded.problems) assert.ok(!problem.includes('\n') && problem.startsWith('replies.yaml'), problem);
    return;
  }
  const compiled = compileReplies(loaded.data);
  for (const message of probes) void compiled.replyTo(message);
}

describe('fuzzing the replies-file loader', () => {
  it('every truncation of the shipped example loads or explains itself', () => {
    for (let end = 0; end <= example.length; end += 2) loadsOrExplains(example.slice(0, end));
  });

  it('the example with random characters changed loads or explains itself', () => {
    const edit = fc.record({
      at: fc.nat({ max: example.length }),
      cut: fc.nat({ max: 8 }),
      insert: fc.string({ maxLength: 8, unit: 'binary' }),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let source = example;
        for (const { at, cut, insert } of edits) source = source.slice(0, at) + insert + source.slice(at + cut);
        loadsOrExplains(source);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('random text and random YAML values load or explain themselves', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'binary' }), loadsOrExplains), { seed: SEED, numRuns: 1500 });
    const reply = fc.oneof(
      fc.string(),
      fc.constant(null),
      fc.record({ type: fc.constantFrom('text', 'image', 'news', 'music'), content: fc.string() }, { requiredKeys: ['type'] }),
    );
    const rule = fc.record(
      { exact: fc.string(), contains: fc.array(fc.string()), regex: fc.string({ maxLength: 30 }), reply },
      { requiredKeys: [] },
    );
    const file = fc.oneof(
      fc.anything(),
      fc.record(
        { subscribe: reply, keywords: fc.array(rule, { maxLength: 5 }), click: fc.dictionary(fc.string(), reply), message: reply },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(file, (value) => loadsOrExplains(String(stringify(value) ?? ''))),
      { seed: SEED, numRuns: 1500 },
    );
  });
});
