import pino, { DestinationStream, Logger } from 'pino';
import pretty from 'pino-pretty';
import { currentLogFields } from './log-context';
import { scrubSecrets } from './secret-scrubber';

export type AppLogger = Logger;

/**
 * Fields never written as they are, at the top level or one level down: credentials, keys, tokens, and request or
 * response bodies (prompts and answers). Nothing in the gateway logs them on purpose; this catches accidents.
 */
export const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  '["x-api-key"]',
  '*["x-api-key"]',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key',
  'token',
  '*.token',
  'password',
  '*.password',
  // Balance alerts' webhook signing secrets.
  'secret',
  '*.secret',
  'body',
  '*.body',
  'messages',
  '*.messages',
  'prompt',
  '*.prompt',
];

const MAX_CAUSE_DEPTH = 3;

/** An error as a log field: name, message, code and stack only (never the enumerable extras, which may hold requests). */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> | string {
  if (!(error instanceof Error)) return String(error);
  const out: Record<string, unknown> = { type: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (error.stack) out.stack = error.stack;
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(error.cause, depth + 1);
  return out;
}

export interface LoggerOptions {
  app: string;
  level: string;
  instanceId: string;
  /** Where lines go; stdout (synchronously, so nothing is lost at exit) by default. */
  destination?: DestinationStream;
  /** LOG_FORMAT: `json` (default) or `pretty` (one coloured line per entry, for a person reading a terminal). */
  format?: 'json' | 'pretty';
}

/**
 * The same entries for a person: time, level, `[app] context: message`, then the other fields on the same line
 * (one line per entry, so that an access line stays one line). Colours when the output is a terminal.
 */
function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  return pretty({
    destination: (destination ?? 1) as never,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,app,instance,context',
    messageFormat: '[{app}]{if context} {context}:{end} {msg}',
    singleLine: true,
  });
}

/**
 * The process's logger: one JSON object per line on stdout (or LOG_FORMAT=pretty lines), with the app, the instance, and the generation and
 * request ids of the request being handled (log-context.ts), at LOG_LEVEL and above.
 */
export function createLogger(options: LoggerOptions): AppLogger {
  const target =
    options.format === 'pretty'
      ? prettyStream(options.destination)
      : (options.destination ?? pino.destination({ dest: 1, sync: true }));
  const scrubbed: DestinationStream = { write: (line: string) => target.write(scrubSecrets(line)) };
  return pino(
    {
      level: options.level,
      base: { app: options.app, instance: options.instanceId },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // A copy: pino merges the line's own fields into what the mixin returns.
      mixin: () => ({ ...currentLogFields() }),
    },
    scrubbed,
  );
}
