/**
 * Every control character: C0, DEL and C1 (ESC, 0x1b, and CSI, 0x9b, start a terminal's
 * escape sequences); the bidirectional controls, which reorder what is shown (U+200E,
 * U+200F, U+202A–U+202E, U+2066–U+2069); and the line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex -- control characters are what is escaped
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
/** The same but line feed and tab, for output whose line breaks are the command's own. */
// eslint-disable-next-line no-control-regex -- as above
const CONTROLS_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * Text from outside (WeChat's answers, a file, an error's message) made safe to print:
 * each control character is shown as `\u001b`, so no escape sequence (colours, an OSC
 * title or link, a cursor move, a screen clear) reaches the terminal. The notation is
 * JSON's, so a string escaped inside JSON output stays valid JSON with the same value.
 * `lines: true` keeps line feeds and tabs, for output laid out in lines by the command.
 */
export function printable(text: string, { lines = false }: { readonly lines?: boolean } = {}): string {
  return text.replace(lines ? CONTROLS_BUT_LINES : CONTROLS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
