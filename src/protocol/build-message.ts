import { cdata } from './build-reply.js';

/**
 * Serializes a flat message as WeChat pushes one: strings in CDATA, numbers bare
 * (`CreateTime`, `MsgId`). Used by the simulator to play WeChat's side.
 */
export function buildMessageXml(fields: Readonly<Record<string, string | number | bigint>>): string {
  let xml = '<xml>';
  for (const [name, value] of Object.entries(fields)) {
    xml += `<${name}>${typeof value === 'string' ? cdata(value) : String(value)}</${name}>`;
  }
  return `${xml}</xml>`;
}
