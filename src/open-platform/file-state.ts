import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { writeFileAtomically } from '../core/write-file-atomically.js';
import { createMemoryTokenStore, type TokenStore } from '../wechat-api/token-store.js';
import type { AuthorizerRecord, OpenPlatformState, StoredTicket } from './platform-state.js';

/** What the file holds for one component AppID. */
interface ComponentEntry {
  ticket?: StoredTicket;
  authorizers: Record<string, AuthorizerRecord>;
}

/** The file: each component AppID's entry, so that changing WECHAT_COMPONENT_APPID loses nothing. */
interface StateFile {
  version: 1;
  components: Record<string, ComponentEntry>;
}

function readStateFile(file: string, logger: Logger | undefined): StateFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, components: {} };
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<StateFile> | null;
  if (parsed?.version !== 1 || typeof parsed.components !== 'object' || parsed.components === null) {
    // Not ours: refuse to start rather than write over it.
    throw new Error(`${file} is not an open-platform state file (OPEN_STATE_FILE); move it away or name another file`);
  }
  logger?.debug({ file }, 'open platform state read');
  return { version: 1, components: parsed.components };
}

/**
 * The open platform's state for one process without Redis: in memory, and written to
 * `file` (OPEN_STATE_FILE, mode 0600, replaced atomically) after each change, so that a
 * restart keeps the ticket and the authorised accounts. The tokens stay in memory: a
 * restart fetches new ones with the ticket and the refresh tokens.
 */
export function createFileOpenPlatformState(file: string, componentAppId: string, logger?: Logger): OpenPlatformState {
  const state = readStateFile(file, logger);
  const entry: ComponentEntry = (state.components[componentAppId] ??= { authorizers: {} });
  entry.authorizers = Object.assign(Object.create(null) as Record<string, AuthorizerRecord>, entry.authorizers);
  const componentToken = createMemoryTokenStore();
  const authorizerTokens = new Map<string, TokenStore>();
  let last: Promise<void> = Promise.resolve();

  /** Writes the whole state after the previous write, and resolves once it is on disk. */
  function save(): Promise<void> {
    const text = `${JSON.stringify(state, null, 2)}\n`;
    const written = last.then(() => writeFileAtomically(file, text, 0o600));
    last = written.catch(() => undefined);
    return written;
  }

  return {
    readTicket: () => Promise.resolve(entry.ticket),
    writeTicket(ticket) {
      entry.ticket = ticket;
      return save();
    },
    discardTicket(value) {
      if (entry.ticket?.value !== value) return Promise.resolve();
      delete entry.ticket;
      return save();
    },
    readAuthorizer: (appId) => Promise.resolve(entry.authorizers[appId]),
    writeAuthorizer(record) {
      entry.authorizers[record.appId] = record;
      return save();
    },
    markNeedsReauthorization(appId, sealedRefreshToken) {
      const record = entry.authorizers[appId];
      if (record?.sealedRefreshToken !== sealedRefreshToken || record.needsReauthorization) return Promise.resolve();
      entry.authorizers[appId] = { ...record, needsReauthorization: true };
      return save();
    },
    deleteAuthorizer(appId) {
      authorizerTokens.delete(appId);
      if (entry.authorizers[appId] === undefined) return Promise.resolve();
      delete entry.authorizers[appId];
      return save();
    },
    authorizers: () => Promise.resolve(Object.keys(entry.authorizers)),
    needingReauthorization: () =>
      Promise.resolve(
        Object.values(entry.authorizers)
          .filter((record) => record.needsReauthorization)
          .map((record) => record.appId),
      ),
    claimPushRequest: (() => {
      let askedAt = -Infinity;
      return (intervalMs: number) => {
        const now = Date.now();
        if (now - askedAt < intervalMs) return Promise.resolve(false);
        askedAt = now;
        return Promise.resolve(true);
      };
    })(),
    componentToken,
    authorizerToken(appId) {
      let store = authorizerTokens.get(appId);
      if (store === undefined) authorizerTokens.set(appId, (store = createMemoryTokenStore()));
      return store;
    },
    close: () => last,
  };
}
