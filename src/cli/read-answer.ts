import { RejectedResponseError } from '../testing/rejected-response-error.js';

/** What the simulator reads of one answer at most: WeChat takes far less. */
export const MAX_ANSWER_BYTES = 256 * 1024;

/** The body of an answer, at most MAX_ANSWER_BYTES of it; more is a RejectedResponseError. */
export async function readAnswer(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let part = await reader.read(); !part.done; part = await reader.read()) {
    size += part.value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new RejectedResponseError(`the server's answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(part.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
