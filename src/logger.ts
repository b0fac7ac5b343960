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
