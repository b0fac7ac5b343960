import { pino, type DestinationStream, type Logger } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import type { LogLevel } from './config.js';
import { lazyRequire } from './lazy-require.js';

const CENSOR = '[redacted]';
/** Keys whose value is a secret, at the top of a logged object or of its bindings. */
const SECRET_KEYS = ['authorization', 'access_token', 'accessToken', 'secret', 'appSecret', 'encodingAesKey', 'adminToken'];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** A copy of `value` with `keys` censored, if it is an object that has any of them. */
function censoring(keys: readonly string[]): (value: unknown) => unknown {
  return (value) => {
    if (!isRecord(value) || !keys.some((key) => key in value)) return value;
    const copy: Record<string, unknown> = { ...value };
    for (const key of keys) if (key in copy) copy[key] = CENSOR;
    return copy;
  };
}

const censorHeaders = censoring(['authorization']);

/**
 * A second line of defence: the code never passes a secret to the logger, and these
 * hide one if a future change does. Serializers, not pino's `redact`: pino calls one
 * only for a logged key of its name, so the per-message line (type, id, outcome, ms)
 * does no redaction work at all.
 */
const SECRET_SERIALIZERS: Record<string, (value: unknown) => unknown> = {
  ...Object.fromEntries(SECRET_KEYS.map((key) => [key, () => CENSOR])),
  headers: censorHeaders,
  req: (req) => (isRecord(req) && isRecord(req.headers) ? { ...req, headers: censorHeaders(req.headers) } : req),
  config: censoring(['appSecret', 'encodingAesKey', 'adminToken', 'token']),
};

/**
 * The server's pino logger, writing to `destination` (by default `logDestination()`).
 */
export function createLogger(level: LogLevel, destination: DestinationStream = logDestination()): Logger {
  const logger = pino({ level, base: undefined, serializers: SECRET_SERIALIZERS }, destination);
  ownLoggers.add(logger);
  return logger;
}

/** Loggers made by createLogger: their line format is known, so a line can be written for them directly. */
const ownLoggers = new WeakSet<Logger>();

/** Message types whose JSON the per-message line keeps: WeChat's types and events are far fewer. */
const MAX_QUOTED_TYPES = 256;

/** The one line per answered message: `type`, `id` (absent for events), `outcome`, `ms`. */
export type MessageLine = (type: string, id: string | undefined, outcome: string, ms: number) => void;

/**
 * Writes the per-message line. For a logger of createLogger's, the line is put together
 * here, as pino would write it (level, time, the fields, msg): pino's general path walks
 * serializers and escapes every key for a line whose shape never changes, and that
 * showed in the profile of the webhook. Any other logger (an application's own) goes
 * through pino as usual.
 */
export function messageLine(logger: Logger): MessageLine {
  if (!ownLoggers.has(logger)) {
    return (type, id, outcome, ms) => logger.info({ type, id, outcome, ms }, 'message answered');
  }
  const stream = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  if (stream === undefined) return () => undefined;
  // The few types there are, quoted once each (a bounded number of them).
  const quoted = new Map<string, string>();
  const quote = (type: string): string => {
    let json = quoted.get(type);
    if (json === undefined) {
      json = JSON.stringify(type);
      if (quoted.size < MAX_QUOTED_TYPES) quoted.set(type, json);
    }
    return json;
  };
  return (type, id, outcome, ms) => {
    if (!logger.isLevelEnabled('info')) return;
    const idPart = id === undefined ? '' : `,"id":${JSON.stringify(id)}`;
    stream.write(
      `{"level":30,"time":${Date.now()},"type":${quote(type)}${idPart},"outcome":"${outcome}","ms":${ms},"msg":"message answered"}\n`,
    );
  };
}

/**
 * Characters gathered before a write: about 120 message lines. Measured under load, 4 KiB
 * writes cost 3 µs more per message than 16 KiB ones; 64 KiB ones gain nothing more.
 */
const BUFFER_CHARS = 16_384;
/** How long a line may wait when traffic is too light to fill the buffer. */
const LATEST_MS = 200;

interface Flushable {
  flush?(callback: (error?: Error) => void): void;
  flushSync?(): void;
}

/**
 * Gathers lines and hands them to sonic-boom (pino's asynchronous writer) 16 KiB at a
 * time. sonic-boom's own `minLength` buffer measures its whole pending string on every
 * line, which costs more than gathering them here: 1.6 against 2.6 µs a line, pino's
 * formatting (0.9 µs) included.
 */
class BufferedDestination implements DestinationStream, Flushable {
  #lines: string[] = [];
  #chars = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #handOver = (): void => {
    this.#timer = undefined;
    this.#hand();
  };

  constructor(private readonly out: ReturnType<typeof pino.destination>) {}

  write(line: string): void {
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= BUFFER_CHARS) this.#hand();
    else if (this.#timer === undefined) this.#timer = setTimeout(this.#handOver, LATEST_MS).unref();
  }

  flush(callback: (error?: Error) => void): void {
    this.#hand();
    this.out.flush(callback);
  }

  flushSync(): void {
    this.#hand();
    this.out.flushSync();
  }

  #hand(): void {
    if (this.#lines.length === 0) return;
    this.out.write(this.#lines.join(''));
    this.#lines = [];
    this.#chars = 0;
  }
}

/** Buffered destinations still alive, written out when the process exits however it exits. */
const buffered = new Set<WeakRef<BufferedDestination>>();
let exitHooked = false;
function flushAllOnExit(): void {
  for (const ref of buffered) {
    try {
      ref.deref()?.flushSync();
    } catch {
      // A log that cannot be written (a closed pipe) must not stop the exit.
    }
  }
}

const loadPretty = lazyRequire<{ prettyFactory(options: PrettyOptions): (line: string) => string }>('pino-pretty');

/**
 * Where the log goes. A terminal gets readable, coloured lines, written at once; anything
 * else (a file, a pipe, journald) gets JSON lines, buffered and written asynchronously so
 * that logging a message costs little next to answering it: a write when 16 KiB are
 * gathered or 200 ms after a line, and everything on exit (the server also flushes on
 * SIGTERM and on a crash: `flushLog`, `flushLogSync`).
 */
export function logDestination(isTerminal = process.stdout.isTTY === true): DestinationStream {
  if (isTerminal) {
    const prettify = loadPretty().prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
    return { write: (line: string) => void process.stdout.write(prettify(line)) };
  }
  const destination = new BufferedDestination(pino.destination({ dest: 1, sync: false }));
  if (!exitHooked) process.once('exit', flushAllOnExit);
  exitHooked = true;
  for (const ref of buffered) if (ref.deref() === undefined) buffered.delete(ref);
  buffered.add(new WeakRef(destination));
  return destination;
}

const destinationOf = (logger: Logger): Flushable => (logger as unknown as Record<symbol, Flushable>)[pino.symbols.streamSym] ?? {};

/** Writes out what the logger's destination still buffers; resolves when it is written (or failed). */
export function flushLog(logger: Logger): Promise<void> {
  const destination = destinationOf(logger);
  return new Promise((resolve) => (destination.flush === undefined ? resolve() : destination.flush(() => resolve())));
}

/** The same, synchronously: for a process about to die. Never throws. */
export function flushLogSync(logger: Logger): void {
  try {
    destinationOf(logger).flushSync?.();
  } catch {
    // Nothing more can be done for a log that cannot be written.
  }
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
