import { pino, type DestinationStream, type Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /** Default info. */
  level?: LogLevel;
  /** json (default): one JSON object per line, for log shippers; pretty: for a terminal. */
  format?: LogFormat;
  /** Default stdout. */
  destination?: { write(line: string): unknown };
}

/**
 * Field names whose values never reach a log line, wherever they appear: the request log
 * carries only method, route pattern, status and duration, and this guards the rest (an
 * error object or a config that happens to hold one).
 */
const REDACT = [
  'authorization',
  'password',
  'token',
  'apiKey',
  'key',
  'secret',
  'secretAccessKey',
  'cookie',
  'deviceId',
  'databaseUrl',
];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** The server's pino logger (Fastify's own logger library): JSON lines on stdout by default. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.destination ?? process.stdout;
  const stream: DestinationStream =
    opts.format === 'pretty'
      ? { write: (line: string) => out.write(prettyLine(line)) }
      : { write: (l) => out.write(l) };
  return pino(
    {
      level: opts.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT, ...REDACT.map((f) => `*.${f}`)], censor: '[redacted]' },
    },
    stream,
  );
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** One JSON log line as `HH:MM:SS LEVEL message key=value …`, an error's stack below it. */
export function prettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, err, ...rest } = entry;
  delete rest['pid'];
  delete rest['hostname'];
  const clock = typeof time === 'string' ? time.slice(11, 19) : '';
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  let text = `${clock} ${LEVEL_NAMES[level as number] ?? String(level)} ${String(msg ?? '')}${fields ? `  ${fields}` : ''}\n`;
  const stack = (err as { stack?: unknown } | undefined)?.stack;
  if (typeof stack === 'string') text += stack.replace(/^/gm, '    ') + '\n';
  return text;
}
