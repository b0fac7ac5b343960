import type { Server } from 'node:http';
import { createApp } from './app.js';
import { loadConfig, type Config } from './core/config.js';
import { freshEnvironment, loadDotenv } from './core/dotenv.js';
import { ConfigError } from './core/errors.js';
import { writeDotenvOnFirstRun } from './start-up/first-run.js';
import { createLogger, flushLog, flushLogSync } from './core/logger.js';
import { configurationWarnings, nextSteps } from './start-up/advice.js';

const DEFAULT_REPLIES_FILE = 'replies.yaml';

/** Start-up: load the configuration, create the app, listen, and shut down cleanly. */
function main(): void {
  loadDotenv();
  firstRun();
  // `npm start` answers from ./replies.yaml when there is one (or once one is created).
  const config = exitOnConfigError(() => loadConfig(process.env, { defaultRepliesFile: DEFAULT_REPLIES_FILE }));
  const logger = createLogger(config.logLevel);
  exitOnCrash(logger);
  // The replies file is read here: a file that does not validate is a configuration error too.
  // A live edit of ACCOUNTS_FILE reads its ${VAR} from the environment and .env as it is then.
  const app = exitOnConfigError(() => createApp(config, { logger, env: freshEnvironment }));
  const server = app.listen(config.port, config.host);
  server.on('error', (error: NodeJS.ErrnoException) => {
    process.stderr.write(`${listenProblem(error, config)}\n`);
    process.exit(1);
  });
  server.on('listening', () => {
    logger.info({ host: config.host, port: config.port, path: config.wechatPath }, 'listening');
    adviseAfterListening(config, logger);
  });
  stopOnSignals(server, logger, () => app.shutdown());
}

/** Runs `make`; a ConfigError becomes a line on stderr for each of its problems, and exit status 1. */
function exitOnConfigError<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(error.problems.map((problem) => `Configuration error: ${problem.message}\n`).join(''));
    process.exit(1);
  }
}

/** In a terminal, on a fresh clone: write .env with a new token, say so, and load it. */
function firstRun(): void {
  const notice = writeDotenvOnFirstRun({
    dir: process.cwd(),
    example: new URL('../.env.example', import.meta.url),
    env: process.env,
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
  });
  if (notice === undefined) return;
  process.stdout.write(`${notice}\n`);
  loadDotenv();
}

/** One line with the platform's URL and the next step; a warning for what will not work. */
function adviseAfterListening(config: Config, logger: ReturnType<typeof createLogger>): void {
  const { webhookUrl, localUrl, message } = nextSteps(config);
  logger.info({ webhookUrl, localUrl }, message);
  for (const warning of configurationWarnings(config)) logger.warn(warning);
}

function listenProblem(error: NodeJS.ErrnoException, config: Config): string {
  const where = `${config.host}:${config.port}`;
  if (error.code === 'EADDRINUSE') {
    return `Cannot listen on ${where}: the port is already in use. Stop the other server or choose another port with PORT=…`;
  }
  if (error.code === 'EACCES') {
    return `Cannot listen on ${where}: ports below 1024 need root (or CAP_NET_BIND_SERVICE). Run behind nginx, or choose another port with PORT=…`;
  }
  if (error.code === 'EADDRNOTAVAIL') {
    return `Cannot listen on ${where}: HOST is not an address of this machine. Set HOST=0.0.0.0 or PORT=…`;
  }
  return `Cannot listen on ${where}: ${error.message}. Check HOST and PORT.`;
}

/** SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then exit 0. */
function stopOnSignals(server: Server, logger: ReturnType<typeof createLogger>, release: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    server.close(() => {
      void release().finally(() => {
        logger.info('stopped');
        void flushLog(logger).then(() => process.exit(0));
      });
    });
    server.closeIdleConnections();
    setTimeout(() => {
      logger.warn('in-flight requests did not finish within 10 s; exiting');
      flushLogSync(logger);
      process.exit(0);
    }, 10_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** A crash: logged, and what the log still buffers written out, before exiting 1. */
function exitOnCrash(logger: ReturnType<typeof createLogger>): void {
  process.on('uncaughtException', (error, origin) => {
    logger.fatal({ err: error, origin }, 'crashed');
    flushLogSync(logger);
    process.exit(1);
  });
}

main();
