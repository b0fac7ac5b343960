/**
 * A copy of `text` that refers to no other string. A string cut from a request (a query
 * parameter, a message's field) may be a slice that keeps the whole request alive: one
 * kept for minutes or hours (a conversation's key, a used OAuth state) would then cost
 * kilobytes instead of its own few bytes. UTF-16 copies every string exactly, lone
 * surrogates included.
 */
export const detached = (text: string): string => Buffer.from(text, 'utf16le').toString('utf16le');
