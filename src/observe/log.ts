/**
 * JSON-lines logging on stdout (fluent-bit reads it), fed by the diagnostics channels.
 */
import { pino, type Logger } from 'pino';
import { channels, type LogEvent } from './events.js';

let installed: Logger | null = null;

/** Subscribe a pino logger to dssm's channels. Idempotent; returns the logger. */
export function installLogger(opts: { level?: string; name?: string } = {}): Logger {
  if (installed) return installed;
  const logger = pino({
    level: opts.level ?? process.env.DSSM_LOG_LEVEL ?? 'info',
    name: opts.name ?? 'dssm',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  channels.log.subscribe((message) => {
    const { level, msg, ...rest } = message as LogEvent;
    logger[level](rest, msg);
  });
  channels.listening.subscribe((m) => logger.info(m as object, 'listening'));
  installed = logger;
  return logger;
}
