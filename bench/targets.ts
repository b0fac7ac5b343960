import { fileURLToPath } from 'node:url';

/** The server processes compared; each serves plaintext and (except bare) safe mode. */
export type ServerName = 'ours' | 'node-webot' | 'co-wechat' | 'bare';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const script = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
/** Servers run here: a folder without a .env, so a developer's .env cannot change them. */
export const SERVERS_DIR = script('./servers/');

/** `node <args>` for each server. */
export const SERVER_ARGS: Readonly<Record<ServerName, readonly string[]>> = {
  ours: [fileURLToPath(new URL('../dist/server.js', import.meta.url))],
  'node-webot': [script('./servers/node-webot.mjs')],
  'co-wechat': [script('./servers/co-wechat.mjs')],
  bare: [script('./servers/bare.mjs')],
};

/** One line of the table: a server in one mode. */
export interface Target {
  readonly label: string;
  readonly server: ServerName;
  readonly safe: boolean;
}

export const TARGETS: readonly Target[] = [
  { label: 'ours', server: 'ours', safe: false },
  { label: 'node-webot', server: 'node-webot', safe: false },
  { label: 'co-wechat', server: 'co-wechat', safe: false },
  { label: 'bare', server: 'bare', safe: false },
  { label: 'ours --aes', server: 'ours', safe: true },
  { label: 'node-webot aes', server: 'node-webot', safe: true },
  { label: 'co-wechat aes', server: 'co-wechat', safe: true },
];
