import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomically } from '../core/write-file-atomically.js';
import type { RecordTable, RecordTables } from './publishing-records.js';

/** The state file: each account's tables, by AppID, so that one file serves every account. */
interface StateFile {
  version: 1;
  accounts: Record<string, Partial<Record<RecordTable, Record<string, string>>>>;
}

/** How long a change waits for another process's change to the file (the server recording an event). */
const LOCK_WAIT_MS = 5000;
/** A lock older than this was left by a process that died while holding it. */
const STALE_LOCK_MS = 30_000;

async function readState(file: string): Promise<StateFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, accounts: {} };
    throw error;
  }
  let parsed: Partial<StateFile> | null;
  try {
    parsed = JSON.parse(text) as Partial<StateFile> | null;
  } catch {
    parsed = null;
  }
  if (parsed?.version !== 1 || typeof parsed.accounts !== 'object' || parsed.accounts === null) {
    // Not ours: never written over.
    throw new Error(`${file} is not a publishing state file (ARTICLES_STATE_FILE); move it away or name another file`);
  }
  return { version: 1, accounts: parsed.accounts };
}

/** Runs `change` while holding `<file>.lock`, created exclusively: one writer at a time across processes. */
async function withLock<T>(file: string, change: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await (await open(lock, 'wx', 0o600)).close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await unlink(lock).catch(() => undefined);
      else if (Date.now() > deadline) throw new Error(`${lock} is held by another process; remove it if none is running`);
      else await sleep(20);
    }
  }
  try {
    return await change();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/**
 * One account's tables in a JSON file (ARTICLES_STATE_FILE, mode 0600), for a server and
 * the commands without Redis: each change re-reads the file under a lock file and
 * replaces it atomically, so that the server recording an event and a command drafting
 * at the same moment both keep theirs.
 */
export function createFileRecordTables(file: string, appId: string): RecordTables {
  async function change<T>(edit: (tables: Partial<Record<RecordTable, Record<string, string>>>) => T): Promise<T> {
    return withLock(file, async () => {
      const state = await readState(file);
      const account = (state.accounts[appId] ??= {});
      const result = edit(account);
      await writeFileAtomically(file, `${JSON.stringify(state, null, 2)}\n`, 0o600);
      return result;
    });
  }
  /** A table as a map without a prototype: a key such as `__proto__` is a key like any other. */
  const tableOf = (tables: Partial<Record<RecordTable, Record<string, string>>>, table: RecordTable): Record<string, string> =>
    (tables[table] = Object.assign(Object.create(null) as Record<string, string>, tables[table]));
  return {
    async get(table, key) {
      const rows = (await readState(file)).accounts[appId]?.[table];
      const value = rows !== undefined && Object.hasOwn(rows, key) ? rows[key] : undefined;
      return typeof value === 'string' ? value : undefined;
    },
    async set(table, key, value) {
      await change((tables) => {
        tableOf(tables, table)[key] = value;
      });
    },
    setIfAbsent: (table, key, value) =>
      change((tables) => {
        const rows = tableOf(tables, table);
        if (Object.hasOwn(rows, key)) return false;
        rows[key] = value;
        return true;
      }),
    async delete(table, key) {
      await change((tables) => {
        const rows = tableOf(tables, table);
        if (Object.hasOwn(rows, key)) delete rows[key];
      });
    },
  };
}
