// Characters XML 1.0 forbids. Users' clients have sent them inside text; they are
// dropped so that the message is still answered (docs/reference.md, "Parsing").
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Removes the characters XML 1.0 does not allow, leaving every other one as it is. */
export function dropForbiddenCharacters(text: string): string {
  FORBIDDEN_CHARACTERS.lastIndex = 0;
  return FORBIDDEN_CHARACTERS.test(text) ? text.replace(FORBIDDEN_CHARACTERS, '') : text;
}
