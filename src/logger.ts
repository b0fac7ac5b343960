import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/**
 * The server's pino logger. Redaction is a second line of defence: the code never
 * passes a secret to the logger, and these paths hide one if a future change does.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [
          'authorization',
          'headers.authorization',
          'req.headers.authorization',
          'access_token',
          'accessToken',
          'secret',
          'appSecret',
          'encodingAesKey',
          'adminToken',
          'config.appSecret',
          'config.encodingAesKey',
          'config.adminToken',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * A message's child logger, made on first use: measured, making one for every message
 * cost more CPU and memory than the rest of a reply, and most messages log nothing.
 */
export class LazyChildLogger {
  #child: Logger | undefined;
  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
  ) {}

  get log(): Logger {
    return (this.#child ??= this.parent.child(this.bindings));
  }
}
