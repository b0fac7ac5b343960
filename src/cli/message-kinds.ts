/** The simulator's message kinds (`text`, `subscribe`, `click`…): the fields each builds, and who the two parties are. */
import type { EventMessage, WeChatMessage } from '../protocol/message-types.js';

/** The two parties of a simulated conversation: the user unless `--from` names another. */
export const ACCOUNT = 'gh_simulated_account';
export const USER = 'o_simulated_user_openid';

/** An openid as WeChat writes them (28 letters, digits, `-` and `_`), with room for made-up ones. */
const OPENID = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether `value` can stand for a user: what `--from` accepts. */
export function isOpenId(value: string): boolean {
  return OPENID.test(value);
}

/** A simulated message's fields: its MsgType and Event are the protocol's own. */
type SimulatedFields = { readonly MsgType: WeChatMessage['MsgType']; readonly Event?: EventMessage['Event'] } & Record<string, string>;

/** A message kind of the simulator (a command word, not a routing key), and how to build its fields. */
const KINDS: Readonly<Record<string, { usage: string; fields(args: string[]): SimulatedFields | undefined }>> = {
  text: { usage: 'text <content>', fields: (args) => (args.length > 0 ? { MsgType: 'text', Content: args.join(' ') } : undefined) },
  voice: {
    usage: 'voice [recognition]',
    fields: (args) => ({
      MsgType: 'voice',
      MediaId: 'simulated_voice_media_id',
      Format: 'amr',
      ...(args.length > 0 ? { Recognition: args.join(' ') } : {}),
    }),
  },
  image: {
    usage: 'image <mediaId>',
    fields: ([mediaId]) => (mediaId ? { MsgType: 'image', PicUrl: 'http://mmbiz.qpic.cn/simulated.jpg', MediaId: mediaId } : undefined),
  },
  subscribe: {
    usage: 'subscribe [scene]',
    fields: ([scene]) => ({
      MsgType: 'event',
      Event: 'subscribe',
      ...(scene ? { EventKey: `qrscene_${scene}`, Ticket: 'simulated_ticket' } : {}),
    }),
  },
  scan: {
    usage: 'scan <scene>',
    fields: ([scene]) => (scene ? { MsgType: 'event', Event: 'SCAN', EventKey: scene, Ticket: 'simulated_ticket' } : undefined),
  },
  unsubscribe: { usage: 'unsubscribe', fields: () => ({ MsgType: 'event', Event: 'unsubscribe' }) },
  // A menu's buttons: click sends its key, view the URL it opens.
  click: { usage: 'click <key>', fields: ([key]) => (key ? { MsgType: 'event', Event: 'CLICK', EventKey: key } : undefined) },
  view: { usage: 'view <url>', fields: ([url]) => (url ? { MsgType: 'event', Event: 'VIEW', EventKey: url } : undefined) },
  location: {
    usage: 'location <x> <y> <label>',
    fields: ([x, y, ...label]) =>
      x && y && label.length > 0 ? { MsgType: 'location', Location_X: x, Location_Y: y, Scale: '15', Label: label.join(' ') } : undefined,
  },
};

export const USAGE = Object.values(KINDS).map((kind) => kind.usage);

/** The fields of a message of `kind`, or undefined when the arguments do not fit. */
export function simulatedFields(kind: string, args: string[]): SimulatedFields | undefined {
  return Object.hasOwn(KINDS, kind) ? KINDS[kind]?.fields(args) : undefined;
}
