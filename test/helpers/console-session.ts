import assert from 'node:assert/strict';

/**
 * Signs in to the console at `baseUrl` with `token` over HTTP, as the sign-in form does:
 * the session cookie (`name=value`) and the session's CSRF token.
 */
export async function consoleSignIn(baseUrl: string, token: string): Promise<{ cookie: string; csrf: string }> {
  const login = await fetch(`${baseUrl}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  assert.equal(login.status, 303, await login.text());
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const session = await fetch(`${baseUrl}/console/api/session`, { headers: { Cookie: cookie } });
  assert.equal(session.status, 200);
  const { csrfToken } = (await session.json()) as { csrfToken: string };
  return { cookie, csrf: csrfToken };
}
