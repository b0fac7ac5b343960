// co-wechat on Koa 2, set up as its README shows, echoing the text Content. With appid
// and encodingAESKey it answers plaintext and safe mode alike.
import process from 'node:process';
import Koa from 'koa';
import wechat from 'co-wechat';

const config = {
  token: process.env.WECHAT_TOKEN,
  appid: process.env.WECHAT_APPID,
  encodingAESKey: process.env.WECHAT_ENCODING_AES_KEY,
};

const app = new Koa();
app.use(
  wechat(config).middleware(async (message) => {
    return message.Content;
  }),
);
app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
