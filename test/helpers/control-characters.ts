/**
 * A control character a terminal could act on: C0 but line feed and tab, DEL, and C1
 * (0x9b is the one-byte CSI). Output from outside text must contain none.
 */
// eslint-disable-next-line no-control-regex -- control characters are what is looked for
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
