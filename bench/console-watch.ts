/**
 * A console signed in and reading the live stream, as an operator with the page open:
 * the `ours, a console watching` target and `bench:instructions` run our server with
 * ADMIN_TOKEN set to CONSOLE_TOKEN and watch it through this.
 */

export const CONSOLE_TOKEN = 'bench-console-admin-token-0001';

/** Signs in and reads the stream (dropping what it reads) until `signal` aborts. */
export async function watchLiveStream(port: number, signal: AbortSignal): Promise<void> {
  const login = await fetch(`http://127.0.0.1:${port}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: CONSOLE_TOKEN }).toString(),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (login.status !== 303 || cookie === '') throw new Error(`console sign-in: HTTP ${login.status}`);
  const stream = await fetch(`http://127.0.0.1:${port}/console/api/live`, { headers: { Cookie: cookie }, signal });
  if (stream.status !== 200 || stream.body === null) throw new Error(`live stream: HTTP ${stream.status}`);
  const reader = stream.body.getReader();
  void (async () => {
    try {
      while (!(await reader.read()).done);
    } catch {
      // aborted at the end of the run
    }
  })();
}
