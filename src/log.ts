/**
 * Structured logs (pino): JSON lines by default, readable lines when a person is watching a
 * terminal. Every component takes a child logger named after itself.
 */
import { pino, type Logger, type Level } from 'pino';

export type { Logger };

export const LOG_LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export interface LoggerOptions {
  readonly level?: string;
  /** Pretty output; default: when stderr is a terminal. */
  readonly pretty?: boolean;
  /** Write to this file descriptor (default 2, stderr). */
  readonly fd?: number;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level) && level !== 'silent') {
    throw new Error(`unknown log level "${level}"; use one of ${LOG_LEVELS.join(', ')} or silent`);
  }
  const fd = opts.fd ?? 2;
  const pretty = opts.pretty ?? process.stderr.isTTY;
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { destination: fd, colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, base: null }, pino.destination({ fd, sync: false }));
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
