// node-webot's `wechat` middleware on Express 5, set up as its README shows, echoing
// the text Content. (`express.query()` from the README is gone in Express 5; req.query
// is built in.) With appid and encodingAESKey it answers plaintext and safe mode alike.
import process from 'node:process';
import express from 'express';
import wechat from 'wechat';

const config = {
  token: process.env.WECHAT_TOKEN,
  appid: process.env.WECHAT_APPID,
  encodingAESKey: process.env.WECHAT_ENCODING_AES_KEY,
};

const app = express();
app.use(
  process.env.WECHAT_PATH ?? '/wechat',
  wechat(config, function (req, res) {
    const message = req.weixin;
    res.reply(message.Content);
  }),
);
app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
