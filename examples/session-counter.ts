// The README's handler example, compiled by `npm run typecheck` (test/readme.test.ts holds
// the README's copy to this file): each follower's messages are counted in their session.
import { createApp, createReplyRouter, loadConfig } from '../src/index.js';

const router = createReplyRouter<{ count: number }>().on('text', async (message, { session }) => {
  const count = ((await session.get())?.count ?? 0) + 1;
  await session.set({ count });
  return { type: 'text', content: `第 ${count} 条消息：${message.Content}` };
});

createApp(loadConfig(process.env), { router }).listen(8080);
