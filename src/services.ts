import type { Logger } from 'pino';
import type { Config } from './core/config.js';
import { createAccount, type Account, type AccountOptions } from './accounts/account.js';
import { defaultAccountSettings } from './accounts/account-settings.js';
import { createServerResources, type ServerResources } from './accounts/server-resources.js';

export interface ServiceOptions extends AccountOptions {
  readonly logger?: Logger;
  /** The clock of the access token, the jsapi ticket, sessions and OAuth states, injectable for tests. */
  readonly now?: () => number;
}

/** What the routes share: the server's resources and the account they serve. */
export interface Services {
  readonly server: ServerResources;
  readonly account: Account;
  /** Closes what the services opened: each account, then the Redis connection. */
  shutdown(): Promise<void>;
}

/** Builds the server's resources and its account from the configuration. */
export function createServices(config: Config, options: ServiceOptions = {}): Services {
  const server = createServerResources(config, { logger: options.logger, now: options.now });
  let account: Account;
  try {
    account = createAccount(defaultAccountSettings(config), config, server, options);
  } catch (error) {
    void server.close();
    throw error;
  }
  return {
    server,
    account,
    async shutdown() {
      await account.close();
      await server.close();
    },
  };
}
