/**
 * The node's logger: JSON lines appended to the datadir's debug.log (for later reading and for
 * tools), and the same records on stderr, readable when a person watches a terminal. Both are
 * written synchronously, so the last lines before an exit are never lost.
 */
import { pino, type Logger, type StreamEntry } from 'pino';
import pinoPretty from 'pino-pretty';
import { LOG_LEVELS } from '../log.ts';

export interface NodeLoggerOptions {
  readonly level?: string;
  /** The log file; null for stderr only. */
  readonly file: string | null;
  /** Readable lines on stderr (default: when stderr is a terminal). */
  readonly pretty?: boolean;
}

export function createNodeLogger(options: NodeLoggerOptions): Logger {
  const level = options.level ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level) && level !== 'silent') {
    throw new Error(`unknown log level "${level}"; use one of ${LOG_LEVELS.join(', ')} or silent`);
  }
  const pretty = options.pretty ?? process.stderr.isTTY;
  const streams: StreamEntry[] = [
    {
      level: 'trace',
      stream: pretty
        ? pinoPretty({ destination: 2, colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname', sync: true })
        : pino.destination({ fd: 2, sync: true }),
    },
  ];
  if (options.file !== null) streams.push({ level: 'trace', stream: pino.destination({ dest: options.file, append: true, sync: true, mkdir: true }) });
  return pino({ level, base: null, timestamp: pino.stdTimeFunctions.isoTime }, pino.multistream(streams));
}
